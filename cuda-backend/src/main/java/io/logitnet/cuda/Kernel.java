package io.logitnet.cuda;

import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.JCudaDriver;

/**
 * One kernel of the {@link Module}, launched as the OpenCL backend's {@code Kernel} is:
 * {@link #launch(Stream, Grid, Object...)} with the arguments in the kernel's parameter order, each a device pointer
 * (null for a NULL pointer) or a boxed {@code int}, {@code long} (for {@code long long}), {@code float} or
 * {@code double} of the parameter's type.
 */
final class Kernel {
    private final String name;
    private final CUfunction function;

    Kernel(String name, CUfunction function) {
        this.name = name;
        this.function = function;
    }

    String name() {
        return name;
    }

    /** Queues the kernel on {@code stream} over {@code grid}. */
    void launch(Stream stream, Grid grid, Object... args) {
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a == null) {
                params[i] = Pointer.to(new CUdeviceptr());
            } else if (a instanceof NativePointerObject p) {
                params[i] = Pointer.to(p);
            } else if (a instanceof Integer v) {
                params[i] = Pointer.to(new int[] {v});
            } else if (a instanceof Long v) {
                params[i] = Pointer.to(new long[] {v});
            } else if (a instanceof Float v) {
                params[i] = Pointer.to(new float[] {v});
            } else if (a instanceof Double v) {
                params[i] = Pointer.to(new double[] {v});
            } else {
                throw new IllegalArgumentException("kernel " + name + " argument " + i + " has unsupported type "
                        + a.getClass().getName());
            }
        }
        Cu.check(JCudaDriver.cuLaunchKernel(function, (int) grid.groupsX(), (int) grid.groupsY(), 1, grid.localX(),
                grid.localY(), 1, 0, stream.handle(), Pointer.to(params), null), "cuLaunchKernel(" + name + ")");
    }
}
