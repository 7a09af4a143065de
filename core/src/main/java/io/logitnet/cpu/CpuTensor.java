package io.logitnet.cpu;

import io.logitnet.backend.AbstractTensor;

/** A tensor in a Java float array, row-major. */
final class CpuTensor extends AbstractTensor {
    private float[] data;

    CpuTensor(CpuBackend backend, int rows, int cols) {
        super(backend, rows, cols);
        this.data = new float[rows * cols];
    }

    float[] data() {
        if (data == null) {
            throw closedError();
        }
        return data;
    }

    @Override
    public boolean isClosed() {
        return data == null;
    }

    @Override
    public void close() {
        data = null;
    }
}
