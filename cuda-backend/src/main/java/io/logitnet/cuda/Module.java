package io.logitnet.cuda;

import io.logitnet.KernelBuildException;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.util.Arrays;
import java.util.EnumMap;

/**
 * The compiled kernels loaded into the current context with cuModuleLoadData: logitnet.fatbin from logitnet-kernels
 * (SASS for sm_75 to sm_90 and PTX for compute_90, built with CUDA 13.0 by kernels/build-cuda.sh), from which the
 * driver picks the SASS for the device or JIT-compiles the PTX for a newer one. A driver older than CUDA 13 refuses
 * images made by CUDA 13's nvcc; it then gets logitnet.cuda12.ptx, the same kernels as PTX at the CUDA 12.0 ISA
 * level, which it JIT-compiles once (and caches). Nothing runs nvcc at run time.
 */
final class Module implements AutoCloseable {
    static final String FATBIN = "/io/logitnet/kernels/cuda/logitnet.fatbin";
    static final String PTX_CUDA12 = "/io/logitnet/kernels/cuda/logitnet.cuda12.ptx";
    private static final System.Logger LOG = System.getLogger(Module.class.getName());

    private CUmodule module;

    /**
     * @param device the device in words, for messages
     * @param driver the driver's CUDA version, e.g. "12.4"
     * @throws KernelBuildException if the images are missing or the driver can load neither for this device
     */
    Module(String device, String driver) {
        CUmodule m = new CUmodule();
        int status = JCudaDriver.cuModuleLoadData(m, read(device, FATBIN, false));
        if (status == CUresult.CUDA_SUCCESS) {
            this.module = m;
            return;
        }
        checkSticky(status, FATBIN);
        int fallback = JCudaDriver.cuModuleLoadData(m, read(device, PTX_CUDA12, true));
        if (fallback == CUresult.CUDA_SUCCESS) {
            LOG.log(Level.INFO, "CUDA driver " + driver + " refused " + FATBIN + " (" + Cu.name(status) + "): using "
                    + PTX_CUDA12 + ", JIT-compiled by the driver; update the driver to 580 or newer to use the "
                    + "precompiled kernels");
            this.module = m;
            return;
        }
        checkSticky(fallback, PTX_CUDA12);
        throw new KernelBuildException(device, FATBIN, "cuModuleLoadData returned " + Cu.name(status) + " ("
                + status + ") for " + FATBIN + " and " + Cu.name(fallback) + " (" + fallback + ") for " + PTX_CUDA12
                + ". The kernels are compiled with CUDA 13.0 for compute capability 7.5, 8.0, 8.6, 8.9 and 9.0 (PTX "
                + "for newer devices), with a PTX fallback for CUDA 12 drivers; the driver here supports CUDA "
                + driver + ". Fix: update the NVIDIA driver (580 or newer), or rebuild the kernels for this device "
                + "with kernels/build-cuda.sh");
    }

    private static void checkSticky(int status, String image) {
        if (Cu.isSticky(status)) {
            Cu.check(status, "cuModuleLoadData(" + image + ")");
        }
    }

    /** The image's bytes; PTX is text and must end with a NUL for the driver. */
    private static byte[] read(String device, String resource, boolean nulTerminated) {
        try (InputStream in = Module.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new KernelBuildException(device, resource, "the compiled kernels are missing from the class "
                        + "path: add logitnet-kernels (it ships " + resource + ")");
            }
            byte[] bytes = in.readAllBytes();
            return nulTerminated ? Arrays.copyOf(bytes, bytes.length + 1) : bytes;
        } catch (IOException e) {
            throw new KernelBuildException(device, resource, "cannot read the compiled kernels: " + e);
        }
    }

    /** Every kernel of {@link Kernels}: a kernel missing from the image fails here, when the backend opens. */
    EnumMap<Kernels, Kernel> kernels() {
        EnumMap<Kernels, Kernel> out = new EnumMap<>(Kernels.class);
        for (Kernels k : Kernels.values()) {
            CUfunction f = new CUfunction();
            Cu.check(JCudaDriver.cuModuleGetFunction(f, module, k.symbol()), "cuModuleGetFunction(" + k.symbol() + ")");
            out.put(k, new Kernel(k.symbol(), f));
        }
        return out;
    }

    /** Unloads the module; never throws (a failure is logged). */
    @Override
    public void close() {
        CUmodule m = module;
        module = null;
        if (m != null) {
            Cu.released(JCudaDriver.cuModuleUnload(m), "cuModuleUnload");
        }
    }
}
