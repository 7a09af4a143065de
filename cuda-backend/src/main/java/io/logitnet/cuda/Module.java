package io.logitnet.cuda;

import io.logitnet.KernelBuildException;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;

/**
 * The compiled kernels (logitnet.fatbin from logitnet-kernels: SASS for sm_75 to sm_90 and PTX for compute_90,
 * built by kernels/build-cuda.sh) loaded into the current context with cuModuleLoadData. The driver picks the SASS
 * for the device or JIT-compiles the PTX for a newer one; nothing runs nvcc at run time.
 */
final class Module implements AutoCloseable {
    static final String RESOURCE = "/io/logitnet/kernels/cuda/logitnet.fatbin";
    private static final System.Logger LOG = System.getLogger(Module.class.getName());

    private CUmodule module;

    /**
     * @param device the device in words, for the error message
     * @throws KernelBuildException if the image is missing or the driver cannot load it for this device
     */
    Module(String device, String driver) {
        byte[] image;
        try (InputStream in = Module.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new KernelBuildException(device, RESOURCE, "the compiled kernels are missing from the class "
                        + "path: add logitnet-kernels (it ships " + RESOURCE + ")");
            }
            image = in.readAllBytes();
        } catch (IOException e) {
            throw new KernelBuildException(device, RESOURCE, "cannot read the compiled kernels: " + e);
        }
        CUmodule m = new CUmodule();
        int status = JCudaDriver.cuModuleLoadData(m, image);
        if (status != CUresult.CUDA_SUCCESS) {
            if (Cu.isSticky(status)) {
                Cu.check(status, "cuModuleLoadData(" + RESOURCE + ")");
            }
            throw new KernelBuildException(device, RESOURCE, "cuModuleLoadData returned " + Cu.name(status) + " ("
                    + status + "). The kernels are compiled with CUDA 13.0 for compute capability 7.5, 8.0, 8.6, "
                    + "8.9 and 9.0 (PTX for newer devices); the driver here supports CUDA " + driver + ". Fix: "
                    + "update the NVIDIA driver (580 or newer can load CUDA 13.0 images), or rebuild the kernels "
                    + "for this device with kernels/build-cuda.sh");
        }
        this.module = m;
    }

    /** The kernel named {@code name} (an extern "C" __global__ function of logitnet.cu). */
    Kernel kernel(String name) {
        CUfunction f = new CUfunction();
        Cu.check(JCudaDriver.cuModuleGetFunction(f, module, name), "cuModuleGetFunction(" + name + ")");
        return new Kernel(name, f);
    }

    @Override
    public void close() {
        CUmodule m = module;
        module = null;
        if (m != null) {
            int status = JCudaDriver.cuModuleUnload(m);
            if (status != 0) {
                LOG.log(Level.WARNING, "cuModuleUnload failed: " + Cu.name(status));
            }
        }
    }
}
