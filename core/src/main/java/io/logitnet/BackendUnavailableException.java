package io.logitnet;

/** A backend that was asked for by name cannot be used here; the reason says why and what would fix it. */
public final class BackendUnavailableException extends LogitNetException {
    private final String backend;
    private final String reason;

    public BackendUnavailableException(String backend, String reason) {
        super("backend '" + backend + "' is unavailable: " + reason);
        this.backend = backend;
        this.reason = reason;
    }

    public BackendUnavailableException(String backend, String reason, Throwable cause) {
        super("backend '" + backend + "' is unavailable: " + reason, cause);
        this.backend = backend;
        this.reason = reason;
    }

    public String backend() {
        return backend;
    }

    public String reason() {
        return reason;
    }
}
