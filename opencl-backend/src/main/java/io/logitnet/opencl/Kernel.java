package io.logitnet.opencl;

import org.lwjgl.system.MemoryStack;

import java.nio.IntBuffer;

import static org.lwjgl.opencl.CL10.clCreateKernel;
import static org.lwjgl.opencl.CL10.clReleaseKernel;
import static org.lwjgl.opencl.CL10.clSetKernelArg;
import static org.lwjgl.opencl.CL10.clSetKernelArg1d;
import static org.lwjgl.opencl.CL10.clSetKernelArg1f;
import static org.lwjgl.opencl.CL10.clSetKernelArg1i;
import static org.lwjgl.opencl.CL10.clSetKernelArg1p;

/**
 * A {@code cl_kernel}. Arguments are set in order with {@link #args()}, which names the kernel and the index in
 * every error. Setting arguments and enqueueing are not thread-safe for one kernel, hence the backend's owner rule.
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

    /** Starts setting arguments from index 0. */
    Args args() {
        return new Args();
    }

    /** Sets arguments in order. */
    final class Args {
        private int index;

        Args add(int value) {
            Cl.check(clSetKernelArg1i(handle, index, value), call());
            index++;
            return this;
        }

        Args add(float value) {
            Cl.check(clSetKernelArg1f(handle, index, value), call());
            index++;
            return this;
        }

        /** A {@code double} argument (devices with fp64 only). */
        Args addDouble(double value) {
            Cl.check(clSetKernelArg1d(handle, index, value), call());
            index++;
            return this;
        }

        /** An {@code acc_t} argument: double where the program was built with fp64, float otherwise. */
        Args addAcc(double value, boolean fp64) {
            return fp64 ? addDouble(value) : add((float) value);
        }

        /** A buffer argument; null passes a NULL pointer (for arguments the kernel does not read). */
        Args add(DeviceBuffer buffer) {
            Cl.check(clSetKernelArg1p(handle, index, buffer == null ? 0L : buffer.handle()), call());
            index++;
            return this;
        }

        /** A {@code __local} argument of {@code bytes} bytes. */
        Args addLocal(long bytes) {
            Cl.check(clSetKernelArg(handle, index, bytes), call());
            index++;
            return this;
        }

        private String call() {
            return "clSetKernelArg(" + name + ", " + index + ")";
        }
    }

    /** Releases the kernel; never throws. */
    @Override
    public void close() {
        if (handle != 0) {
            clReleaseKernel(handle);
            handle = 0;
        }
    }
}
