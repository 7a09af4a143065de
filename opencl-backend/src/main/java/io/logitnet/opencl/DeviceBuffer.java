package io.logitnet.opencl;

import static org.lwjgl.opencl.CL10.clReleaseMemObject;

/** A {@code cl_mem} buffer of a fixed size in device memory. */
final class DeviceBuffer implements AutoCloseable {
    private long handle;
    private final long bytes;

    DeviceBuffer(long handle, long bytes) {
        this.handle = handle;
        this.bytes = bytes;
    }

    long handle() {
        if (handle == 0) {
            throw new IllegalStateException("device buffer of " + bytes + " bytes has been released");
        }
        return handle;
    }

    long bytes() {
        return bytes;
    }

    boolean isReleased() {
        return handle == 0;
    }

    /**
     * Releases the buffer; never throws (a failure is logged). OpenCL frees the memory once commands already queued
     * on it have finished, so releasing right after enqueueing work on it is safe.
     */
    @Override
    public void close() {
        if (handle != 0) {
            Cl.released(clReleaseMemObject(handle), "clReleaseMemObject(" + bytes + " bytes)");
            handle = 0;
        }
    }
}
