package io.logitnet.cuda;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * What the CUDA backend needs from the host before any native code is loaded, and the reason, with its fix, when
 * something is missing: Linux x86-64 (the platform JCuda's bundled natives are built for), the NVIDIA driver's
 * {@code libcuda.so.1}, and cuBLAS ({@code libcublas.so.12}, or CUDA 13's {@code libcublas.so.13} through the bundled
 * compatibility library). Pure file checks, so tests run them over simulated hosts.
 */
record Prerequisites(Path libcuda, Path cublas, boolean cublasNeedsShim, String problem) {
    static final String LIBCUDA = "libcuda.so.1";
    static final String CUBLAS_12 = "libcublas.so.12";
    static final String CUBLAS_13 = "libcublas.so.13";
    /** JCuda 12.6 needs a driver that supports CUDA 12.0 or newer (cuDriverGetVersion). */
    static final int MIN_DRIVER_VERSION = 12000;

    boolean ok() {
        return problem == null;
    }

    /** Checks the host: platform, libcuda.so.1, then cuBLAS. */
    static Prerequisites check(LibraryLocator libs, String osName, String osArch) {
        String os = osName.toLowerCase(Locale.ROOT);
        String arch = osArch.toLowerCase(Locale.ROOT);
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return failed("the CUDA backend runs on Linux x86-64 (the platform of the bundled JCuda natives); this is "
                    + osName + " " + osArch + ": use the opencl or cpu backend here");
        }
        Optional<Path> cuda = libs.find(LIBCUDA);
        if (cuda.isEmpty()) {
            return failed("no " + LIBCUDA + " (the NVIDIA driver's CUDA library) was found in " + libs.searched()
                    + ": this machine has no NVIDIA driver. Fix: install the NVIDIA driver (e.g. apt-get install "
                    + "nvidia-driver-580, or from https://www.nvidia.com/drivers); in a container, run it with "
                    + "--gpus all under the NVIDIA Container Toolkit; if the driver is installed elsewhere, add its "
                    + "directory to LD_LIBRARY_PATH. Or select another backend (opencl, cpu)");
        }
        Optional<Path> cublas12 = libs.find(CUBLAS_12);
        if (cublas12.isPresent()) {
            return new Prerequisites(cuda.get(), cublas12.get(), false, null);
        }
        Optional<Path> cublas13 = libs.find(CUBLAS_13);
        if (cublas13.isPresent()) {
            return new Prerequisites(cuda.get(), cublas13.get(), true, null);
        }
        return new Prerequisites(cuda.get(), null, false, "the NVIDIA driver is present (" + cuda.get()
                + ") but cuBLAS is not: neither " + CUBLAS_12 + " nor " + CUBLAS_13 + " was found in "
                + libs.searched() + ". Fix: install cuBLAS from the CUDA toolkit (e.g. apt-get install libcublas-12-6 "
                + "or libcublas-13-0 from NVIDIA's CUDA repository, or the whole toolkit), or add the directory that "
                + "holds it (e.g. /usr/local/cuda/lib64) to LD_LIBRARY_PATH");
    }

    private static Prerequisites failed(String problem) {
        return new Prerequisites(null, null, false, problem);
    }

    /**
     * The reason the driver cannot be used, from cuDriverGetVersion, cuInit and cuDeviceGetCount, or null when it can.
     *
     * @param driverVersion e.g. 12040 for CUDA 12.4 (-1 if the query failed)
     * @param initStatus    cuInit's status
     * @param deviceCount   cuDeviceGetCount's count (only read when cuInit succeeded)
     */
    static String driverProblem(int driverVersion, int initStatus, int deviceCount) {
        if (driverVersion >= 0 && driverVersion < MIN_DRIVER_VERSION) {
            return "the NVIDIA driver supports CUDA " + versionText(driverVersion) + " but JCuda 12.6 needs CUDA "
                    + versionText(MIN_DRIVER_VERSION) + " or newer. Fix: update the NVIDIA driver (525 or newer; 580 "
                    + "or newer for CUDA 13)";
        }
        if (initStatus == jcuda.driver.CUresult.CUDA_ERROR_NO_DEVICE || (initStatus == 0 && deviceCount == 0)) {
            return "the NVIDIA driver is installed but reports no CUDA GPU (cuInit: " + Cu.name(initStatus)
                    + ", devices: " + deviceCount + "). Fix: check nvidia-smi; in a container, run it with --gpus all; "
                    + "check CUDA_VISIBLE_DEVICES is not empty";
        }
        if (initStatus == jcuda.driver.CUresult.CUDA_ERROR_STUB_LIBRARY) {
            return "the libcuda.so.1 that was loaded is the CUDA toolkit's stub library, which exists only for linking "
                    + "(cuInit: " + Cu.name(initStatus) + "). Fix: remove the toolkit's stubs directory (e.g. "
                    + "/usr/local/cuda/lib64/stubs) from LD_LIBRARY_PATH, and install the NVIDIA driver if it is "
                    + "missing";
        }
        if (initStatus == jcuda.driver.CUresult.CUDA_ERROR_SYSTEM_DRIVER_MISMATCH
                || initStatus == jcuda.driver.CUresult.CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE) {
            return "the CUDA driver library does not match the loaded NVIDIA kernel module or this GPU (cuInit: "
                    + Cu.name(initStatus) + "). Fix: reinstall the NVIDIA driver so that libcuda.so.1 and the kernel "
                    + "module have the same version (then reboot), and remove any CUDA forward-compatibility "
                    + "libcuda.so.1 that this GPU does not support from LD_LIBRARY_PATH";
        }
        if (initStatus != 0) {
            return "the CUDA driver failed to initialize: cuInit returned " + Cu.name(initStatus) + " (" + initStatus
                    + "). Fix: check nvidia-smi; a driver/kernel-module version mismatch needs a reboot or a reload "
                    + "of the nvidia module";
        }
        return null;
    }

    /** 12040 as "12.4". */
    static String versionText(int v) {
        return v / 1000 + "." + (v % 1000) / 10;
    }
}
