package io.logitnet.bench;

import io.logitnet.backend.Availability;
import io.logitnet.backend.Backend;
import io.logitnet.backend.BackendProvider;
import io.logitnet.backend.Backends;

import java.util.ArrayList;
import java.util.List;

/** Opening backends for benchmarks: by name, or every one that can run here, with the reason for each that cannot. */
public final class BenchBackends {
    private BenchBackends() {
    }

    /** Thrown by a benchmark's setup when its backend cannot run here; the message says which and why. */
    public static final class Unavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unavailable(String backend, String reason) {
            super("skipped: backend '" + backend + "' is not available here: " + reason);
        }
    }

    /**
     * Opens the backend named {@code selection} ({@code cpu}, {@code opencl}, {@code cuda}, or with a device
     * suffix).
     *
     * @throws Unavailable with the probe's reason when it cannot run here
     */
    public static Backend open(String selection) {
        String name = selection.contains(":") ? selection.substring(0, selection.indexOf(':')) : selection;
        // Probe only the backend asked for: probing OpenCL loads the OpenCL platform's native libraries, and a JVM
        // that runs only the CPU backend should not carry them (a CPU benchmark fork crashed with SIGSEGV in
        // JIT-compiled code after PoCL had been loaded by a probe).
        for (BackendProvider p : Backends.providers()) {
            if (p.name().equals(name)) {
                Availability a;
                try {
                    a = p.probe();
                } catch (RuntimeException | LinkageError e) {
                    a = Availability.unavailable("probe failed: " + e);
                }
                if (!a.available()) {
                    throw new Unavailable(selection, a.reason());
                }
            }
        }
        try {
            return Backends.open(selection);
        } catch (RuntimeException e) {
            throw new Unavailable(selection, e.getMessage());
        }
    }

    /**
     * The names of the backends on the class path, best first, split into those that can run here and the reasons of
     * those that cannot.
     *
     * @param skipped receives one line per unavailable backend
     */
    public static List<String> available(List<String> skipped) {
        List<String> out = new ArrayList<>();
        for (Backends.Status s : Backends.discover()) {
            BackendProvider p = s.provider();
            Availability a = s.availability();
            if (a.available()) {
                out.add(p.name());
            } else {
                skipped.add(p.name() + ": " + a.reason());
            }
        }
        return out;
    }
}
