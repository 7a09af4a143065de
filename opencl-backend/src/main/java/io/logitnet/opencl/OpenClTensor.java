package io.logitnet.opencl;

import io.logitnet.backend.Backend;
import io.logitnet.backend.Tensor;

/** A tensor in one OpenCL buffer, row-major float32. Closing it releases the buffer (from any thread). */
final class OpenClTensor implements Tensor {
    private final OpenClBackend backend;
    private final int rows;
    private final int cols;
    private volatile DeviceBuffer buffer;

    OpenClTensor(OpenClBackend backend, int rows, int cols, DeviceBuffer buffer) {
        this.backend = backend;
        this.rows = rows;
        this.cols = cols;
        this.buffer = buffer;
    }

    DeviceBuffer buffer() {
        DeviceBuffer b = buffer;
        if (b == null) {
            throw new IllegalStateException("tensor [" + rows + ", " + cols + "] has been closed");
        }
        return b;
    }

    /** Takes the buffer away from the tensor (which is then closed); null if it already was. */
    DeviceBuffer detach() {
        DeviceBuffer b = buffer;
        buffer = null;
        return b;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public boolean isClosed() {
        return buffer == null;
    }

    @Override
    public void close() {
        backend.release(this);
    }

    @Override
    public String toString() {
        return "OpenClTensor[" + rows + ", " + cols + "]";
    }
}
