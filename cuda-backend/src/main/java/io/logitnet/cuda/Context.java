package io.logitnet.cuda;

import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.JCudaDriver;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A device's primary context (cuDevicePrimaryCtxRetain), shared with every other CUDA user in the process: the other
 * backends on the device and the CUDA runtime that cuBLAS runs on. It is retained once per device for the life of
 * the process and never released, so that closing a backend can never bring the driver's count to zero, which
 * would reset the context and with it the memory, streams and cuBLAS handles another backend still uses.
 */
final class Context {
    private static final Map<Integer, Context> PRIMARY = new ConcurrentHashMap<>();

    private final CUcontext context;

    private Context(CUcontext context) {
        this.context = context;
    }

    /** The primary context of device {@code ordinal}, retained the first time it is asked for. */
    static Context primary(int ordinal, CUdevice device) {
        return PRIMARY.computeIfAbsent(ordinal, o -> {
            CUcontext c = new CUcontext();
            Cu.check(JCudaDriver.cuDevicePrimaryCtxRetain(c, device), "cuDevicePrimaryCtxRetain(" + o + ")");
            return new Context(c);
        });
    }

    /** Makes the context current on the calling thread (cheap: a thread-local store in the driver). */
    void makeCurrent() {
        Cu.check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }
}
