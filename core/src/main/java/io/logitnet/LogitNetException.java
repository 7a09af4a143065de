package io.logitnet;

/** Base of every exception LogitNet throws on purpose. Unchecked, as a caller can rarely recover locally. */
public class LogitNetException extends RuntimeException {
    public LogitNetException(String message) {
        super(message);
    }

    public LogitNetException(String message, Throwable cause) {
        super(message, cause);
    }
}
