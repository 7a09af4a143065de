package io.logitnet.model;

import io.logitnet.backend.Backend;
import io.logitnet.backend.Backends;

/**
 * The backend models use when none is given: chosen once per process by {@code LOGITNET_BACKEND} (default
 * {@code auto}), logged with the reason, and closed at exit.
 */
public final class DefaultBackend {
    private static Backend instance;

    private DefaultBackend() {
    }

    public static synchronized Backend get() {
        if (instance == null) {
            String sel = System.getenv().getOrDefault("LOGITNET_BACKEND", "auto");
            Backends.Selection s = Backends.select(sel);
            System.getLogger("io.logitnet").log(System.Logger.Level.INFO, "backend: " + s.summary());
            instance = s.backend();
            Backend b = instance;
            Runtime.getRuntime().addShutdownHook(new Thread(b::close, "logitnet-backend-close"));
        }
        return instance;
    }
}
