package io.logitnet.cpu;

import io.logitnet.backend.AbstractTensor;

/**
 * A tensor in a Java float array, row-major, in its first rows × cols elements. A view ({@link CpuBackend#prefixRows})
 * shares its parent's array and owns nothing. Closed when closed itself, when its parent is, or when its backend is.
 */
final class CpuTensor extends AbstractTensor {
    private final CpuBackend owner;
    private final CpuTensor parent;
    /** The bytes this tensor holds on the heap, given back to its backend's account when closed; 0 for a view. */
    private final long bytes;
    private volatile float[] data;

    CpuTensor(CpuBackend backend, int rows, int cols, float[] data, long bytes) {
        super(backend, rows, cols);
        this.owner = backend;
        this.parent = null;
        this.data = data;
        this.bytes = bytes;
    }

    /** A view of the first {@code rows} rows of {@code parent}. */
    CpuTensor(CpuTensor parent, int rows) {
        super(parent.owner, rows, parent.cols());
        this.owner = parent.owner;
        this.parent = parent.parent != null ? parent.parent : parent;
        this.data = this.parent.data;
        this.bytes = 0;
    }

    float[] data() {
        float[] d = data;
        if (d == null || (parent != null && parent.data == null) || owner.isClosed()) {
            throw closedError();
        }
        return d;
    }

    /** rows × cols: the elements this tensor spans (the array may be longer: a view's parent's). */
    int n() {
        return rows() * cols();
    }

    @Override
    public boolean isClosed() {
        return data == null || (parent != null && parent.data == null) || owner.isClosed();
    }

    @Override
    public synchronized void close() {
        float[] d = data;
        data = null;
        if (d != null && bytes > 0) {
            owner.released(bytes);
        }
    }
}
