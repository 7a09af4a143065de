package io.logitnet.opencl;

import io.logitnet.DeviceOutOfMemoryException;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;

import java.nio.IntBuffer;

import static org.lwjgl.opencl.CL10.CL_CONTEXT_PLATFORM;
import static org.lwjgl.opencl.CL10.CL_MEM_READ_WRITE;
import static org.lwjgl.opencl.CL10.clCreateBuffer;
import static org.lwjgl.opencl.CL10.clCreateContext;
import static org.lwjgl.opencl.CL10.clReleaseContext;

/** A {@code cl_context} on one device; creates the device buffers. */
final class Context implements AutoCloseable {
    private final ClDevice device;
    private long handle;

    private Context(ClDevice device, long handle) {
        this.device = device;
        this.handle = handle;
    }

    static Context create(ClDevice device) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer props = stack.mallocPointer(3);
            props.put(CL_CONTEXT_PLATFORM).put(device.platform()).put(0).flip();
            IntBuffer err = stack.callocInt(1);
            long ctx = clCreateContext(props, device.device(), null, 0L, err);
            Cl.check(err.get(0), "clCreateContext");
            return new Context(device, ctx);
        }
    }

    long handle() {
        return handle;
    }

    ClDevice device() {
        return device;
    }

    /**
     * A read-write buffer of {@code bytes} bytes. The memory is not touched yet (OpenCL allocates lazily): the
     * caller fills it so that a failure shows now rather than at a later kernel launch.
     *
     * @throws DeviceOutOfMemoryException if the request exceeds the device's maximum allocation or the driver
     *                                    reports an allocation failure
     */
    DeviceBuffer createBuffer(long bytes) {
        if (bytes > device.maxAllocBytes()) {
            throw outOfMemory(bytes);
        }
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer err = stack.callocInt(1);
            long mem = clCreateBuffer(handle, CL_MEM_READ_WRITE, bytes, err);
            int code = err.get(0);
            if (Cl.isOutOfMemory(code)) {
                throw outOfMemory(bytes);
            }
            Cl.check(code, "clCreateBuffer(" + bytes + " bytes)");
            return new DeviceBuffer(mem, bytes);
        }
    }

    DeviceOutOfMemoryException outOfMemory(long bytes) {
        return new DeviceOutOfMemoryException(device.name(), bytes, -1, device.globalMemBytes());
    }

    /** Releases the context; never throws (a failure is logged). */
    @Override
    public void close() {
        if (handle != 0) {
            Cl.released(clReleaseContext(handle), "clReleaseContext");
            handle = 0;
        }
    }
}
