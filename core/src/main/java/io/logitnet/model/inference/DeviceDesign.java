package io.logitnet.model.inference;

import io.logitnet.backend.Activation;
import io.logitnet.backend.Backend;
import io.logitnet.backend.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The standardized design {@code D = [1 | (x - mean)/sd]} of a GLM fit, resident on a backend in chunks of rows, and
 * the products Newton's method needs, {@code Dᵀ·diag(w)·D}, {@code Dᵀ·R} and {@code D·B}, computed there with float32
 * operations to (nearly) double-precision accuracy.
 *
 * <p>How, in short (an Ozaki-style error-free splitting, composed from the {@link Backend} primitives):
 * <ul>
 *   <li>Every column of a chunk is cut into two slices of 7 bits aligned to the column's maximum exponent and a
 *       float32 tail ({@code d = t1 + t2 + q}, exactly). A product of two 7-bit slices has 14 bits, and a sum of
 *       1024 of them stays below 2^24, so the float32 GEMM of two slice matrices over one chunk is exact, in any
 *       summation order, on any device. Only the terms that involve a tail (at most 2^-15 of the maxima) are rounded.
 *   <li>The weighted operand {@code A = w·D} is formed on the device exactly as a float32 product plus its error
 *       (Dekker's two-product, with the weights and D split into 12-bit halves on the host), then sliced on the
 *       device with the add-a-large-constant trick ({@code fl(a + 1.5·2^k) - 1.5·2^k}, two {@code addRowVector}).
 *   <li>The exact per-chunk sums are added across chunks into a float-float accumulator on the device (Knuth's
 *       two-sum from {@code copy}/{@code axpy}); only the final {@code [p, p]} results come back to the host, where
 *       hi + lo + tail terms are added in double.
 * </ul>
 * Rounded terms are at most 2^-15 of each chunk's column maxima and accumulate in float32 over one chunk: with
 * logistic working weights the products come out within ~1e-12 of √(S_jj·S_kk) (S = Σ|w|·D²), one float32 GEMM
 * within ~1e-7; weights spread over many orders of magnitude within a chunk push more rows into the rounded tails
 * (3e-9 for a log-normal spread of 16 orders; see DeviceDesignTest). The only O(n·p) host work is the upload and,
 * two or three times per fit, a double-precision {@code D·β} that anchors the linear predictor (the others are
 * anchor + D·(β − anchor) on the device, where the difference is small). Per iteration only vectors of n values
 * move. Device memory: six float32 copies of the design. D is the standardized data rounded to float32, so results
 * are those of the data perturbed by float32 rounding (about 1e-8 relative on R's cars, whose data are exact).
 */
final class DeviceDesign implements Design {
    /** Bits of each exact slice. */
    static final int SLICE_BITS = 7;
    /** Rows whose slice products a float32 sum adds exactly: 1024 · 2^7 · 2^7 = 2^24. */
    static final int MAX_CHUNK_ROWS = 1 << (24 - 2 * SLICE_BITS);

    private final Backend b;
    private final float[] x;
    private final int rows;
    private final int p;
    private final int cols;
    private final double[] mean;
    private final double[] sd;
    private final List<Chunk> chunks = new ArrayList<>();
    private final Map<Integer, Work> work = new HashMap<>();
    private final Tensor ones;

    /** One chunk of rows: D, its 12-bit halves, its two 7-bit slices and tail, and each column's max |D|. */
    private record Chunk(int start, int rows, Tensor d, Tensor dHi, Tensor dLo, Tensor t1, Tensor t2, Tensor q,
                         double[] colMax) implements AutoCloseable {
        @Override
        public void close() {
            for (Tensor t : new Tensor[] {q, t2, t1, dLo, dHi, d}) {
                t.close();
            }
        }
    }

    /**
     * Uploads the design of {@code x} ({@code [rows, p]} row-major), standardized with the given column means and
     * deviations (a deviation of 1 for a constant column leaves it centered: all zero).
     */
    DeviceDesign(Backend backend, float[] x, int rows, int p, double[] mean, double[] sd, int chunkRows) {
        if (chunkRows < 1 || chunkRows > MAX_CHUNK_ROWS) {
            throw new IllegalArgumentException("chunk rows " + chunkRows + " not in [1, " + MAX_CHUNK_ROWS + "]");
        }
        this.b = backend;
        this.x = x;
        this.rows = rows;
        this.p = p;
        this.cols = p + 1;
        this.mean = mean;
        this.sd = sd;
        float[] one = new float[cols];
        java.util.Arrays.fill(one, 1f);
        this.ones = b.upload(one, 1, cols);
        try {
            // the host splitting of a group of chunks runs on every core; the uploads follow in order
            int group = 2 * Runtime.getRuntime().availableProcessors();
            for (int start = 0; start < rows; start += group * chunkRows) {
                int first = start;
                int count = (int) Math.min(group, ((long) rows - start + chunkRows - 1) / chunkRows);
                List<HostChunk> split = java.util.stream.IntStream.range(0, count).parallel()
                        .mapToObj(c -> split(first + c * chunkRows, Math.min(chunkRows, rows - first - c * chunkRows)))
                        .toList();
                for (HostChunk h : split) {
                    chunks.add(upload(h));
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    /** D[i, j] as the device holds it: 1 for j = 0, else the standardized feature rounded to float32. */
    float design(int i, int j) {
        return j == 0 ? 1f : (float) ((x[i * p + j - 1] - mean[j - 1]) / sd[j - 1]);
    }

    /** A chunk split on the host: D, its 12-bit halves, its two 7-bit slices and tail (row-major), column maxima. */
    private record HostChunk(int start, int rows, float[][] parts, double[] colMax) {
    }

    private HostChunk split(int start, int n) {
        int size = n * cols;
        float[] d = new float[size];
        double[] colMax = new double[cols];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < cols; j++) {
                float v = design(start + i, j);
                d[i * cols + j] = v;
                colMax[j] = Math.max(colMax[j], Math.abs(v));
            }
        }
        float[] dHi = new float[size];
        float[] dLo = new float[size];
        float[] t1 = new float[size];
        float[] t2 = new float[size];
        float[] q = new float[size];
        // per column, the slice units 2^(e-7), 2^(e-14) and their reciprocals (powers of two: multiplying is exact)
        double[] u1 = new double[cols];
        double[] u2 = new double[cols];
        double[] r1 = new double[cols];
        double[] r2 = new double[cols];
        for (int j = 0; j < cols; j++) {
            int e = exponentAbove(colMax[j]);
            u1[j] = Math.scalb(1.0, e - SLICE_BITS);
            u2[j] = Math.scalb(1.0, e - 2 * SLICE_BITS);
            r1[j] = Math.scalb(1.0, SLICE_BITS - e);
            r2[j] = Math.scalb(1.0, 2 * SLICE_BITS - e);
        }
        float[] s = new float[3];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < cols; j++) {
                int o = i * cols + j;
                float v = d[o];
                float h = high12(v);
                dHi[o] = h;
                dLo[o] = v - h;
                slice(v, u1[j], r1[j], u2[j], r2[j], s);
                t1[o] = s[0];
                t2[o] = s[1];
                q[o] = s[2];
            }
        }
        return new HostChunk(start, n, new float[][] {d, dHi, dLo, t1, t2, q}, colMax);
    }

    private Chunk upload(HostChunk h) {
        List<Tensor> made = new ArrayList<>();
        try {
            for (float[] a : h.parts()) {
                made.add(b.upload(a, h.rows(), cols));
            }
        } catch (RuntimeException ex) {
            made.forEach(Tensor::close);
            throw ex;
        }
        return new Chunk(h.start(), h.rows(), made.get(0), made.get(1), made.get(2), made.get(3), made.get(4),
                made.get(5), h.colMax());
    }

    // ---- exact splitting on the host ----

    /** The smallest e with |v| ≤ 2^e for every v up to max (0 for max = 0), kept where float32 constants are normal. */
    static int exponentAbove(double max) {
        if (!(max > 0)) {
            return 0;
        }
        return Math.max(-100, Math.getExponent(max) + 1);
    }

    /**
     * v rounded to 12 significant bits, to nearest even (on the float's bits: the significand's 12 low bits are
     * rounded away, a carry moves into the exponent); v - high12(v) then has at most 12 (Dekker's split, exact).
     * Equal to {@link #high12(double)} for every normal float; a subnormal is rounded at 2^-137, which still
     * leaves both parts with at most 12 bits.
     */
    static float high12(float v) {
        int bits = Float.floatToRawIntBits(v);
        int sign = bits & 0x80000000;
        int mag = bits & 0x7fffffff;
        return Float.intBitsToFloat(sign | ((mag + 0x7ff + ((mag >>> 12) & 1)) & 0x7ffff000));
    }

    /** v rounded to 12 significant bits; v - high12(v) then has at most 12 (Dekker's split, exact). */
    static float high12(double v) {
        if (v == 0) {
            return 0f;
        }
        double unit = Math.scalb(1.0, Math.getExponent(v) - 11);
        return (float) (Math.rint(v / unit) * unit);
    }

    /**
     * Splits v (|v| ≤ 2^e) into out = {s1, s2, tail}: s1 a multiple of 2^(e-7), s2 of 2^(e-14), both exact in
     * float32, and the tail v - s1 - s2 rounded to float32 (exact when v is a float).
     */
    static void slice(double v, int e, float[] out) {
        slice(v, Math.scalb(1.0, e - SLICE_BITS), Math.scalb(1.0, SLICE_BITS - e), Math.scalb(1.0, e - 2 * SLICE_BITS),
                Math.scalb(1.0, 2 * SLICE_BITS - e), out);
    }

    /** {@link #slice(double, int, float[])} with the units u1, u2 and their reciprocals (powers of two) given. */
    private static void slice(double v, double u1, double r1, double u2, double r2, float[] out) {
        double s1 = Math.rint(v * r1) * u1;
        double r = v - s1;
        double s2 = Math.rint(r * r2) * u2;
        out[0] = (float) s1;
        out[1] = (float) s2;
        out[2] = (float) (r - s2);
    }

    // ---- products ----

    /** η = D·β in double on the host, {@code beta: [m][cols]}, returns {@code [rows][m]}: the anchor. */
    @Override
    public double[][] etaOnHost(double[][] beta) {
        int m = beta.length;
        double[][] eta = new double[rows][m];
        double[] row = new double[cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                row[j] = design(i, j);
            }
            for (int k = 0; k < m; k++) {
                double s = 0;
                for (int j = 0; j < cols; j++) {
                    s += row[j] * beta[k][j];
                }
                eta[i][k] = s;
            }
        }
        return eta;
    }

    /**
     * D·δ on the device, {@code delta: [m][cols]} split into float32 high and low parts, returns {@code [rows][m]}.
     * Accurate to float32 round-off relative to Σ|D·δ|, so it is meant for small differences from an anchor.
     */
    @Override
    public double[][] etaDelta(double[][] delta) {
        int m = delta.length;
        float[] split = new float[cols * 2 * m];
        for (int j = 0; j < cols; j++) {
            for (int k = 0; k < m; k++) {
                float hi = (float) delta[k][j];
                split[j * 2 * m + 2 * k] = hi;
                split[j * 2 * m + 2 * k + 1] = (float) (delta[k][j] - hi);
            }
        }
        double[][] eta = new double[rows][m];
        try (Tensor dt = b.upload(split, cols, 2 * m)) {
            for (Chunk c : chunks) {
                float[] out = new float[c.rows * 2 * m];
                try (Tensor o = b.allocate(c.rows, 2 * m)) {
                    b.gemm(false, false, 1f, c.d, dt, 0f, o);
                    b.download(o, out, 0);
                }
                for (int i = 0; i < c.rows; i++) {
                    for (int k = 0; k < m; k++) {
                        eta[c.start + i][k] = (double) out[i * 2 * m + 2 * k] + out[i * 2 * m + 2 * k + 1];
                    }
                }
            }
        }
        return eta;
    }

    /** Dᵀ·R for {@code r: [rows][m]} (e.g. score residuals), returns {@code [cols][m]}. */
    @Override
    public double[][] crossprod(double[][] r) {
        int m = r[0].length;
        double[] colScale = new double[m];
        for (double[] ri : r) {
            for (int k = 0; k < m; k++) {
                colScale[k] = Math.max(colScale[k], Math.abs(ri[k]));
            }
        }
        float[] s = new float[3];
        double[][] out = accumulate(m, (c, w) -> {
            int n = c.rows;
            float[][] parts = new float[4][n * m];
            for (int k = 0; k < m; k++) {
                double max = 0;
                for (int i = 0; i < n; i++) {
                    max = Math.max(max, Math.abs(r[c.start + i][k]));
                }
                int e = exponentAbove(max);
                for (int i = 0; i < n; i++) {
                    double v = r[c.start + i][k];
                    slice(v, e, s);
                    parts[0][i * m + k] = s[0];
                    parts[1][i * m + k] = s[1];
                    parts[2][i * m + k] = s[2];
                    parts[3][i * m + k] = (float) (v - s[0]);
                }
            }
            Tensor[] t = w.aSide(m);
            for (int a = 0; a < 4; a++) {
                b.upload(parts[a], 0, t[a]);
            }
            return t;
        });
        return out;
    }

    /** Dᵀ·diag(w)·D, returns {@code [cols][cols]}, symmetrized. */
    @Override
    public double[][] gram(double[] weights) {
        // scale by a power of two so that |w| ≤ 1 (exact), and undo it at the end
        double wmax = 0;
        for (double v : weights) {
            wmax = Math.max(wmax, Math.abs(v));
        }
        int shift = exponentAbove(wmax);
        double[] w = new double[rows];
        for (int i = 0; i < rows; i++) {
            w[i] = Math.scalb(weights[i], -shift);
        }
        double[][] g = accumulate(cols, (c, ws) -> weightedSlices(c, ws, w));
        for (int i = 0; i < cols; i++) {
            for (int j = 0; j < i; j++) {
                double v = Math.scalb((g[i][j] + g[j][i]) / 2, shift);
                g[i][j] = v;
                g[j][i] = v;
            }
            g[i][i] = Math.scalb(g[i][i], shift);
        }
        return g;
    }

    /** The slices {s1, s2, tail, s2 + tail} of A = w·D for one chunk, made on the device. */
    private Tensor[] weightedSlices(Chunk c, Work ws, double[] w) {
        int n = c.rows;
        float[] wHi = new float[n];
        float[] w1 = new float[n];
        float[] w2 = new float[n];
        float[] wLo = new float[n];
        double maxHi = 0;
        for (int i = 0; i < n; i++) {
            double v = w[c.start + i];
            float h = (float) v;
            wHi[i] = h;
            wLo[i] = (float) (v - h);
            w1[i] = high12(h);
            w2[i] = h - w1[i];
            maxHi = Math.max(maxHi, Math.abs(h));
        }
        float[][] vectors = {wHi, w1, w2, wLo};
        for (int a = 0; a < 4; a++) {
            b.upload(vectors[a], 0, ws.wv[a]);
            b.gemm(false, false, 1f, ws.wv[a], ones, 0f, ws.wb[a]); // broadcast along the row: exact (w·1)
        }
        // Backend has no element-wise product; activationBackward(EXP) computes dz = dy·y, one rounded product.
        Tensor ph = ws.ph;
        Tensor e = ws.err;
        Tensor tmp = ws.tmp;
        b.activationBackward(Activation.EXP, ws.wb[0], c.d, ph);     // ph = fl(wHi·d)
        b.activationBackward(Activation.EXP, ws.wb[1], c.dHi, e);    // Dekker: the error wHi·d - ph, exactly
        b.axpy(-1f, ph, e);
        b.activationBackward(Activation.EXP, ws.wb[1], c.dLo, tmp);
        b.axpy(1f, tmp, e);
        b.activationBackward(Activation.EXP, ws.wb[2], c.dHi, tmp);
        b.axpy(1f, tmp, e);
        b.activationBackward(Activation.EXP, ws.wb[2], c.dLo, tmp);
        b.axpy(1f, tmp, e);
        b.activationBackward(Activation.EXP, ws.wb[3], c.d, tmp);    // + wLo·d, 2^-24 of the whole
        b.axpy(1f, tmp, e);
        // slice ph per column: fl(a + C) - C rounds a to a multiple of ulp(C), exactly
        float[][] magic = new float[4][cols];
        for (int j = 0; j < cols; j++) {
            int ex = exponentAbove(maxHi * c.colMax[j] * (1 + 0x1p-20));
            magic[0][j] = (float) Math.scalb(1.5, ex - SLICE_BITS + 23);
            magic[1][j] = -magic[0][j];
            magic[2][j] = (float) Math.scalb(1.5, ex - 2 * SLICE_BITS + 23);
            magic[3][j] = -magic[2][j];
        }
        for (int a = 0; a < 4; a++) {
            b.upload(magic[a], 0, ws.magic[a]);
        }
        Tensor[] s = ws.aSide(cols);
        b.copy(ph, s[0]);
        b.addRowVector(s[0], ws.magic[0]);
        b.addRowVector(s[0], ws.magic[1]);                           // s1
        b.copy(ph, s[3]);
        b.axpy(-1f, s[0], s[3]);                                     // ph - s1, exact
        b.copy(s[3], s[1]);
        b.addRowVector(s[1], ws.magic[2]);
        b.addRowVector(s[1], ws.magic[3]);                           // s2
        b.copy(s[3], s[2]);
        b.axpy(-1f, s[1], s[2]);                                     // tail = ph - s1 - s2, exact
        b.axpy(1f, e, s[2]);                                         // + the product's error (rounded)
        b.axpy(1f, e, s[3]);                                         // s2 + tail
        return s;
    }

    /** Makes one chunk's A-side slices {s1, s2, tail, s2 + tail}, each {@code [chunk rows, m]}. */
    private interface SliceSource {
        Tensor[] slices(Chunk c, Work w);
    }

    /**
     * Σ over chunks of Dᵀ·A with A = s1 + s2 + tail: the two exact groups (t1ᵀs1; t1ᵀs2 + t2ᵀs1) go into a
     * float-float accumulator, the rounded rest (t1ᵀtail + qᵀs1 + t2ᵀ(s2+tail) + qᵀ(s2+tail)) into a float one.
     */
    private double[][] accumulate(int m, SliceSource source) {
        List<Tensor> acc = new ArrayList<>();
        try {
            for (int i = 0; i < 7; i++) {
                acc.add(b.allocate(cols, m));
            }
            Tensor hi = acc.get(0);
            Tensor lo = acc.get(1);
            Tensor rest = acc.get(2);
            Tensor g = acc.get(3);
            for (Chunk c : chunks) {
                Work w = work.computeIfAbsent(c.rows, n -> new Work(n));
                Tensor[] a = source.slices(c, w);
                b.gemm(true, false, 1f, c.t1, a[0], 0f, g);
                twoSum(hi, lo, g, acc.get(4), acc.get(5), acc.get(6));
                b.gemm(true, false, 1f, c.t1, a[1], 0f, g);
                b.gemm(true, false, 1f, c.t2, a[0], 1f, g);
                twoSum(hi, lo, g, acc.get(4), acc.get(5), acc.get(6));
                b.gemm(true, false, 1f, c.t1, a[2], 1f, rest);
                b.gemm(true, false, 1f, c.q, a[0], 1f, rest);
                b.gemm(true, false, 1f, c.t2, a[3], 1f, rest);
                b.gemm(true, false, 1f, c.q, a[3], 1f, rest);
            }
            float[] h = hi.toArray();
            float[] l = lo.toArray();
            float[] r = rest.toArray();
            double[][] out = new double[cols][m];
            for (int i = 0; i < cols; i++) {
                for (int k = 0; k < m; k++) {
                    int o = i * m + k;
                    out[i][k] = (double) h[o] + l[o] + r[o];
                }
            }
            return out;
        } finally {
            acc.forEach(Tensor::close);
        }
    }

    /** (hi, lo) += g by Knuth's two-sum: hi + g is split into its rounded sum and the exact error, added to lo. */
    private void twoSum(Tensor hi, Tensor lo, Tensor g, Tensor s, Tensor t1, Tensor t2) {
        b.copy(hi, s);
        b.axpy(1f, g, s);       // s = hi + g
        b.copy(s, t1);
        b.axpy(-1f, g, t1);     // a' = s - g
        b.copy(s, t2);
        b.axpy(-1f, t1, t2);    // b' = s - a'
        b.axpy(-1f, hi, t1);    // -(hi - a')
        b.axpy(-1f, g, t2);     // -(g - b')
        b.axpy(1f, t2, t1);     // -error
        b.axpy(-1f, t1, lo);    // lo += error
        b.copy(s, hi);
    }

    /** Device buffers for chunks of one row count. */
    private final class Work implements AutoCloseable {
        final int n;
        final Tensor[] wv = new Tensor[4];
        final Tensor[] wb = new Tensor[4];
        final Tensor[] magic = new Tensor[4];
        final Tensor ph;
        final Tensor err;
        final Tensor tmp;
        private final Map<Integer, Tensor[]> aSide = new HashMap<>();
        private final List<Tensor> all = new ArrayList<>();

        Work(int n) {
            this.n = n;
            try {
                for (int a = 0; a < 4; a++) {
                    wv[a] = keep(b.allocate(n, 1));
                    wb[a] = keep(b.allocate(n, cols));
                    magic[a] = keep(b.allocate(1, cols));
                }
                ph = keep(b.allocate(n, cols));
                err = keep(b.allocate(n, cols));
                tmp = keep(b.allocate(n, cols));
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        private Tensor keep(Tensor t) {
            all.add(t);
            return t;
        }

        /** Four {@code [n, m]} buffers for the A-side slices. */
        Tensor[] aSide(int m) {
            return aSide.computeIfAbsent(m, k -> {
                Tensor[] t = new Tensor[4];
                for (int a = 0; a < 4; a++) {
                    t[a] = keep(b.allocate(n, k));
                }
                return t;
            });
        }

        @Override
        public void close() {
            for (int i = all.size() - 1; i >= 0; i--) {
                all.get(i).close();
            }
        }
    }

    @Override
    public void close() {
        work.values().forEach(Work::close);
        work.clear();
        for (int i = chunks.size() - 1; i >= 0; i--) {
            chunks.get(i).close();
        }
        chunks.clear();
        ones.close();
    }
}
