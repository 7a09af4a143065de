package io.logitnet.cuda;

import jcuda.Pointer;
import jcuda.driver.JCudaDriver;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Page-locked host memory (cuMemAllocHost) for uploads and downloads: the copy engines read it directly. */
final class PinnedBuffer implements AutoCloseable {
    private final long bytes;
    private Pointer host;
    private final ByteBuffer buffer;

    PinnedBuffer(long bytes) {
        Pointer p = new Pointer();
        int status = JCudaDriver.cuMemAllocHost(p, bytes);
        if (status == jcuda.driver.CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            throw new io.logitnet.DeviceOutOfMemoryException("pinned host memory", bytes, -1, -1);
        }
        Cu.check(status, "cuMemAllocHost(" + bytes + ")");
        this.host = p;
        this.bytes = bytes;
        this.buffer = p.getByteBuffer(0, bytes).order(ByteOrder.nativeOrder());
    }

    Pointer pointer() {
        return host;
    }

    /** The memory as a native-order buffer (position 0, limit = capacity). */
    ByteBuffer buffer() {
        return buffer.clear();
    }

    long bytes() {
        return bytes;
    }

    /** Frees the memory; never throws (a failure is logged). */
    @Override
    public void close() {
        Pointer p = host;
        host = null;
        if (p != null) {
            Cu.released(JCudaDriver.cuMemFreeHost(p), "cuMemFreeHost");
        }
    }
}
