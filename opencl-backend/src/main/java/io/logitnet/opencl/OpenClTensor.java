package io.logitnet.opencl;

import io.logitnet.backend.AbstractTensor;

/** A tensor in one OpenCL buffer, row-major float32. Closing it releases the buffer (from any thread). */
final class OpenClTensor extends AbstractTensor {
    private final OpenClBackend owner;
    private volatile DeviceBuffer buffer;

    OpenClTensor(OpenClBackend backend, int rows, int cols, DeviceBuffer buffer) {
        super(backend, rows, cols);
        this.owner = backend;
        this.buffer = buffer;
    }

    DeviceBuffer buffer() {
        DeviceBuffer b = buffer;
        if (b == null) {
            throw closedError();
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
    public boolean isClosed() {
        return buffer == null;
    }

    @Override
    public void close() {
        owner.release(this);
    }
}
