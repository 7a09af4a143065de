package io.logitnet.cli;

import java.util.logging.Level;
import java.util.logging.Logger;

/** Library log lines a user of the command does not need. */
final class Quiet {
    /** Held so that the loggers (and their levels) are not collected. */
    private static final Logger NETLIB = Logger.getLogger("dev.ludovic.netlib");

    private Quiet() {
    }

    /**
     * netlib logs a warning when it cannot use the incubating Vector API or a native BLAS, and then uses its
     * fallback, which the backend line reports.
     */
    static void libraryLogging() {
        NETLIB.setLevel(Level.SEVERE);
    }
}
