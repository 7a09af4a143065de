package io.logitnet.opencl;

import org.lwjgl.system.MemoryStack;

import java.nio.IntBuffer;

import static org.lwjgl.opencl.CL10.clCreateKernel;
import static org.lwjgl.opencl.CL10.clReleaseKernel;
import static org.lwjgl.opencl.CL10.clSetKernelArg1d;
import static org.lwjgl.opencl.CL10.clSetKernelArg1f;
import static org.lwjgl.opencl.CL10.clSetKernelArg1i;
import static org.lwjgl.opencl.CL10.clSetKernelArg1l;
import static org.lwjgl.opencl.CL10.clSetKernelArg1p;

/**
 * A {@code cl_kernel}, launched as the CUDA backend's {@code Kernel} is: {@link #launch(Queue, Grid, Object...)} with
 * the arguments in the kernel's parameter order, each a {@link DeviceBuffer} (null for a NULL pointer) or a boxed
 * {@code int}, {@code long}, {@code float} or {@code double} of the parameter's type. Setting arguments and
 * enqueueing are not thread-safe for one kernel: the backend holds its lock around every launch.
 */
final class Kernel implements AutoCloseable {
    private final String name;
    private long handle;

    private Kernel(String name, long handle) {
        this.name = name;
        this.handle = handle;
    }

    static Kernel create(Program program, String name) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer err = stack.callocInt(1);
            long k = clCreateKernel(program.handle(), name, err);
            Cl.check(err.get(0), "clCreateKernel(" + program.name() + "." + name + ")");
            return new Kernel(name, k);
        }
    }

    String name() {
        return name;
    }

    long handle() {
        return handle;
    }

    /** Sets the arguments in order and enqueues the kernel on {@code queue} over {@code grid}. */
    void launch(Queue queue, Grid grid, Object... args) {
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            int code;
            if (a == null) {
                code = clSetKernelArg1p(handle, i, 0L);
            } else if (a instanceof DeviceBuffer b) {
                code = clSetKernelArg1p(handle, i, b.handle());
            } else if (a instanceof Integer v) {
                code = clSetKernelArg1i(handle, i, v);
            } else if (a instanceof Long v) {
                code = clSetKernelArg1l(handle, i, v);
            } else if (a instanceof Float v) {
                code = clSetKernelArg1f(handle, i, v);
            } else if (a instanceof Double v) {
                code = clSetKernelArg1d(handle, i, v);
            } else {
                throw new IllegalArgumentException("kernel " + name + " argument " + i + " has unsupported type "
                        + a.getClass().getName());
            }
            Cl.check(code, "clSetKernelArg(" + name + ", " + i + ")");
        }
        queue.launch(this, grid);
    }

    /** Releases the kernel; never throws (a failure is logged). */
    @Override
    public void close() {
        if (handle != 0) {
            Cl.released(clReleaseKernel(handle), "clReleaseKernel(" + name + ")");
            handle = 0;
        }
    }
}
