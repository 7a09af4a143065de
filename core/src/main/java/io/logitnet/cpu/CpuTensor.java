package io.logitnet.cpu;

import io.logitnet.backend.AbstractTensor;

/** A tensor in a Java float array, row-major. Closed when closed itself or when its backend is. */
final class CpuTensor extends AbstractTensor {
    private final CpuBackend owner;
    private float[] data;

    CpuTensor(CpuBackend backend, int rows, int cols, float[] data) {
        super(backend, rows, cols);
        this.owner = backend;
        this.data = data;
    }

    float[] data() {
        float[] d = data;
        if (d == null || owner.isClosed()) {
            throw closedError();
        }
        return d;
    }

    @Override
    public boolean isClosed() {
        return data == null || owner.isClosed();
    }

    @Override
    public void close() {
        data = null;
    }
}
