package io.logitnet.cuda;

import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.JCudaDriver;

/**
 * One kernel of the {@link Module}, launched on the backend's {@link Stream}. Arguments are passed in the kernel's
 * parameter order as device pointers and boxed {@code int}, {@code long} (for {@code long long}), {@code float} and
 * {@code double} values; a null device pointer is passed as {@link #NULL}.
 */
final class Kernel {
    /** A null device pointer argument. */
    static final jcuda.driver.CUdeviceptr NULL = new jcuda.driver.CUdeviceptr();

    private final String name;
    private final CUfunction function;

    Kernel(String name, CUfunction function) {
        this.name = name;
        this.function = function;
    }

    String name() {
        return name;
    }

    /** Queues the kernel on {@code stream} with grid (gx, gy) and block (bx, by). */
    void launch(Stream stream, int gx, int gy, int bx, int by, Object... args) {
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof NativePointerObject p) {
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
                        + (a == null ? "null" : a.getClass().getName()));
            }
        }
        Cu.check(JCudaDriver.cuLaunchKernel(function, gx, gy, 1, bx, by, 1, 0, stream.handle(),
                Pointer.to(params), null), "cuLaunchKernel(" + name + ")");
    }
}
