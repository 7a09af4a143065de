package io.logitnet.cpu;

import io.logitnet.backend.Activation;
import io.logitnet.backend.Loss;
import io.logitnet.backend.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CPU backend is the reference, so its element-wise results are not merely close: each is the correctly rounded
 * float of the double-precision formula. Checked over 10⁵ random and extreme inputs for every activation (forward
 * and backward) and every loss (row loss and gradient) against formulas written again here, independently of the
 * backend (other algebraic forms, {@link StrictMath} instead of {@link Math}), in double and rounded once to float.
 *
 * <p>A double formula is itself off by a few double ulps of the terms it adds; so a result passes when it is the
 * float nearest to some value within {@code 16·2⁻⁵³·scale} of the reference, where {@code scale} is the sum of the
 * magnitudes of those terms (the result itself where nothing cancels). That is 2⁻²⁹ of a float ulp: a formula
 * evaluated in float (off by up to a float ulp or two on a third of the inputs) fails. NaN must give NaN; +0 and -0
 * count as equal.
 *
 * <p>The exception is the sigmoid, forward and backward: its vectorized float implementation ({@link FastSigmoid})
 * promises what issue 14 asks, within 1 ulp of the correctly rounded float; here it may be the float next to it for
 * at most 1% of the inputs (about 0.4% of moderate inputs are, forward; the gradient nearly never).
 */
class CpuCorrectRoundingTest {
    private static final int N = 100_000;
    /** Double-rounding allowance of the reference formulas, in double ulps of their terms. */
    private static final double K = 16 * 0x1p-53;

    private static CpuBackend cpu;

    @BeforeAll
    static void open() {
        cpu = new CpuBackend();
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    // ---- inputs ----

    /** Finite values where the formulas change regime: zeros, subnormals, saturation and overflow points. */
    private static final float[] EXTREMES = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL,
        -Float.MIN_NORMAL, 1e-30f, -1e-30f, 1e-8f, -1e-8f, 1f, -1f, 9.01f, -9.01f, 16.635532f, -16.635532f, 30f, -30f,
        88.72283f, -88.72283f, 88.7229f, 89f, -89f, 90f, -90f, 103.97208f, -103.97208f, 104f, -104f, 1e4f, -1e4f,
        1e30f, -1e30f, Float.MAX_VALUE, -Float.MAX_VALUE};

    /** N finite logits: the extremes, then uniform on [-30, 30], log-uniform on 1e-10..1e5, and any float. */
    private static float[] logits(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] z = new float[N];
        System.arraycopy(EXTREMES, 0, z, 0, EXTREMES.length);
        for (int i = EXTREMES.length; i < N; i++) {
            z[i] = switch (i % 4) {
                case 0 -> (float) r.nextDouble(-30, 30);
                case 1 -> (float) ((r.nextBoolean() ? 1 : -1) * Math.pow(10, r.nextDouble(-10, 5)));
                case 2 -> anyFiniteFloat(r);
                default -> (float) r.nextDouble(-2, 2);
            };
        }
        return z;
    }

    private static float anyFiniteFloat(SplittableRandom r) {
        while (true) {
            float v = Float.intBitsToFloat(r.nextInt());
            if (Float.isFinite(v)) {
                return v;
            }
        }
    }

    // ---- the independent double formulas ----

    private static double activation(Activation f, double z) {
        return switch (f) {
            case IDENTITY -> z;
            // the quotient of the two exponentials that cannot overflow on each side
            case SIGMOID -> z >= 0 ? 1 / (1 + StrictMath.exp(-z)) : StrictMath.exp(z) / (1 + StrictMath.exp(z));
            case TANH -> {
                double t = StrictMath.expm1(-2 * Math.abs(z)); // tanh|z| = -t/(2+t), exact to a few ulps
                yield Double.isNaN(z) ? z : Math.copySign(-t / (2 + t), z);
            }
            case RELU -> Double.isNaN(z) ? z : z > 0 ? z : 0.0;
            case EXP -> StrictMath.exp(z);
        };
    }

    /** dz = dy·f'(z) through y = f(z). */
    private static double activationGrad(Activation f, double y, double dy) {
        return switch (f) {
            case IDENTITY -> dy;
            case SIGMOID -> dy * y * (1 - y);
            case TANH -> dy * (1 - y) * (1 + y);
            case RELU -> Double.isNaN(y) ? y : y > 0 ? dy : 0.0;
            case EXP -> dy * y;
        };
    }

    private static double softplus(double x) {
        return x > 0 ? x + StrictMath.log1p(StrictMath.exp(-x)) : StrictMath.log1p(StrictMath.exp(x));
    }

    // ---- activations ----

    @ParameterizedTest
    @EnumSource(Activation.class)
    void activationForwardIsTheCorrectlyRoundedDoubleFormula(Activation f) {
        float[] z = logits(f.ordinal());
        z[N - 1] = Float.NaN;
        z[N - 2] = Float.POSITIVE_INFINITY;
        z[N - 3] = Float.NEGATIVE_INFINITY;
        float[] y = forward(f, z);
        Mismatches m = new Mismatches(f + " forward", f == Activation.SIGMOID);
        for (int i = 0; i < N; i++) {
            double ref = activation(f, z[i]);
            m.check(i, y[i], ref, Math.abs(ref), "z=" + z[i]);
        }
        m.assertNone();
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void activationBackwardIsTheCorrectlyRoundedDoubleFormula(Activation f) {
        // y: the activation's own outputs (its range, saturated ends included); dy: any finite gradient
        float[] y = forward(f, logits(100 + f.ordinal()));
        float[] dy = logits(200 + f.ordinal());
        if (f != Activation.RELU) { // ReLU's NaN semantics are being settled separately
            y[N - 1] = Float.NaN;
        }
        dy[N - 2] = Float.NaN;
        y[N - 2] = 0.5f;
        float[] dz;
        try (Tensor ty = cpu.upload(y, 1, N); Tensor tdy = cpu.upload(dy, 1, N); Tensor tdz = cpu.allocate(1, N)) {
            cpu.activationBackward(f, ty, tdy, tdz);
            dz = tdz.toArray();
        }
        Mismatches m = new Mismatches(f + " backward", f == Activation.SIGMOID);
        for (int i = 0; i < N; i++) {
            double ref = activationGrad(f, y[i], dy[i]);
            m.check(i, dz[i], ref, Math.abs(ref), "y=" + y[i] + ", dy=" + dy[i]);
        }
        m.assertNone();
    }

    private static float[] forward(Activation f, float[] z) {
        try (Tensor tz = cpu.upload(z, 1, z.length); Tensor ty = cpu.allocate(1, z.length)) {
            cpu.activationForward(f, tz, ty);
            return ty.toArray();
        }
    }

    // ---- losses ----

    static Stream<Arguments> losses() {
        List<Arguments> out = new ArrayList<>();
        for (Loss loss : Loss.values()) {
            for (int cols : loss == Loss.SOFTMAX_CROSS_ENTROPY ? new int[] {2, 3, 10} : new int[] {1, 3}) {
                for (float gradScale : new float[] {1f, 1f / 7}) {
                    out.add(Arguments.of(loss, cols, gradScale));
                }
            }
        }
        return out.stream();
    }

    /** Targets each loss accepts: probabilities (hard and soft labels), any values, counts, class indices. */
    private static float[] targets(Loss loss, int rows, int cols, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = loss == Loss.SOFTMAX_CROSS_ENTROPY ? rows : rows * cols;
        float[] t = new float[n];
        for (int i = 0; i < n; i++) {
            t[i] = switch (loss) {
                case SIGMOID_BINARY_CROSS_ENTROPY -> i % 3 == 0 ? (float) r.nextDouble() : r.nextInt(2);
                case SQUARED_ERROR -> i % 5 == 0 ? anyFiniteFloat(r) : (float) r.nextDouble(-50, 50);
                case POISSON -> i % 4 == 0 ? (float) r.nextDouble(0, 1e6) : r.nextInt(20);
                case SOFTMAX_CROSS_ENTROPY -> r.nextInt(cols);
            };
        }
        return t;
    }

    @ParameterizedTest(name = "{0}, {1} columns, gradScale {2}")
    @MethodSource("losses")
    void lossRowsAndGradientsAreTheCorrectlyRoundedDoubleFormula(Loss loss, int cols, float gradScale) {
        int rows = N / cols;
        float[] z = java.util.Arrays.copyOf(logits(300 + loss.ordinal() * 10L + cols), rows * cols);
        if (loss == Loss.SOFTMAX_CROSS_ENTROPY) {
            for (int j = 0; j < cols; j++) { // a row of equal values and a row of equal huge values
                z[j] = 3f;
                z[cols + j] = 1e30f;
            }
        }
        float[] t = targets(loss, rows, cols, 400 + loss.ordinal() * 10L + cols);
        float[] rowLoss;
        float[] grad;
        try (Tensor tz = cpu.upload(z, rows, cols);
             Tensor tt = cpu.upload(t, rows, loss == Loss.SOFTMAX_CROSS_ENTROPY ? 1 : cols);
             Tensor tg = cpu.allocate(rows, cols); Tensor tl = cpu.allocate(rows, 1)) {
            cpu.lossForwardBackward(loss, tz, tt, tg, tl, gradScale);
            rowLoss = tl.toArray();
            grad = tg.toArray();
        }
        Mismatches lossM = new Mismatches(loss + " row loss");
        Mismatches gradM = new Mismatches(loss + " gradient");
        double[] g = new double[cols];
        double[] gScale = new double[cols];
        for (int i = 0; i < rows; i++) {
            double[] ls = loss == Loss.SOFTMAX_CROSS_ENTROPY
                    ? softmaxRow(z, i * cols, cols, (int) t[i], gradScale, g, gScale)
                    : elementRow(loss, z, t, i * cols, cols, gradScale, g, gScale);
            String where = "row " + i + " z=" + java.util.Arrays.toString(java.util.Arrays.copyOfRange(z, i * cols,
                    (i + 1) * cols)) + " t=" + (loss == Loss.SOFTMAX_CROSS_ENTROPY ? t[i]
                    : java.util.Arrays.toString(java.util.Arrays.copyOfRange(t, i * cols, (i + 1) * cols)));
            lossM.check(i, rowLoss[i], ls[0], ls[1], where);
            for (int j = 0; j < cols; j++) {
                gradM.check(i * cols + j, grad[i * cols + j], g[j], gScale[j], where + " column " + j);
            }
        }
        lossM.assertNone();
        gradM.assertNone();
    }

    /**
     * An element-wise loss row: returns {loss, scale of its terms}; fills g with gradScale·(f(z) - t) and gScale
     * with that gradient's scale.
     */
    private static double[] elementRow(Loss loss, float[] z, float[] t, int o, int cols, float gradScale, double[] g,
                                       double[] gScale) {
        double sum = 0;
        double scale = 0;
        for (int j = 0; j < cols; j++) {
            double zj = z[o + j];
            double tj = t[o + j];
            double value;
            double valueScale;
            double out;
            switch (loss) {
                case SIGMOID_BINARY_CROSS_ENTROPY -> {
                    // -t·log σ(z) - (1-t)·log(1-σ(z)): two non-negative terms, nothing cancels
                    value = tj * softplus(-zj) + (1 - tj) * softplus(zj);
                    valueScale = Math.abs(value);
                    out = activation(Activation.SIGMOID, zj);
                }
                case SQUARED_ERROR -> {
                    double d = zj - tj;
                    value = d * d / 2;
                    valueScale = Math.abs(value);
                    out = zj;
                }
                case POISSON -> {
                    out = StrictMath.exp(zj);
                    value = out - tj * zj;
                    valueScale = out + Math.abs(tj * zj);
                }
                default -> throw new AssertionError(loss);
            }
            sum += value;
            scale += valueScale + Math.abs(value);
            g[j] = gradScale * (out - tj);
            gScale[j] = Math.abs(gradScale) * (Math.abs(out) + Math.abs(tj)) + Math.abs(g[j]);
        }
        return new double[] {sum, scale + Math.abs(sum)};
    }

    /** Softmax cross-entropy of one row: log Σ e^(z - m) + (m - z_c); gradient gradScale·(softmax - onehot). */
    private static double[] softmaxRow(float[] z, int o, int cols, int c, float gradScale, double[] g,
                                       double[] gScale) {
        double m = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < cols; j++) {
            m = Math.max(m, z[o + j]);
        }
        double[] e = new double[cols];
        double s = 0;
        for (int j = 0; j < cols; j++) {
            e[j] = StrictMath.exp(z[o + j] - m);
            s += e[j];
        }
        double logS = StrictMath.log(s);
        for (int j = 0; j < cols; j++) {
            double p = e[j] / s;
            double onehot = j == c ? 1 : 0;
            g[j] = gradScale * (p - onehot);
            // the exponent z - m - log Σ is good to a few ulps of its terms, and so p relative to itself
            gScale[j] = Math.abs(gradScale) * (p * (Math.abs(z[o + j] - m) + logS + 2) + onehot) + Math.abs(g[j]);
        }
        double value = logS + (m - z[o + c]);
        // (m - z_c) + log Σ: the maximum cancels before log Σ is added, so the terms are m - z_c and log Σ; the
        // form (m + log Σ) - z_c loses log Σ when |m| is large (a row of equal logits 1e30 gave 0, not log(cols))
        return new double[] {value, Math.abs(m - z[o + c]) + logS + Math.abs(value)};
    }

    // ---- checking ----

    /** Collects results that are not the float nearest to the reference (within its own rounding). */
    private static final class Mismatches {
        private final String what;
        private final List<String> first = new ArrayList<>();
        /** The sigmoid's bar (issue 14): within 1 ulp of the correctly rounded float, and nearly always it. */
        private final boolean oneUlp;
        private int count;
        private int checked;
        private int neighbours;

        Mismatches(String what) {
            this(what, false);
        }

        Mismatches(String what, boolean oneUlp) {
            this.what = what;
            this.oneUlp = oneUlp;
        }

        void check(int index, float actual, double reference, double scale, String input) {
            checked++;
            if (correctlyRounded(actual, reference, K * scale)) {
                return;
            }
            if (oneUlp && Double.isFinite(reference) && !Float.isNaN(actual)
                    && Math.abs(ulpsApart(actual, (float) reference)) <= 1) {
                neighbours++;
                return;
            }
            count++;
            if (first.size() < 5) {
                float nearest = (float) reference;
                first.add(String.format(Locale.ROOT, "[%d] %s: got %s, the double formula gives %s (float %s, "
                        + "%d ulp away)", index, input, actual, reference, nearest, ulpsApart(actual, nearest)));
            }
        }

        void assertNone() {
            assertTrue(checked > 0, "nothing was checked");
            assertTrue(neighbours <= checked / 100, what + ": " + neighbours + " of " + checked
                    + " results are a neighbour of the correctly rounded float, more than 1%");
            assertTrue(count == 0, what + ": " + count + " of " + checked + " results are not the correctly rounded "
                    + "double formula; first: " + String.join("; ", first));
        }
    }

    /** Whether {@code actual} is the float nearest to some value in [reference - bound, reference + bound]. */
    static boolean correctlyRounded(float actual, double reference, double bound) {
        if (Double.isNaN(reference)) {
            return Float.isNaN(actual);
        }
        if (Float.isNaN(actual)) {
            return false;
        }
        if (Double.isInfinite(reference)) {
            return actual == (float) reference;
        }
        // rounding to float is monotonic: the floats nearest to points of the interval are those between its ends'
        return (float) (reference - bound) <= actual && actual <= (float) (reference + bound);
    }

    private static long ulpsApart(float a, float b) {
        if (Float.isNaN(a) || Float.isNaN(b)) {
            return -1;
        }
        return Math.abs(ordered(a) - ordered(b));
    }

    /** Float bits as integers that order like the floats (so their difference counts ulps). */
    private static long ordered(float f) {
        int bits = Float.floatToIntBits(f);
        return bits < 0 ? (long) Integer.MIN_VALUE - bits : bits;
    }
}
