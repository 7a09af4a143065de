package io.logitnet;

/** Library-wide facts. */
public final class LogitNet {
    /** The library version written into checkpoints. */
    public static final String VERSION = "0.1.0";

    private LogitNet() {
    }
}
