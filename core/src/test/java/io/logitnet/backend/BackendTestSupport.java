package io.logitnet.backend;

import org.junit.jupiter.api.Assumptions;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Opens a backend for a test, or skips the test with the reason it is unavailable. {@code LOGITNET_REQUIRE}
 * (comma-separated backend names, e.g. {@code cpu,opencl}) turns the skip into a failure for the backends it names.
 */
public final class BackendTestSupport {
    private BackendTestSupport() {
    }

    /** The backend names that must not be skipped, from {@code LOGITNET_REQUIRE}. */
    public static Set<String> required() {
        String env = System.getenv("LOGITNET_REQUIRE");
        if (env == null || env.isBlank()) {
            return Set.of();
        }
        return Arrays.stream(env.split(",")).map(s -> s.trim().toLowerCase(Locale.ROOT))
                .filter(s -> !s.isEmpty()).collect(Collectors.toSet());
    }

    /** Why each selection that {@link #openForClass} could not open is unavailable. */
    private static final java.util.Map<String, String> UNAVAILABLE = new java.util.concurrent.ConcurrentHashMap<>();

    /** Why the backend of {@code selection} cannot run here, or null when it can. */
    static String unavailableReason(String selection) {
        String name = selection.contains(":") ? selection.substring(0, selection.indexOf(':')) : selection;
        BackendProvider provider = Backends.providers().stream().filter(p -> p.name().equals(name)).findFirst()
                .orElse(null);
        if (provider == null) {
            return "backend " + name + " is not on the class path";
        }
        Availability a = provider.probe();
        return a.available() ? null : a.reason();
    }

    private static String requireOrReason(String selection) {
        String reason = unavailableReason(selection);
        String name = selection.contains(":") ? selection.substring(0, selection.indexOf(':')) : selection;
        if (reason != null && required().contains(name)) {
            throw new AssertionError("LOGITNET_REQUIRE names " + name + " but it is unavailable: " + reason);
        }
        return reason == null ? null : "backend " + name + " unavailable: " + reason;
    }

    /** Opens {@code selection} (e.g. {@code opencl}) or aborts the calling test with the reason. */
    public static Backend openOrSkip(String selection) {
        String reason = requireOrReason(selection);
        if (reason != null) {
            Assumptions.abort(reason);
        }
        return Backends.open(selection);
    }

    /**
     * For a test class's {@code @BeforeAll}: the backend, or null when it is unavailable here (a failure if
     * {@code LOGITNET_REQUIRE} names it). Each test then calls {@link #skipUnless} first (in {@code @BeforeEach}),
     * so that every test is reported as skipped with the reason rather than the class as zero tests.
     */
    public static Backend openForClass(String selection) {
        String reason = requireOrReason(selection);
        if (reason != null) {
            UNAVAILABLE.put(selection, reason);
            return null;
        }
        return Backends.open(selection);
    }

    /** Skips the calling test, with the reason, when {@link #openForClass} gave null. */
    public static void skipUnless(Backend backend, String selection) {
        Assumptions.assumeTrue(backend != null, () -> UNAVAILABLE.getOrDefault(selection, "backend " + selection
                + " unavailable"));
    }
}
