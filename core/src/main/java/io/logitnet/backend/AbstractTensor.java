package io.logitnet.backend;

/**
 * What every backend's tensor shares: its backend and its shape. Subclasses hold the memory and say how to release
 * it and whether it has been released.
 */
public abstract class AbstractTensor implements Tensor {
    private final Backend backend;
    private final int rows;
    private final int cols;

    protected AbstractTensor(Backend backend, int rows, int cols) {
        this.backend = backend;
        this.rows = rows;
        this.cols = cols;
    }

    @Override
    public final int rows() {
        return rows;
    }

    @Override
    public final int cols() {
        return cols;
    }

    @Override
    public final Backend backend() {
        return backend;
    }

    /** The error for using this tensor after {@link #close()}. */
    protected final IllegalStateException closedError() {
        return new IllegalStateException("tensor [" + rows + ", " + cols + "] has been closed");
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + rows + ", " + cols + "]";
    }
}
