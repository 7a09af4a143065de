package io.logitnet.cuda;

import io.logitnet.backend.AbstractTensor;

/**
 * A row-major float32 matrix in device memory of one {@link CudaBackend}. A view ({@link CudaBackend#prefixRows})
 * uses the first rows of its parent's block and owns nothing: closing it releases nothing, and it is closed when its
 * parent is.
 */
final class CudaTensor extends AbstractTensor {
    private final CudaBackend owner;
    private final DeviceBuffer buffer;
    /** The tensor whose block a view uses; null for a tensor that owns its block. */
    private final CudaTensor parent;
    private volatile boolean viewClosed;

    CudaTensor(CudaBackend backend, int rows, int cols, DeviceBuffer buffer) {
        super(backend, rows, cols);
        this.owner = backend;
        this.buffer = buffer;
        this.parent = null;
    }

    /** A view of the first {@code rows} rows of {@code of} (of a view's parent, for a view of a view). */
    CudaTensor(CudaTensor of, int rows) {
        super(of.owner, rows, of.cols());
        this.owner = of.owner;
        this.parent = of.parent != null ? of.parent : of;
        this.buffer = parent.buffer;
    }

    DeviceBuffer buffer() {
        if (viewClosed) {
            throw closedError();
        }
        return buffer;
    }

    @Override
    public boolean isClosed() {
        return viewClosed || buffer.isReleased() || owner.isClosed();
    }

    @Override
    public void close() {
        if (parent != null) {
            viewClosed = true;
        } else {
            buffer.close();
        }
    }
}
