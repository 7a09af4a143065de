package io.logitnet.cuda;

import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

/** The backend's one CUDA stream: every copy, kernel and cuBLAS call is queued on it, in order. */
final class Stream implements AutoCloseable {
    private CUstream stream;

    Stream() {
        CUstream s = new CUstream();
        Cu.check(JCudaDriver.cuStreamCreate(s, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
        this.stream = s;
    }

    CUstream handle() {
        return stream;
    }

    /** Waits for everything queued on the stream. */
    void synchronize() {
        Cu.check(JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    /** Destroys the stream; never throws (a failure is logged). */
    @Override
    public void close() {
        CUstream s = stream;
        stream = null;
        if (s != null) {
            Cu.released(JCudaDriver.cuStreamDestroy(s), "cuStreamDestroy");
        }
    }
}
