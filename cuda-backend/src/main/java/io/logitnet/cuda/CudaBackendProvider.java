package io.logitnet.cuda;

import io.logitnet.BackendUnavailableException;
import io.logitnet.backend.Availability;
import io.logitnet.backend.Backend;
import io.logitnet.backend.BackendProvider;
import io.logitnet.backend.DeviceInfo;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.JCudaDriver;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Registers the CUDA backend (selection {@code cuda} or {@code cuda:N}, priority 300). {@link #probe()} checks the
 * host in order (Linux x86-64, the NVIDIA driver's libcuda.so.1, cuBLAS, then cuDriverGetVersion, cuInit and
 * cuDeviceGetCount) and explains the first thing missing with its fix. It never throws, loads JCuda's natives only
 * once libcuda.so.1 is known to exist, and creates no context.
 */
public final class CudaBackendProvider implements BackendProvider {
    private final Supplier<LibraryLocator> libraries;

    /** The provider ServiceLoader creates: it looks for libraries where the dynamic linker would. */
    public CudaBackendProvider() {
        this(LibraryLocator::system);
    }

    /** A provider that looks for libcuda.so.1 and cuBLAS with {@code libraries} (tests simulate hosts with it). */
    CudaBackendProvider(Supplier<LibraryLocator> libraries) {
        this.libraries = libraries;
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public int priority() {
        return 300;
    }

    @Override
    public Availability probe() {
        try {
            Prerequisites pre = prerequisites();
            if (!pre.ok()) {
                return Availability.unavailable(pre.problem(), summary(pre.problem()));
            }
            int driverVersion = initDriver(pre);
            int[] count = {0};
            Cu.check(JCudaDriver.cuDeviceGetCount(count), "cuDeviceGetCount");
            List<DeviceInfo> devices = new ArrayList<>();
            for (int i = 0; i < count[0]; i++) {
                devices.add(describe(i, driverVersion, cublasText(pre)));
            }
            return Availability.available(devices);
        } catch (BackendUnavailableException e) {
            return Availability.unavailable(e.reason(), summary(e.reason()));
        } catch (RuntimeException | LinkageError e) {
            return Availability.unavailable("the CUDA probe failed: " + e);
        }
    }

    /** A few words for a reason {@link Prerequisites} gave. */
    static String summary(String reason) {
        if (reason.startsWith("no " + Prerequisites.LIBCUDA)) {
            return "no NVIDIA driver";
        }
        if (reason.contains("but cuBLAS is not")) {
            return "no cuBLAS";
        }
        if (reason.contains("needs CUDA")) {
            return "NVIDIA driver too old";
        }
        if (reason.contains("reports no CUDA GPU")) {
            return "no CUDA GPU";
        }
        if (reason.contains("stub library")) {
            return "toolkit stub instead of the driver";
        }
        if (reason.contains("runs on Linux x86-64")) {
            return "not Linux x86-64";
        }
        return io.logitnet.backend.Availability.unavailable(reason).summary();
    }

    @Override
    public Backend create(String device) {
        int ordinal = parseOrdinal(device);
        Prerequisites pre = prerequisites();
        if (!pre.ok()) {
            throw new BackendUnavailableException("cuda", pre.problem());
        }
        int driverVersion = initDriver(pre);
        int[] count = {0};
        Cu.check(JCudaDriver.cuDeviceGetCount(count), "cuDeviceGetCount");
        if (ordinal >= count[0]) {
            throw new IllegalArgumentException("cuda:" + ordinal + " does not exist: this machine has " + count[0]
                    + " CUDA device(s), cuda:0 to cuda:" + (count[0] - 1));
        }
        NativeLoader.loadCublas(pre);
        return new CudaBackend(ordinal, driverVersion, describe(ordinal, driverVersion, cublasText(pre)));
    }

    private static String cublasText(Prerequisites pre) {
        return pre.cublas() + (pre.cublasNeedsShim() ? " (CUDA 13, through the bundled libcublas.so.12 compatibility "
                + "library)" : "");
    }

    /** {@code ""} is device 0; otherwise a non-negative device ordinal. */
    static int parseOrdinal(String device) {
        if (device == null || device.isEmpty()) {
            return 0;
        }
        try {
            int n = Integer.parseInt(device.trim());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("bad cuda device '" + device + "': select cuda or cuda:N with N a device "
                + "ordinal (see 'logitnet devices')");
    }

    private Prerequisites prerequisites() {
        return Prerequisites.check(libraries.get(), System.getProperty("os.name", "?"),
                System.getProperty("os.arch", "?"));
    }

    /** Loads the driver bindings, checks the driver version and cuInit; the driver's CUDA version, e.g. 12040. */
    private static int initDriver(Prerequisites pre) {
        NativeLoader.loadDriver(pre);
        int[] version = {-1};
        if (JCudaDriver.cuDriverGetVersion(version) != 0) {
            version[0] = -1;
        }
        int init = JCudaDriver.cuInit(0);
        int[] count = {0};
        if (init == 0) {
            Cu.check(JCudaDriver.cuDeviceGetCount(count), "cuDeviceGetCount");
        }
        String problem = Prerequisites.driverProblem(version[0], init, count[0]);
        if (problem != null) {
            throw new BackendUnavailableException("cuda", problem);
        }
        return version[0];
    }

    private static DeviceInfo describe(int ordinal, int driverVersion, String cublas) {
        CUdevice d = new CUdevice();
        Cu.check(JCudaDriver.cuDeviceGet(d, ordinal), "cuDeviceGet");
        byte[] name = new byte[256];
        Cu.check(JCudaDriver.cuDeviceGetName(name, name.length, d), "cuDeviceGetName");
        int len = 0;
        while (len < name.length && name[len] != 0) {
            len++;
        }
        long[] mem = {-1};
        Cu.check(JCudaDriver.cuDeviceTotalMem(mem, d), "cuDeviceTotalMem");
        int[] major = {0};
        int[] minor = {0};
        int[] sms = {0};
        Cu.check(JCudaDriver.cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                d), "cuDeviceGetAttribute");
        Cu.check(JCudaDriver.cuDeviceGetAttribute(minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                d), "cuDeviceGetAttribute");
        Cu.check(JCudaDriver.cuDeviceGetAttribute(sms, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
                d), "cuDeviceGetAttribute");
        String details = "compute capability " + major[0] + "." + minor[0] + ", " + sms[0] + " SMs, CUDA driver "
                + Prerequisites.versionText(driverVersion) + ", cuBLAS " + cublas
                + (major[0] >= 8 ? ", precisions FP32, TF32, BF16" : ", precision FP32");
        return new DeviceInfo("cuda:" + ordinal, new String(name, 0, len, StandardCharsets.UTF_8), mem[0], details);
    }
}
