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

    /** Opens {@code selection} (e.g. {@code opencl}) or aborts the calling test with the reason. */
    public static Backend openOrSkip(String selection) {
        String name = selection.contains(":") ? selection.substring(0, selection.indexOf(':')) : selection;
        String reason = null;
        BackendProvider provider = Backends.providers().stream().filter(p -> p.name().equals(name)).findFirst()
                .orElse(null);
        if (provider == null) {
            reason = "backend " + name + " is not on the class path";
        } else {
            Availability a = provider.probe();
            if (!a.available()) {
                reason = a.reason();
            }
        }
        if (reason != null) {
            if (required().contains(name)) {
                throw new AssertionError("LOGITNET_REQUIRE names " + name + " but it is unavailable: " + reason);
            }
            Assumptions.abort("backend " + name + " unavailable: " + reason);
        }
        return Backends.open(selection);
    }
}
