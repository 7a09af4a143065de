package io.logitnet.cuda;

import io.logitnet.backend.AbstractTensor;

/** A row-major float32 matrix in device memory of one {@link CudaBackend}. */
final class CudaTensor extends AbstractTensor {
    private final CudaBackend owner;
    private final DeviceBuffer buffer;

    CudaTensor(CudaBackend backend, int rows, int cols, DeviceBuffer buffer) {
        super(backend, rows, cols);
        this.owner = backend;
        this.buffer = buffer;
    }

    DeviceBuffer buffer() {
        return buffer;
    }

    @Override
    public boolean isClosed() {
        return buffer.isReleased() || owner.isClosed();
    }

    @Override
    public void close() {
        buffer.close();
    }
}
