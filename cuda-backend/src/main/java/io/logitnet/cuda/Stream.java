package io.logitnet.cuda;

import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

import java.lang.System.Logger.Level;

/** The backend's one CUDA stream: every copy, kernel and cuBLAS call is queued on it, in order. */
final class Stream implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Stream.class.getName());

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

    @Override
    public void close() {
        CUstream s = stream;
        stream = null;
        if (s != null) {
            int status = JCudaDriver.cuStreamDestroy(s);
            if (status != 0) {
                LOG.log(Level.WARNING, "cuStreamDestroy failed: " + Cu.name(status));
            }
        }
    }
}
