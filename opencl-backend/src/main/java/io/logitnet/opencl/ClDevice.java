package io.logitnet.opencl;

import io.logitnet.backend.DeviceInfo;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;

import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

import static org.lwjgl.opencl.CL10.CL_DEVICE_AVAILABLE;
import static org.lwjgl.opencl.CL10.CL_DEVICE_COMPILER_AVAILABLE;
import static org.lwjgl.opencl.CL10.CL_DEVICE_GLOBAL_MEM_SIZE;
import static org.lwjgl.opencl.CL10.CL_DEVICE_LOCAL_MEM_SIZE;
import static org.lwjgl.opencl.CL10.CL_DEVICE_MAX_CLOCK_FREQUENCY;
import static org.lwjgl.opencl.CL10.CL_DEVICE_MAX_COMPUTE_UNITS;
import static org.lwjgl.opencl.CL10.CL_DEVICE_MAX_MEM_ALLOC_SIZE;
import static org.lwjgl.opencl.CL10.CL_DEVICE_MAX_WORK_GROUP_SIZE;
import static org.lwjgl.opencl.CL10.CL_DEVICE_NAME;
import static org.lwjgl.opencl.CL10.CL_DEVICE_SINGLE_FP_CONFIG;
import static org.lwjgl.opencl.CL10.CL_DEVICE_TYPE;
import static org.lwjgl.opencl.CL10.CL_DEVICE_TYPE_ACCELERATOR;
import static org.lwjgl.opencl.CL10.CL_DEVICE_TYPE_ALL;
import static org.lwjgl.opencl.CL10.CL_DEVICE_TYPE_CPU;
import static org.lwjgl.opencl.CL10.CL_DEVICE_TYPE_GPU;
import static org.lwjgl.opencl.CL10.CL_DEVICE_VERSION;
import static org.lwjgl.opencl.CL10.CL_DRIVER_VERSION;
import static org.lwjgl.opencl.CL10.CL_PLATFORM_NAME;
import static org.lwjgl.opencl.CL10.clGetDeviceIDs;
import static org.lwjgl.opencl.CL10.clGetPlatformIDs;
import static org.lwjgl.opencl.CL12.CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT;
import static org.lwjgl.opencl.CL12.CL_DEVICE_DOUBLE_FP_CONFIG;

/**
 * One OpenCL device and the properties the backend uses. Selection ids are {@code P:D}: the platform's index in
 * {@code clGetPlatformIDs} and the device's index in that platform's {@code clGetDeviceIDs(CL_DEVICE_TYPE_ALL)}.
 */
record ClDevice(int platformIndex, int deviceIndex, long platform, long device, String platformName, String name,
                long type, String version, String driver, int computeUnits, int clockMhz, long globalMemBytes,
                long maxAllocBytes, long localMemBytes, long maxWorkGroupSize, boolean fp64,
                boolean correctlyRoundedDivideSqrt, boolean available, boolean compilerAvailable) {

    /** {@code P:D}. */
    String id() {
        return platformIndex + ":" + deviceIndex;
    }

    boolean isGpu() {
        return (type & CL_DEVICE_TYPE_GPU) != 0;
    }

    boolean isCpu() {
        return (type & CL_DEVICE_TYPE_CPU) != 0;
    }

    String typeName() {
        if (isGpu()) {
            return "GPU";
        }
        if (isCpu()) {
            return "CPU";
        }
        return (type & CL_DEVICE_TYPE_ACCELERATOR) != 0 ? "accelerator" : "other";
    }

    /** OpenCL version from {@code "OpenCL 3.0 ..."}, as major * 10 + minor; 0 if unparsable. */
    int versionNumber() {
        String[] parts = version.split(" ");
        if (parts.length < 2) {
            return 0;
        }
        String[] mm = parts[1].split("\\.");
        try {
            return Integer.parseInt(mm[0]) * 10 + Integer.parseInt(mm[1].replaceAll("[^0-9].*", ""));
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** Null if the backend can run on this device, else why not. */
    String unusableReason() {
        if (!available) {
            return "device " + id() + " (" + name + ") reports itself unavailable";
        }
        if (!compilerAvailable) {
            return "device " + id() + " (" + name + ") has no OpenCL C compiler";
        }
        if (versionNumber() < 12) {
            return "device " + id() + " (" + name + ") supports " + version + "; LogitNet needs OpenCL 1.2 or newer";
        }
        return null;
    }

    /** Orders usable devices best first: GPUs, then accelerators, then CPUs; then compute units × clock. */
    static final Comparator<ClDevice> BEST_FIRST = Comparator
            .comparingInt((ClDevice d) -> d.unusableReason() == null ? 0 : 1)
            .thenComparingInt(d -> d.isGpu() ? 0 : (d.type & CL_DEVICE_TYPE_ACCELERATOR) != 0 ? 1 : 2)
            .thenComparingLong(d -> -(long) d.computeUnits * Math.max(1, d.clockMhz))
            .thenComparingInt(ClDevice::platformIndex)
            .thenComparingInt(ClDevice::deviceIndex);

    DeviceInfo info() {
        String details = String.format(Locale.ROOT, "%s on platform %d (%s), %s, driver %s, %d compute units at %d MHz,"
                        + " max allocation %,d bytes%s, precisions FP32, BF16", typeName(), platformIndex, platformName,
                version, driver, computeUnits, clockMhz, maxAllocBytes, fp64 ? ", fp64" : "");
        String problem = unusableReason();
        return new DeviceInfo("opencl:" + id(), name, globalMemBytes, problem == null ? details
                : details + " (unusable: " + problem + ")");
    }

    /**
     * Every device of every platform, in index order. An empty list means the loader found no platform.
     *
     * @throws io.logitnet.NativeCallException on any OpenCL error other than "no platform"
     */
    static List<ClDevice> enumerate() {
        List<ClDevice> out = new ArrayList<>();
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer count = stack.callocInt(1);
            int code = clGetPlatformIDs(null, count);
            if (code == Cl.CL_PLATFORM_NOT_FOUND_KHR || (code == Cl.CL_SUCCESS && count.get(0) == 0)) {
                return out;
            }
            Cl.check(code, "clGetPlatformIDs");
            PointerBuffer platforms = stack.mallocPointer(count.get(0));
            Cl.check(clGetPlatformIDs(platforms, (IntBuffer) null), "clGetPlatformIDs");
            for (int p = 0; p < platforms.capacity(); p++) {
                long platform = platforms.get(p);
                String platformName = Cl.platformString(platform, CL_PLATFORM_NAME);
                IntBuffer n = stack.callocInt(1);
                int dc = clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, null, n);
                if (dc == -1 /* CL_DEVICE_NOT_FOUND */ || n.get(0) == 0) {
                    continue;
                }
                Cl.check(dc, "clGetDeviceIDs");
                PointerBuffer devices = stack.mallocPointer(n.get(0));
                Cl.check(clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, devices, (IntBuffer) null), "clGetDeviceIDs");
                for (int d = 0; d < devices.capacity(); d++) {
                    out.add(describe(p, d, platform, platformName, devices.get(d)));
                }
            }
        }
        return out;
    }

    private static ClDevice describe(int p, int d, long platform, String platformName, long dev) {
        long singleConfig = Cl.deviceLong(dev, CL_DEVICE_SINGLE_FP_CONFIG);
        long doubleConfig;
        try {
            doubleConfig = Cl.deviceLong(dev, CL_DEVICE_DOUBLE_FP_CONFIG);
        } catch (io.logitnet.NativeCallException e) {
            doubleConfig = 0; // OpenCL 1.1 devices may not know the query: no fp64
        }
        return new ClDevice(p, d, platform, dev, platformName, Cl.deviceString(dev, CL_DEVICE_NAME),
                Cl.deviceLong(dev, CL_DEVICE_TYPE), Cl.deviceString(dev, CL_DEVICE_VERSION),
                Cl.deviceString(dev, CL_DRIVER_VERSION), Cl.deviceInt(dev, CL_DEVICE_MAX_COMPUTE_UNITS),
                Cl.deviceInt(dev, CL_DEVICE_MAX_CLOCK_FREQUENCY), Cl.deviceLong(dev, CL_DEVICE_GLOBAL_MEM_SIZE),
                Cl.deviceLong(dev, CL_DEVICE_MAX_MEM_ALLOC_SIZE), Cl.deviceLong(dev, CL_DEVICE_LOCAL_MEM_SIZE),
                Cl.deviceSize(dev, CL_DEVICE_MAX_WORK_GROUP_SIZE), doubleConfig != 0,
                (singleConfig & CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT) != 0,
                Cl.deviceInt(dev, CL_DEVICE_AVAILABLE) != 0, Cl.deviceInt(dev, CL_DEVICE_COMPILER_AVAILABLE) != 0);
    }
}
