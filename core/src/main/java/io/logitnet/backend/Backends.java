package io.logitnet.backend;

import io.logitnet.BackendUnavailableException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Finds backends with {@link ServiceLoader} and applies the selection policy: {@code auto} takes what is expected to
 * be fastest (CUDA, then an OpenCL GPU or accelerator, then the CPU backend; an OpenCL CPU device only by name) and
 * records why each better one was rejected; a named backend
 * ({@code cuda}, {@code opencl:0:1}, {@code cpu}) must be available or the call fails: never a silent fallback.
 */
public final class Backends {
    /** The backends LogitNet has, whether or not their modules are on the class path. */
    private static final List<String> KNOWN_NAMES = List.of("cpu", "opencl", "cuda");

    private Backends() {
    }

    /**
     * A backend chosen by {@link #select}, and the reasoning in lines a user can read.
     *
     * @param explanation which backend was taken and why each better one was not, in full
     * @param brief       the same in a few words, e.g. {@code cpu (cuda: no NVIDIA driver; opencl: CPU device only)}
     */
    public record Selection(Backend backend, List<String> explanation, String brief) {
        public Selection {
            explanation = List.copyOf(explanation);
        }

        /** One line: which backend was taken and why each better one was not, in full. */
        public String summary() {
            return String.join("; ", explanation);
        }
    }

    /** The first clause of a reason: up to the first colon, parenthesis or sentence end, at most 48 characters. */
    static String shortReason(String reason) {
        String r = reason;
        for (String stop : new String[] {": ", " (", ". ", "; "}) {
            int i = r.indexOf(stop);
            if (i > 0) {
                r = r.substring(0, i);
            }
        }
        return r.length() > 48 ? r.substring(0, 45) + "..." : r;
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
            List<String> brief = new ArrayList<>();
            for (Status s : discover()) {
                String name = s.provider().name();
                if (!s.availability().available()) {
                    why.add(name + " rejected: " + s.availability().reason());
                    brief.add(name + ": " + s.availability().summary());
                    continue;
                }
                String[] passOver = s.provider().autoPassOver(s.availability());
                if (passOver != null) {
                    why.add(name + " passed over: " + passOver[0]);
                    brief.add(name + ": " + passOver[1]);
                    continue;
                }
                try {
                    Backend b = s.provider().create("");
                    why.add(0, "using " + name + " (" + b.deviceName() + ")");
                    return new Selection(b, why, name + (brief.isEmpty() ? "" : " (" + String.join("; ", brief)
                            + ")"));
                } catch (RuntimeException e) {
                    why.add(name + " rejected: " + e.getMessage());
                    brief.add(name + ": " + shortReason(String.valueOf(e.getMessage())));
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
                return new Selection(b, List.of("using " + name + " (" + b.deviceName() + ") as requested"),
                        sel + " (as requested)");
            }
        }
        List<String> known = providers().stream().map(BackendProvider::name).toList();
        if (KNOWN_NAMES.contains(name)) {
            throw new BackendUnavailableException(name, "it is not on the class path (have " + known
                    + "); add logitnet-" + name + " to the class path");
        }
        throw new BackendUnavailableException(name, "there is no backend of that name; choose auto, "
                + String.join(", ", known) + " (see 'logitnet devices')");
    }

    /** Shorthand for {@code select(selection).backend()}. */
    public static Backend open(String selection) {
        return select(selection).backend();
    }

    /**
     * Prints every backend on the class path, best first, with its devices or the reason it cannot run here: a
     * diagnostic for machines without the command line ({@code java -cp <class path> io.logitnet.backend.Backends}).
     */
    public static void main(String[] args) {
        for (Status s : discover()) {
            Availability a = s.availability();
            System.out.println(s.provider().name() + ": " + (a.available() ? "available" : "unavailable: " + a.reason()));
            for (DeviceInfo d : a.devices()) {
                System.out.println("    " + d.id() + "  " + d.name() + "  (" + d.details() + ")");
            }
        }
    }
}
