package io.logitnet.cuda;

import jcuda.driver.CUdeviceptr;

/**
 * A block of device memory from the backend's {@link CachingAllocator}; closing it returns the block to the cache.
 * Every buffer is used only on its backend's stream, so a block returned to the cache can be handed out again
 * without waiting for work still queued on it.
 */
final class DeviceBuffer implements AutoCloseable {
    private final CudaBackend backend;
    private final long bytes;
    private CUdeviceptr ptr;

    DeviceBuffer(CudaBackend backend, CUdeviceptr ptr, long bytes) {
        this.backend = backend;
        this.ptr = ptr;
        this.bytes = bytes;
    }

    CUdeviceptr ptr() {
        if (ptr == null) {
            throw new IllegalStateException("device buffer of " + bytes + " bytes has been released");
        }
        return ptr;
    }

    long bytes() {
        return bytes;
    }

    boolean isReleased() {
        return ptr == null;
    }

    /** Returns the block to the allocator; never throws; twice is harmless. */
    @Override
    public void close() {
        CUdeviceptr p = ptr;
        ptr = null;
        if (p != null) {
            backend.releaseBlock(p, bytes);
        }
    }
}
