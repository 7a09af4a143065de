package io.logitnet.backend;

import io.logitnet.BackendUnavailableException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Finds backends with {@link ServiceLoader} and applies the selection policy: {@code auto} takes the best
 * available backend (CUDA, then OpenCL, then CPU) and records why each better one was rejected; a named backend
 * ({@code cuda}, {@code opencl:0:1}, {@code cpu}) must be available or the call fails: never a silent fallback.
 */
public final class Backends {
    private Backends() {
    }

    /** A backend chosen by {@link #select}, and the reasoning in lines a user can read. */
    public record Selection(Backend backend, List<String> explanation) {
        public Selection {
            explanation = List.copyOf(explanation);
        }

        /** One line: which backend was taken and why each better one was not. */
        public String summary() {
            return String.join("; ", explanation);
        }
    }

    /** A provider with its probe result. */
    public record Status(BackendProvider provider, Availability availability) {
    }

    /** Every backend on the class path, best first, each with whether it can run here. */
    public static List<Status> discover() {
        List<Status> out = new ArrayList<>();
        for (BackendProvider p : providers()) {
            Availability a;
            try {
                a = p.probe();
            } catch (RuntimeException | LinkageError e) {
                a = Availability.unavailable("probe failed: " + e);
            }
            out.add(new Status(p, a));
        }
        return out;
    }

    /** The registered providers, best first. */
    public static List<BackendProvider> providers() {
        List<BackendProvider> list = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader()).forEach(list::add);
        list.sort(Comparator.comparingInt(BackendProvider::priority).reversed());
        return list;
    }

    /**
     * Opens a backend by selection string: {@code auto}, {@code cpu}, {@code opencl}, {@code opencl:P:D},
     * {@code cuda}, {@code cuda:N}.
     *
     * @throws BackendUnavailableException if a named backend is missing or cannot run here
     */
    public static Selection select(String selection) {
        String sel = selection == null || selection.isBlank() ? "auto" : selection.trim().toLowerCase(Locale.ROOT);
        if (sel.equals("auto")) {
            List<String> why = new ArrayList<>();
            for (Status s : discover()) {
                String name = s.provider().name();
                if (!s.availability().available()) {
                    why.add(name + " rejected: " + s.availability().reason());
                    continue;
                }
                try {
                    Backend b = s.provider().create("");
                    why.add(0, "using " + name + " (" + b.deviceName() + ")");
                    return new Selection(b, why);
                } catch (RuntimeException e) {
                    why.add(name + " rejected: " + e.getMessage());
                }
            }
            throw new BackendUnavailableException("auto", "no backend could be opened: " + String.join("; ", why));
        }
        int colon = sel.indexOf(':');
        String name = colon < 0 ? sel : sel.substring(0, colon);
        String device = colon < 0 ? "" : sel.substring(colon + 1);
        for (BackendProvider p : providers()) {
            if (p.name().equals(name)) {
                Availability a = p.probe();
                if (!a.available()) {
                    throw new BackendUnavailableException(name, a.reason());
                }
                Backend b = p.create(device);
                return new Selection(b, List.of("using " + name + " (" + b.deviceName() + ") as requested"));
            }
        }
        List<String> known = providers().stream().map(BackendProvider::name).toList();
        throw new BackendUnavailableException(name, "no such backend on the class path (have " + known
                + "); add logitnet-" + name + " to the class path");
    }

    /** Shorthand for {@code select(selection).backend()}. */
    public static Backend open(String selection) {
        return select(selection).backend();
    }
}
