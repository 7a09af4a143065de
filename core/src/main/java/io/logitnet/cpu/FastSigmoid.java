package io.logitnet.cpu;

/**
 * The CPU backend's sigmoid and its gradient, in float arithmetic that Java's JIT vectorizes, within 1 ulp of the
 * correctly rounded float of the formulas they implement ({@link CpuBackend#sigmoid}, and dy·y·(1−y)).
 *
 * <p>Why it exists: the scalar {@code Math.exp} of the reference formula took a fifth of a training step at small
 * widths, and Java 17's JIT vectorizes neither {@code Math.exp} nor any loop that converts between float and double
 * or between a float and its bits (so not the usual 2^k built from bits either). The loops here use only float
 * {@code +}, {@code *}, {@code /}, {@code Math.fma}, {@code abs}, {@code min} and {@code max}, each loop short, because
 * the JIT vectorizes only loops small enough to unroll.
 *
 * <p>The sigmoid, for t = −|x| in [−104, 0] (below −104 σ rounds to 0 anyway):
 * <ol>
 *   <li>k = round(t/ln 2) by adding and subtracting 1.5·2²³; r = t − k·ln 2 with ln 2 in two floats, the first
 *       product exact inside an fma, so that r + r<sub>lo</sub> carries t − k·ln 2 to about 2⁻⁴⁸;</li>
 *   <li>e^r = 1 + r + r²·q(r), q the Taylor polynomial of (e^r − 1 − r)/r² to degree 6 (truncation below 2⁻³¹ for
 *       |r| ≤ 0.35), r² split exactly with an fma, and 1 + r + tail kept as two floats p + p<sub>lo</sub>;</li>
 *   <li>2^k without bits: k = 2h + b with h = ⌊k/2⌋ in [−75, 0]; (1 + u + u²/2)<sup>512</sup> with u = h·ln 2/512 is
 *       within 10% of 2^h (nine squarings), and rounding it to one significant bit (Veltkamp's split with
 *       2²³ + 1) gives 2^h exactly; e = p·2^(h+b)·2^h, the second product the only one that may round (into the
 *       subnormals, once);</li>
 *   <li>σ(x) = 1/(1+e) for x ≥ 0 and e/(1+e) below, chosen by arithmetic, with 1 + e as two floats and the
 *       quotient corrected by its remainder (an fma): one final rounding of a value accurate to about 2⁻²⁶.</li>
 * </ol>
 * So the result is within about 0.75 ulp of σ(x) (a subnormal one is rounded twice): the correctly rounded float
 * or, when σ(x) lies near a rounding boundary, its neighbour (for 0.02% of a dense sample of all floats, 0.4% of
 * uniform inputs in [−8, 8]). NaN gives NaN, ±Inf give 1 and 0. Tested against the double formula on a dense
 * sample of all floats and on every float of three intervals ({@code FastSigmoidTest}): never more than 1 ulp off.
 *
 * <p>The gradient dy·y·(1−y): 1 − y as two floats (Knuth's two-sum), y·(1−y) as two floats (an fma gives the
 * product's rounding error), and dy times that, rounded once by an fma: the correctly rounded float except within
 * about 2⁻⁴⁷ of a rounding boundary. A chunk whose inputs or results are not all finite is recomputed by the double
 * formula, so NaN and ±Inf come out as the formula gives them.
 */
final class FastSigmoid {
    /** Elements per pass: the scratch arrays stay in the first-level cache. */
    static final int CHUNK = 1024;

    /** Adding and subtracting it rounds a float of magnitude below 2²² to an integer. */
    private static final float ROUND = 0x1.8p23f;
    private static final float LOG2_E = 1.44269504f;
    /** ln 2 = LN2_HI + LN2_LO to about 2⁻⁵⁰. */
    private static final float LN2_HI = 0x1.62e43p-1f;
    private static final float LN2_LO = (float) (Math.log(2) - 0x1.62e43p-1);
    /** Veltkamp's splitter for float: x·(2²³+1) − (x·(2²³+1) − x) is x rounded to one significant bit. */
    private static final float SPLIT_ONE_BIT = 8388609f;

    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[5][CHUNK]);

    private FastSigmoid() {
    }

    // Every loop indexes its arrays from 0: Java 17's JIT vectorizes no loop whose arrays are indexed from different
    // offsets (x[xo + i] beside k[i] runs element by element, 10 times slower), so chunks are copied in and out.

    /**
     * y[yo + i] = σ(z[zo + i] + bias[i mod cols]) for i in [0, n): n elements of rows of {@code cols} columns from the
     * start of a row, the sum rounded to float first as the bias add of the reference does; bias null for none (then
     * cols is not used). y may be z. Chunks run across rows, so that narrow rows cost no more than wide ones.
     */
    static void apply(float[] z, int zo, float[] bias, int cols, float[] y, int yo, int n) {
        float[][] s = SCRATCH.get();
        float[] x = s[3];
        for (int done = 0; done < n; done += CHUNK) {
            int m = Math.min(CHUNK, n - done);
            System.arraycopy(z, zo + done, x, 0, m);
            if (bias != null) {
                float[] b = s[4];
                for (int filled = 0, col = done % cols; filled < m; col = 0) {
                    int len = Math.min(cols - col, m - filled);
                    System.arraycopy(bias, col, b, filled, len);
                    filled += len;
                }
                reduceWithBias(x, b, s[0], s[1], s[2], m);
            } else {
                reduce(x, s[0], s[1], s[2], m);
            }
            expOfReduced(s[1], s[2], m);
            scaleByPowerOfTwo(s[0], s[1], s[2], m);
            quotient(x, s[1], s[2], m);
            System.arraycopy(x, 0, y, yo + done, m);
        }
    }

    /** {@link #reduce} of x + b, the sum stored in x. */
    private static void reduceWithBias(float[] x, float[] b, float[] k, float[] r, float[] rl, int m) {
        for (int i = 0; i < m; i++) {
            float xi = x[i] + b[i];
            x[i] = xi;
            float t = Math.max(-Math.abs(xi), -104f);
            float kf = Math.fma(t, LOG2_E, ROUND) - ROUND;
            float rh = Math.fma(kf, -LN2_HI, t);
            float ri = Math.fma(kf, -LN2_LO, rh);
            k[i] = kf;
            r[i] = ri;
            rl[i] = Math.fma(kf, -LN2_LO, rh - ri);
        }
    }

    /** k[i] = round(t/ln 2), r[i] + rl[i] = t − k·ln 2 for t = −|x| clamped to [−104, 0] (NaN stays NaN). */
    private static void reduce(float[] x, float[] k, float[] r, float[] rl, int m) {
        for (int i = 0; i < m; i++) {
            float t = Math.max(-Math.abs(x[i]), -104f);
            float kf = Math.fma(t, LOG2_E, ROUND) - ROUND;
            float rh = Math.fma(kf, -LN2_HI, t); // exact: t − k·LN2_HI has at most 24 significant bits
            float ri = Math.fma(kf, -LN2_LO, rh);
            k[i] = kf;
            r[i] = ri;
            rl[i] = Math.fma(kf, -LN2_LO, rh - ri);
        }
    }

    /** In place: (r, rl) becomes (p, pl) with p + pl = e^(r + rl), |r| ≤ 0.35, to about 2⁻²⁷. */
    private static void expOfReduced(float[] r, float[] rl, int m) {
        for (int i = 0; i < m; i++) {
            float ri = r[i];
            float lo = rl[i];
            float q = Math.fma(1f / 40320, ri, 1f / 5040); // (e^r − 1 − r)/r² = 1/2 + r/6 + ... + r⁶/8!
            q = Math.fma(q, ri, 1f / 720);
            q = Math.fma(q, ri, 1f / 120);
            q = Math.fma(q, ri, 1f / 24);
            q = Math.fma(q, ri, 1f / 6);
            q = Math.fma(q, ri, 0.5f);
            float rr = ri * ri;
            float rrLo = Math.fma(ri, ri, -rr);
            float tail = Math.fma(rr, q, Math.fma(lo, ri, Math.fma(rrLo, q, lo))); // r²q + rl·(1 + r)
            float sh = ri + tail;
            float sl = (ri - sh) + tail; // exact: |tail| < |r|
            float p = 1f + sh;
            r[i] = p;
            rl[i] = ((1f - p) + sh) + sl; // exact: |sh| < 1
        }
    }

    /** In place: (p, pl) becomes (e, el) = (p, pl)·2^k, for integers k in [−150, 0]. */
    private static void scaleByPowerOfTwo(float[] k, float[] p, float[] pl, int m) {
        for (int i = 0; i < m; i++) {
            float kf = k[i];
            float h = (Math.fma(kf, 0.5f, -0.25f) + ROUND) - ROUND; // ⌊k/2⌋, in [−75, 0]
            float b = Math.fma(h, -2f, kf); // 0 or 1
            float u = h * (0.6931472f / 512);
            float g = Math.fma(u, Math.fma(u, 0.5f, 1f), 1f); // e^u to O(u³)
            g *= g; // nine squarings: (e^u)^512 ≈ 2^h, within 10% for h ≥ −75
            g *= g;
            g *= g;
            g *= g;
            g *= g;
            g *= g;
            g *= g;
            g *= g;
            g *= g;
            float c = g * SPLIT_ONE_BIT;
            float pow = c - (c - g); // g rounded to one significant bit: exactly 2^h
            float pow2 = Math.fma(b, pow, pow); // 2^(h+b), exact
            p[i] = p[i] * pow2 * pow; // the first product is exact (normal), the second rounds at most once
            pl[i] = pl[i] * pow2 * pow;
        }
    }

    /**
     * In place: x = 1/(1+e) where x ≥ 0, e/(1+e) where x < 0, from e + el = e^−|x|: one rounding of a corrected
     * quotient.
     */
    private static void quotient(float[] x, float[] e, float[] el, int m) {
        for (int i = 0; i < m; i++) {
            float xi = x[i];
            float eh = e[i];
            float lo = el[i];
            float dh = 1f + eh;
            float dl = ((1f - dh) + eh) + lo; // 1 + e + el as dh + dl: exact as |e| ≤ 1
            float w = Math.min(Math.max(xi * 0x1p127f * 0x1p127f, 0f), 1f); // 1 for x > 0, 0 for x ≤ 0
            float nh = Math.fma(w, 1f - eh, eh); // w ? 1 : e, exact
            float nl = (1f - w) * lo;
            float rc = 1f / dh;
            float q = nh * rc;
            float rem = Math.fma(-q, dh, nh) + Math.fma(-q, dl, nl); // (n − q·d), its first part exact
            x[i] = Math.fma(rem, rc, q);
        }
    }

    /** dz[o + i] = dy[o + i]·y[o + i]·(1 − y[o + i]) for i in [0, n), as {@link #gradient}; dz may be dy or y. */
    static void backward(float[] y, float[] dy, float[] dz, int o, int n) {
        float[] g = SCRATCH.get()[2];
        for (int done = 0; done < n; done += CHUNK) {
            int m = Math.min(CHUNK, n - done);
            gradient(y, dy, o + done, g, m);
            System.arraycopy(g, 0, dz, o + done, m);
        }
    }

    /**
     * g[i] = dy[o + i]·y[o + i]·(1 − y[o + i]) for i in [0, m), m ≤ {@link #CHUNK}; g must not be one of this
     * class's scratch arrays. A chunk with a NaN or an infinity among its results (from any input) is recomputed
     * with the double formula.
     */
    static void gradient(float[] y, float[] dy, int o, float[] g, int m) {
        float[][] s = SCRATCH.get();
        System.arraycopy(y, o, s[0], 0, m);
        System.arraycopy(dy, o, s[1], 0, m);
        if (!gradientIsFinite(s[0], s[1], g, m)) {
            for (int i = 0; i < m; i++) {
                double yi = y[o + i];
                g[i] = (float) (dy[o + i] * (yi * (1.0 - yi)));
            }
        }
    }

    /** g[i] = dy·y·(1−y) in float arithmetic, and whether every one is finite. */
    private static boolean gradientIsFinite(float[] y, float[] dy, float[] g, int m) {
        float nonFinite = 0f;
        for (int i = 0; i < m; i++) {
            float yi = y[i];
            float d = dy[i];
            float u = 1f - yi;
            float t = yi * u;
            float v = u - 1f; // two-sum of 1 and −y: 1 − y = u + ul exactly
            float ul = (1f - (u - v)) + (-yi - v);
            float tl = Math.fma(yi, u, -t) + yi * ul; // y(1−y) = t + tl to about 2⁻⁴⁸
            float gi = Math.fma(d, t, d * tl);
            g[i] = gi;
            nonFinite += gi * 0f; // NaN once any result is NaN or infinite
        }
        return nonFinite == 0f;
    }
}
