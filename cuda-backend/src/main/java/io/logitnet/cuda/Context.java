package io.logitnet.cuda;

import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.JCudaDriver;

import java.lang.System.Logger.Level;

/**
 * The device's primary context (cuDevicePrimaryCtxRetain), shared with any other CUDA user in the process, such as
 * the CUDA runtime. Released, not destroyed, on close.
 */
final class Context implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Context.class.getName());

    private final CUdevice device;
    private CUcontext context;

    Context(CUdevice device) {
        CUcontext c = new CUcontext();
        Cu.check(JCudaDriver.cuDevicePrimaryCtxRetain(c, device), "cuDevicePrimaryCtxRetain");
        this.device = device;
        this.context = c;
    }

    /** Makes the context current on the calling thread (cheap: a thread-local store in the driver). */
    void makeCurrent() {
        if (context == null) {
            throw new IllegalStateException("the CUDA context has been released");
        }
        Cu.check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    @Override
    public void close() {
        if (context != null) {
            context = null;
            int status = JCudaDriver.cuDevicePrimaryCtxRelease(device);
            if (status != 0) {
                LOG.log(Level.WARNING, "cuDevicePrimaryCtxRelease failed: " + Cu.name(status));
            }
        }
    }
}
