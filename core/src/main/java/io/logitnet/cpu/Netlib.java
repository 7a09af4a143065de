package io.logitnet.cpu;

import dev.ludovic.netlib.blas.BLAS;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The BLAS of netlib-java, without the warnings it logs while it looks for one: it tries the incubating Vector API
 * (absent unless the JVM runs with {@code --add-modules jdk.incubator.vector}) and native OpenBLAS before its plain
 * Java fallback, and logs each miss at WARNING on every run. Which BLAS it found is reported by the backend
 * ({@link CpuBackend#blasName()}, {@code logitnet devices}), so the search itself is kept quiet.
 */
public final class Netlib {
    /** Held so that the logger (and its level) is not collected before netlib's own reference. */
    private static final Logger LOGGER = Logger.getLogger("dev.ludovic.netlib");
    private static final BLAS BLAS_INSTANCE = load();

    private Netlib() {
    }

    private static BLAS load() {
        Level before = LOGGER.getLevel();
        LOGGER.setLevel(Level.SEVERE);
        try {
            return BLAS.getInstance();
        } finally {
            LOGGER.setLevel(before);
        }
    }

    /** netlib's BLAS (the system's OpenBLAS when installed), found without the warnings of its search. */
    public static BLAS blas() {
        return BLAS_INSTANCE;
    }

    /**
     * Runs a call of {@link #blas()} on the BLAS's default thread count: the CPU backend runs small products on one
     * thread ({@code BlasThreads}), and a call made through here never runs at that count by accident.
     */
    public static void atDefaultThreads(Runnable call) {
        BlasThreads.atDefaultCount(call);
    }
}
