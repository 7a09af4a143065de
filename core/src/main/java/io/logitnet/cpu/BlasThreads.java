package io.logitnet.cpu;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

import java.util.Locale;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * How many threads the native BLAS uses for each matrix product: one for products too small to gain from more.
 *
 * <p>Why: OpenBLAS splits every product above a very small size across all its threads. For the small products of
 * a training step (anything with 10 output columns, or 128×128·128×128) waking and joining the threads costs more
 * than the work saved: on the 2-core build machine a 1024×256·256×10 product took 0.087 ms on one thread and 0.184 ms
 * on two, 128×256·256×10 0.012 against 0.035 ms.
 *
 * <p>What: with {@code -Dlogitnet.blasThreads=auto} (the default) and a BLAS that exports
 * {@code openblas_set_num_threads} (OpenBLAS, through netlib's JNI binding), a product of fewer than
 * {@link #SMALL} multiply-adds runs on one thread, and so does a narrow one ({@link #NARROW}), a larger one on the
 * BLAS's default count (set by the user with
 * {@code OPENBLAS_NUM_THREADS}, else every core); {@code -Dlogitnet.blasThreads=N} runs every product on N threads
 * (at most the default); {@code default} leaves the BLAS alone. The count is restored after each product, so other
 * users of the BLAS in the process see what they set.
 *
 * <p>Determinism: OpenBLAS does not give the same bits on one thread and on two (a 512³ product differs in the last
 * place), so the count is a function of the product's shape alone — never of timings, which would make the CPU
 * reference's results depend on the machine's load — and a product never runs at a count another thread set: products
 * on the default count share a lock that a product changing the count takes alone ({@code BlasThreadsTest} runs both
 * kinds from two threads at once and compares the bits with serial runs).
 */
final class BlasThreads {
    /** Multiply-adds below which a product runs on one thread (8.4 M: 128×256·256×256 was faster on one). */
    static final long SMALL = 1L << 23;
    /**
     * A product with a dimension below this (the 10 columns of an output layer) streams its larger operand once and
     * is bound by memory, not arithmetic: under {@link #NARROW_LARGE} multiply-adds it runs on one thread too
     * (1024×1024·1024×10: 0.41 ms on one thread, 0.66 ms on two on the 2-core build machine; 1024×4096·4096×10:
     * 2.33 against 2.81 ms).
     */
    static final int NARROW = 32;
    static final long NARROW_LARGE = 1L << 26;

    private static final String PROPERTY = "logitnet.blasThreads";
    private static volatile BlasThreads current;

    /** The policy: {@code auto}, a fixed count, or {@code default} (the BLAS's own). */
    enum Mode { AUTO, FIXED, DEFAULT }

    private final String value;
    private final Mode mode;
    private final int fixed;
    private final int defaultThreads;
    private final String note;

    /** Products on the default count hold it shared; a product on another count holds it alone. */
    private static final ReentrantReadWriteLock COUNT = new ReentrantReadWriteLock();

    private BlasThreads(String value, Mode mode, int fixed, int defaultThreads, String note) {
        this.value = value;
        this.mode = mode;
        this.fixed = fixed;
        this.defaultThreads = defaultThreads;
        this.note = note;
    }

    /** The process's policy, from {@code -Dlogitnet.blasThreads} (made again when the property changes). */
    static BlasThreads get() {
        String value = System.getProperty(PROPERTY, "auto");
        BlasThreads c = current;
        if (c == null || !c.value.equals(value)) {
            c = create(value);
            current = c;
        }
        return c;
    }

    /**
     * The policy for a property value; an invalid value fails here with a line naming it, so that no setting is
     * silently ignored.
     */
    static BlasThreads create(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        int wanted = -1;
        Mode mode;
        switch (v) {
            case "auto" -> mode = Mode.AUTO;
            case "default" -> mode = Mode.DEFAULT;
            default -> {
                try {
                    wanted = Integer.parseInt(v);
                } catch (NumberFormatException e) {
                    wanted = 0;
                }
                if (wanted < 1) {
                    throw new IllegalArgumentException("-D" + PROPERTY + "=" + value
                            + ": expected auto, default or a number of threads of at least 1");
                }
                mode = Mode.FIXED;
            }
        }
        if (mode == Mode.DEFAULT) {
            return new BlasThreads(value, mode, 0, 0, "the BLAS's own threads (-D" + PROPERTY + "=default)");
        }
        if (!OpenBlas.available()) {
            return new BlasThreads(value, Mode.DEFAULT, 0, 0, "the BLAS's own threads (" + OpenBlas.why() + ")");
        }
        int def = OpenBlas.threads();
        if (mode == Mode.FIXED) {
            int n = Math.min(wanted, def);
            return new BlasThreads(value, mode, n, def, n + " BLAS thread" + (n == 1 ? "" : "s")
                    + " for every product (-D" + PROPERTY + "=" + wanted + ")");
        }
        if (def == 1) {
            return new BlasThreads(value, Mode.DEFAULT, 0, def, "1 BLAS thread");
        }
        return new BlasThreads(value, mode, 0, def, "1 BLAS thread for products under "
                + (SMALL >> 20) + " M multiply-adds, or under " + (NARROW_LARGE >> 20) + " M with a dimension under "
                + NARROW + ", else " + def);
    }

    /** The policy in words, for the device's details. */
    String describe() {
        return note;
    }

    Mode mode() {
        return mode;
    }

    /** The threads a product of m×k·k×n runs on (0: the BLAS's own count, untouched). */
    int threadsFor(int m, int n, int k) {
        return switch (mode) {
            case DEFAULT -> 0;
            case FIXED -> fixed;
            case AUTO -> {
                long macs = (long) m * n * k;
                boolean narrow = Math.min(m, Math.min(n, k)) < NARROW && macs < NARROW_LARGE;
                yield macs < SMALL || narrow ? 1 : defaultThreads;
            }
        };
    }

    /**
     * Runs a BLAS call on the BLAS's default count, never at a count another thread set for a small product (for
     * callers that split work across their own threads, such as GLM inference's chunks).
     */
    static void atDefaultCount(Runnable call) {
        COUNT.readLock().lock();
        try {
            call.run();
        } finally {
            COUNT.readLock().unlock();
        }
    }

    /** Runs one product (a call of the BLAS) of m×k·k×n on the threads the policy chooses. */
    void run(int m, int n, int k, Runnable product) {
        int threads = threadsFor(m, n, k);
        if (threads == 0) {
            product.run();
            return;
        }
        if (threads == defaultThreads) {
            atDefaultCount(product);
            return;
        }
        COUNT.writeLock().lock();
        try {
            OpenBlas.setThreads(threads);
            try {
                product.run();
            } finally {
                OpenBlas.setThreads(defaultThreads);
            }
        } finally {
            COUNT.writeLock().unlock();
        }
    }

    /** OpenBLAS's thread functions, bound through JNA in the library netlib loaded (none: {@link #why()}). */
    static final class OpenBlas {
        private static final String WHY;

        static {
            String why = null;
            try {
                Netlib.blas(); // netlib loads the system BLAS first; JNA then binds to the same library
                String lib = System.getProperty("dev.ludovic.netlib.blas.nativeLib", "libblas.so.3");
                Native.register(OpenBlas.class, NativeLibrary.getInstance(lib));
                openblas_get_num_threads();
            } catch (LinkageError | RuntimeException e) { // no such symbol, or JNA itself cannot load here
                why = "no openblas_set_num_threads in the system BLAS: " + String.valueOf(e.getMessage()).lines()
                        .findFirst().orElse(e.getClass().getSimpleName());
            }
            WHY = why;
        }

        private OpenBlas() {
        }

        static boolean available() {
            return WHY == null;
        }

        static String why() {
            return WHY;
        }

        static int threads() {
            return openblas_get_num_threads();
        }

        static void setThreads(int n) {
            openblas_set_num_threads(n);
        }

        private static native void openblas_set_num_threads(int n);

        private static native int openblas_get_num_threads();
    }
}
