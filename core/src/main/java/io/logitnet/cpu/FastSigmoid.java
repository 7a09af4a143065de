package io.logitnet.cpu;

/**
 * The CPU backend's sigmoid, several times faster than {@code 1/(1+Math.exp(-z))} element by element and with the
 * same result: the correctly rounded float of σ(z).
 *
 * <p>Why it exists: the scalar {@code Math.exp} of the reference formula took a fifth of a training step at small
 * widths, and Java 17's JIT vectorizes no loop that calls it. The loops here use only what it does vectorize —
 * double arithmetic, {@code Math.abs}, {@code min}/{@code max} — each loop kept short, because a long body with
 * mixed operations is compiled element by element. So e^t for t = -|z| in [-120, 0] is computed without any bit
 * manipulation: t/128 is in [-0.94, 0], where a degree-15 Taylor polynomial about -0.47 is accurate to double
 * precision, and seven squarings give e^t = (e^(t/128))^128; the squarings amplify the polynomial's round-off 128
 * times, to a relative error below {@link #EXP_ERROR}. Then σ = 1/(1+e^-|z|) or e^-|z|/(1+e^-|z|), chosen by the
 * sign of z with arithmetic rather than a branch.
 *
 * <p>Correct rounding: the double value s has a relative error below {@link #GUARD}. When s(1-GUARD) and
 * s(1+GUARD) round to the same float, the exact σ(z), which lies between them, rounds to it too: that float is the
 * answer. Otherwise (about one element in 10⁴) the element is recomputed with the reference formula
 * {@link CpuBackend#sigmoid}. NaN stays NaN, ±Inf give 1 and 0. Tested over a dense sample of all floats
 * ({@code FastSigmoidTest}) and by {@code CpuCorrectRoundingTest}.
 */
final class FastSigmoid {
    /** Elements per pass: the scratch arrays stay in the first-level cache. */
    static final int CHUNK = 1024;
    /** A bound on the relative error of {@link #expOfNonPositive} (the worst case of the analysis is 1.3e-12). */
    static final double EXP_ERROR = 1.5e-12;
    /** A bound on the relative error of the double sigmoid before it is rounded to float. */
    static final double GUARD = 2e-12;

    private static final ThreadLocal<double[][]> SCRATCH = ThreadLocal.withInitial(() -> new double[2][CHUNK]);

    private FastSigmoid() {
    }

    /**
     * y[yo + i] = σ(z[zo + i] + bias[bo + i]) for i in [0, n), the sum rounded to float first as the bias add of
     * the reference does; bias null for none.
     */
    static void apply(float[] z, int zo, float[] bias, int bo, float[] y, int yo, int n) {
        double[][] s = SCRATCH.get();
        double[] t = s[0];
        double[] e = s[1];
        for (int done = 0; done < n; done += CHUNK) {
            int m = Math.min(CHUNK, n - done);
            int zi = zo + done;
            if (bias == null) {
                for (int i = 0; i < m; i++) {
                    t[i] = z[zi + i];
                }
            } else {
                int bi = bo + done;
                for (int i = 0; i < m; i++) {
                    t[i] = z[zi + i] + bias[bi + i]; // float + float, rounded to float: the reference's bias add
                }
            }
            for (int i = 0; i < m; i++) {
                e[i] = -Math.abs(t[i]);
            }
            expOfNonPositive(e, e, m);
            sigmoidFromExp(t, e, m);
            int yi = yo + done;
            for (int i = 0; i < m; i++) {
                double v = t[i];
                float f = (float) v;
                if ((float) (v * (1 - GUARD)) != (float) (v * (1 + GUARD))) { // near a rounding boundary, or NaN
                    f = (float) CpuBackend.sigmoid(bias == null ? z[zi + i] : z[zi + i] + bias[bo + done + i]);
                }
                y[yi + i] = f;
            }
        }
    }

    /**
     * out[i] = e^x[i] for x[i] ≤ 0 (x may be out), with a relative error below {@link #EXP_ERROR}; x below -120
     * gives e^-120 (about 8e-53, far below the smallest float) and NaN gives NaN.
     */
    static void expOfNonPositive(double[] x, double[] out, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = Math.max(x[i], -120.0) * 0x1p-7 + 0.47; // r = x/128 + 0.47, in [-0.47, 0.47]
        }
        for (int i = 0; i < n; i++) {
            double r = out[i];
            double q = 1.0 / 1307674368000.0; // 1/15!, then Horner down to 1/0!: e^r
            q = q * r + 1.0 / 87178291200.0;
            q = q * r + 1.0 / 6227020800.0;
            q = q * r + 1.0 / 479001600.0;
            q = q * r + 1.0 / 39916800.0;
            q = q * r + 1.0 / 3628800.0;
            q = q * r + 1.0 / 362880.0;
            q = q * r + 1.0 / 40320.0;
            q = q * r + 1.0 / 5040.0;
            q = q * r + 1.0 / 720.0;
            q = q * r + 1.0 / 120.0;
            q = q * r + 1.0 / 24.0;
            q = q * r + 1.0 / 6.0;
            q = q * r + 0.5;
            q = q * r + 1.0;
            q = q * r + 1.0;
            out[i] = q * 0.6250022682827008; // e^-0.47: e^(x/128)
        }
        for (int i = 0; i < n; i++) {
            double v = out[i];
            v = v * v;
            v = v * v;
            v = v * v;
            v = v * v;
            v = v * v;
            v = v * v;
            out[i] = v * v; // (e^(x/128))^128
        }
    }

    /** t[i] = σ(t[i]) from e[i] = e^-|t[i]|: 1/(1+e) for t ≥ 0, e/(1+e) below, selected by arithmetic. */
    private static void sigmoidFromExp(double[] t, double[] e, int n) {
        for (int i = 0; i < n; i++) {
            double a = 1.0 / (1.0 + e[i]);
            double w = Math.min(Math.max(t[i] * 0x1p1000, 0.0), 1.0); // 1 for t > 0, 0 for t ≤ 0, NaN for NaN
            t[i] = w * a + (1.0 - w) * (e[i] * a);
        }
    }
}
