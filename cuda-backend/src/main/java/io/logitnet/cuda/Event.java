package io.logitnet.cuda;

import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/** A CUDA event (no timing): a point in the stream's queue that the host can test or wait for alone. */
final class Event implements AutoCloseable {
    private CUevent event;

    Event() {
        CUevent e = new CUevent();
        Cu.check(JCudaDriver.cuEventCreate(e, CUevent_flags.CU_EVENT_DISABLE_TIMING), "cuEventCreate");
        this.event = e;
    }

    /** Marks the current end of {@code stream}'s queue. */
    void record(Stream stream) {
        Cu.check(JCudaDriver.cuEventRecord(event, stream.handle()), "cuEventRecord");
    }

    /** Whether the work queued before the last {@link #record} has run (true for an event never recorded). */
    boolean isComplete() {
        int status = JCudaDriver.cuEventQuery(event);
        if (status == CUresult.CUDA_ERROR_NOT_READY) {
            return false;
        }
        Cu.check(status, "cuEventQuery");
        return true;
    }

    /** Waits for the work queued before the last {@link #record}, and nothing queued after it. */
    void synchronize() {
        Cu.check(JCudaDriver.cuEventSynchronize(event), "cuEventSynchronize");
    }

    /** Destroys the event; never throws (a failure is logged). */
    @Override
    public void close() {
        CUevent e = event;
        event = null;
        if (e != null) {
            Cu.released(JCudaDriver.cuEventDestroy(e), "cuEventDestroy");
        }
    }
}
