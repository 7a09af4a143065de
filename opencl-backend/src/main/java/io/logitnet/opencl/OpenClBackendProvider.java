package io.logitnet.opencl;

import io.logitnet.BackendUnavailableException;
import io.logitnet.backend.Availability;
import io.logitnet.backend.Backend;
import io.logitnet.backend.BackendProvider;
import io.logitnet.backend.DeviceInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Registers the OpenCL backend ({@code opencl}, priority 200). Selection: {@code opencl} takes the device named by
 * the environment variable {@code LOGITNET_OPENCL_DEVICE="P:D"} if set, else the best one (a GPU if there is one);
 * {@code opencl:P:D} takes device D of platform P (the ids {@code logitnet devices} lists).
 *
 * <p>The probe loads the ICD loader (once per process; it stays loaded) and queries platforms and devices; it
 * creates no context or other handle.
 */
public final class OpenClBackendProvider implements BackendProvider {
    /** The environment variable that chooses a device when the selection names none. */
    public static final String DEVICE_ENV = "LOGITNET_OPENCL_DEVICE";

    private final ClLibrary library;
    private final Function<String, String> env;

    public OpenClBackendProvider() {
        this(ClLibrary.system(), System::getenv);
    }

    OpenClBackendProvider(ClLibrary library, Function<String, String> env) {
        this.library = library;
        this.env = env;
    }

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public int priority() {
        return 200;
    }

    @Override
    public Availability probe() {
        try {
            String why = library.load();
            if (why != null) {
                return Availability.unavailable(why, "no OpenCL ICD loader");
            }
            List<ClDevice> all = ClDevice.enumerate();
            if (all.isEmpty()) {
                return Availability.unavailable(noPlatform(), "no OpenCL platform");
            }
            List<DeviceInfo> usable = new ArrayList<>();
            List<String> problems = new ArrayList<>();
            for (ClDevice d : all) {
                if (d.unusableReason() == null) {
                    usable.add(d.info());
                } else {
                    problems.add(d.unusableReason());
                }
            }
            if (usable.isEmpty()) {
                return Availability.unavailable("no usable OpenCL device: " + String.join("; ", problems),
                        "no usable OpenCL device");
            }
            return Availability.available(usable);
        } catch (RuntimeException | LinkageError e) {
            return Availability.unavailable("OpenCL could not be queried (" + e + "); " + ClLibrary.INSTALL_HINT);
        }
    }

    /**
     * OpenCL on CPU devices only (PoCL) is about half as fast as the CPU backend with OpenBLAS: {@code auto} takes the
     * CPU backend then; {@code opencl} still selects such a device.
     */
    @Override
    public String[] autoPassOver(Availability availability) {
        try {
            boolean accelerated = ClDevice.enumerate().stream()
                    .anyMatch(d -> d.unusableReason() == null && !d.isCpu());
            if (accelerated) {
                return null;
            }
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
        return new String[] {"only CPU devices (" + availability.devices().stream().map(DeviceInfo::name).toList()
                + "), where the cpu backend is faster; select opencl to use them anyway", "CPU device only"};
    }

    private String noPlatform() {
        String from = ClLibrary.loadedFrom();
        return ClLibrary.noPlatformReason(from == null ? java.nio.file.Path.of("libOpenCL") : java.nio.file.Path.of(from),
                ClLibrary.vendorsDir());
    }

    @Override
    public Backend create(String device) {
        String why = library.load();
        if (why != null) {
            throw new BackendUnavailableException("opencl", why);
        }
        List<ClDevice> all = ClDevice.enumerate();
        if (all.isEmpty()) {
            throw new BackendUnavailableException("opencl", noPlatform());
        }
        String selection = device == null || device.isBlank() ? env.apply(DEVICE_ENV) : device.trim();
        return new OpenClBackend(choose(all, selection, device == null || device.isBlank()));
    }

    /**
     * The device a selection names, or the best usable one for a blank selection.
     *
     * @param fromEnv whether the selection came from {@link #DEVICE_ENV} (named in errors)
     */
    static ClDevice choose(List<ClDevice> all, String selection, boolean fromEnv) {
        if (selection == null || selection.isBlank()) {
            ClDevice best = all.stream().sorted(ClDevice.BEST_FIRST).findFirst().orElseThrow();
            if (best.unusableReason() != null) {
                throw new BackendUnavailableException("opencl", "no usable OpenCL device: " + all.stream()
                        .map(ClDevice::unusableReason).collect(Collectors.joining("; ")));
            }
            return best;
        }
        String source = fromEnv ? DEVICE_ENV + "=" + selection : "opencl:" + selection;
        String[] parts = selection.trim().split(":");
        if (parts.length != 2 || !parts[0].matches("\\d+") || !parts[1].matches("\\d+")) {
            throw new IllegalArgumentException("OpenCL device selection " + source + " is not of the form P:D"
                    + " (platform index, device index), e.g. opencl:0:1");
        }
        int p = Integer.parseInt(parts[0]);
        int d = Integer.parseInt(parts[1]);
        for (ClDevice c : all) {
            if (c.platformIndex() == p && c.deviceIndex() == d) {
                if (c.unusableReason() != null) {
                    throw new BackendUnavailableException("opencl", c.unusableReason());
                }
                return c;
            }
        }
        throw new BackendUnavailableException("opencl", "there is no OpenCL device " + p + ":" + d + " (" + source
                + "); devices here: " + all.stream().map(c -> c.id() + " " + c.name())
                .collect(Collectors.joining(", ")));
    }
}
