package io.logitnet.opencl;

import io.logitnet.backend.AbstractTensor;

/**
 * A tensor in one OpenCL buffer, row-major float32. Closing it releases the buffer (from any thread). A view
 * ({@link OpenClBackend#prefixRows}) uses the first rows of its parent's buffer and owns nothing: closing it releases
 * nothing, and it is closed when its parent is.
 */
final class OpenClTensor extends AbstractTensor {
    private final OpenClBackend owner;
    /** The tensor whose buffer a view uses; null for a tensor that owns its buffer. */
    private final OpenClTensor parent;
    private volatile DeviceBuffer buffer;
    private volatile boolean viewClosed;

    OpenClTensor(OpenClBackend backend, int rows, int cols, DeviceBuffer buffer) {
        super(backend, rows, cols);
        this.owner = backend;
        this.parent = null;
        this.buffer = buffer;
    }

    /** A view of the first {@code rows} rows of {@code of} (of a view's parent, for a view of a view). */
    OpenClTensor(OpenClTensor of, int rows) {
        super(of.owner, rows, of.cols());
        this.owner = of.owner;
        this.parent = of.parent != null ? of.parent : of;
        this.buffer = null;
    }

    DeviceBuffer buffer() {
        if (parent != null) {
            if (viewClosed) {
                throw closedError();
            }
            return parent.buffer();
        }
        DeviceBuffer b = buffer;
        if (b == null) {
            throw closedError();
        }
        return b;
    }

    /** Takes the buffer away from the tensor (which is then closed); null if it already was, or for a view. */
    DeviceBuffer detach() {
        DeviceBuffer b = buffer;
        buffer = null;
        return b;
    }

    boolean isView() {
        return parent != null;
    }

    @Override
    public boolean isClosed() {
        return parent != null ? viewClosed || parent.isClosed() : buffer == null;
    }

    @Override
    public void close() {
        if (parent != null) {
            viewClosed = true;
        } else {
            owner.release(this);
        }
    }
}
