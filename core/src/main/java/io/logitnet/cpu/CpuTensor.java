package io.logitnet.cpu;

import io.logitnet.backend.Backend;
import io.logitnet.backend.Tensor;

/** A tensor in a Java float array, row-major. */
final class CpuTensor implements Tensor {
    private final CpuBackend backend;
    private final int rows;
    private final int cols;
    private float[] data;

    CpuTensor(CpuBackend backend, int rows, int cols) {
        this.backend = backend;
        this.rows = rows;
        this.cols = cols;
        this.data = new float[rows * cols];
    }

    float[] data() {
        if (data == null) {
            throw new IllegalStateException("tensor [" + rows + ", " + cols + "] has been closed");
        }
        return data;
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
        return data == null;
    }

    @Override
    public void close() {
        data = null;
    }

    @Override
    public String toString() {
        return "CpuTensor[" + rows + ", " + cols + "]";
    }
}
