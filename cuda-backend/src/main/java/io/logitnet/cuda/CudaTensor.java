package io.logitnet.cuda;

import io.logitnet.backend.Backend;
import io.logitnet.backend.Tensor;

/** A row-major float32 matrix in device memory of one {@link CudaBackend}. */
final class CudaTensor implements Tensor {
    private final CudaBackend backend;
    private final int rows;
    private final int cols;
    private final DeviceBuffer buffer;

    CudaTensor(CudaBackend backend, int rows, int cols, DeviceBuffer buffer) {
        this.backend = backend;
        this.rows = rows;
        this.cols = cols;
        this.buffer = buffer;
    }

    DeviceBuffer buffer() {
        return buffer;
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
        return buffer.isReleased() || backend.isClosed();
    }

    @Override
    public void close() {
        buffer.close();
    }

    @Override
    public String toString() {
        return "CudaTensor[" + rows + ", " + cols + "]";
    }
}
