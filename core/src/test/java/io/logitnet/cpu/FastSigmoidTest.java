package io.logitnet.cpu;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FastSigmoid} against the formulas it replaces, {@code (float) (1 / (1 + Math.exp(-z)))} and
 * {@code (float) (dy * (y * (1 - y)))} in double: the double formulas are within a few double ulps of the exact
 * values, so their floats are the correctly rounded ones but for inputs within 2⁻²⁹ float ulps of a rounding
 * boundary. Every result must be within 1 ulp of those floats, with NaN and ±Inf exactly as the formulas give them;
 * and nearly all must be those floats exactly (the fraction the analysis in FastSigmoid promises, a little lower), so
 * that an implementation that is only "close" (a plain float formula is off by one or two ulps on a third of its
 * inputs) fails: 99% for the sigmoid (97% where its results are subnormal), 99.9% for the gradient. The sigmoid on a dense sample of the whole float range: every 211th bit pattern (2·10⁷ values, both
 * signs, subnormals, ±Inf and NaN), every float of [8, 9), of [-0.5, -0.25) and of [-104, -87) (where σ is
 * subnormal), and with a bias added first.
 */
class FastSigmoidTest {
    /** What the sigmoid is within 1 ulp of: the double formula, rounded once to float. */
    private static float reference(float z) {
        return (float) CpuBackend.sigmoid(z);
    }

    private static float referenceGradient(float y, float dy) {
        return (float) (dy * ((double) y * (1.0 - y)));
    }

    @Test
    void everyResultIsWithinOneUlpOverADenseSampleOfAllFloats() {
        Ulps m = new Ulps("σ");
        float[] z = new float[FastSigmoid.CHUNK * 3 + 17]; // several chunks and a remainder
        float[] y = new float[z.length];
        long bits = 0;
        while (bits < (1L << 32)) {
            int n = 0;
            for (; n < z.length && bits < (1L << 32); n++, bits += 211) {
                z[n] = Float.intBitsToFloat((int) bits);
            }
            FastSigmoid.apply(z, 0, null, 0, y, 0, n);
            for (int i = 0; i < n; i++) {
                m.check(y[i], reference(z[i]), "z=" + z[i]);
            }
        }
        m.assertWithinOneUlp(0.99);
        assertTrue(m.checked > 20_000_000, "checked " + m.checked);
    }

    @Test
    void everyFloatOfThreeIntervalsIsWithinOneUlp() {
        // the third column: the fraction that must be correctly rounded (subnormal results round a second time)
        for (float[] range : new float[][] {{8f, 9f, 0.99f}, {-0.5f, -0.25f, 0.99f}, {-104f, -87f, 0.97f}}) {
            Ulps m = new Ulps("σ on [" + range[0] + ", " + range[1] + ")");
            int from = Float.floatToIntBits(range[0]);
            int to = Float.floatToIntBits(range[1]);
            int step = from < to ? 1 : -1;
            float[] z = new float[4096];
            float[] y = new float[z.length];
            for (int b = from; b != to; ) {
                int n = 0;
                for (; n < z.length && b != to; n++, b += step) {
                    z[n] = Float.intBitsToFloat(b);
                }
                FastSigmoid.apply(z, 0, null, 0, y, 0, n);
                for (int i = 0; i < n; i++) {
                    m.check(y[i], reference(z[i]), "z=" + z[i]);
                }
            }
            m.assertWithinOneUlp(range[2]);
            assertEquals(Math.abs(to - from), m.checked, "every float of the interval");
        }
    }

    @Test
    void theBiasIsAddedInFloatFirstPerColumnAcrossRowsAndChunksAndOffsetsAreRespected() {
        int cols = 700; // rows end inside chunks, chunks end inside rows
        int n = 5 * cols;
        float[] z = new float[n + 3];
        float[] bias = new float[cols];
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < z.length; i++) {
            z[i] = (float) r.nextDouble(-40, 40);
        }
        for (int i = 0; i < bias.length; i++) {
            bias[i] = (float) r.nextDouble(-3, 3);
        }
        float[] y = new float[n + 2];
        y[0] = 42f;
        y[n + 1] = 43f;
        FastSigmoid.apply(z, 3, bias, cols, y, 1, n);
        float[] sums = new float[n];
        float[] unbiased = new float[n];
        for (int i = 0; i < n; i++) {
            sums[i] = z[3 + i] + bias[i % cols];
        }
        FastSigmoid.apply(sums, 0, null, 0, unbiased, 0, n);
        Ulps m = new Ulps("σ(z + b)");
        for (int i = 0; i < n; i++) {
            assertEquals(unbiased[i], y[1 + i], "element " + i + ": σ of the float sum");
            m.check(y[1 + i], reference(sums[i]), "z+b=" + sums[i]);
        }
        m.assertWithinOneUlp(0.99);
        assertEquals(42f, y[0], "nothing written before the range");
        assertEquals(43f, y[n + 1], "nothing written after the range");
    }

    @Test
    void extremesGiveZeroOneAndNaNOnlyForNaN() {
        float[] z = {Float.NEGATIVE_INFINITY, -Float.MAX_VALUE, -1e4f, -120f, -104f, -103.97208f, -88.72283f,
            -17f, -0f, 0f, Float.MIN_VALUE, 17f, 88.72283f, 1e4f, Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NaN,
            Float.intBitsToFloat(0x7f800001), Float.intBitsToFloat(0xffc00000), -Float.MIN_VALUE, 103.97208f};
        float[] y = new float[z.length];
        FastSigmoid.apply(z, 0, null, 0, y, 0, z.length);
        Ulps m = new Ulps("σ at extremes");
        for (int i = 0; i < z.length; i++) {
            if (Float.isNaN(z[i])) {
                assertTrue(Float.isNaN(y[i]), "σ(NaN) is NaN");
            } else {
                assertTrue(y[i] >= 0f && y[i] <= 1f, "σ(" + z[i] + ") = " + y[i]);
                m.check(y[i], reference(z[i]), "z=" + z[i]);
            }
        }
        m.assertWithinOneUlp(0);
        assertEquals(0f, y[0]);
        assertEquals(0f, y[1]);
        assertEquals(0f, y[2]);
        assertEquals(1f, y[15]);
        assertEquals(1f, y[14]);
        assertEquals(0.5f, y[8]);
        assertEquals(0.5f, y[9]);
        assertEquals(0.5f, y[10]);
        assertEquals(1f, y[13]);
        assertEquals(0f, y[19] - 0.5f, "σ(-MIN_VALUE) rounds to 0.5");
    }

    @Test
    void theGradientIsWithinOneUlpAndNearlyAlwaysCorrectlyRounded() {
        SplittableRandom r = new SplittableRandom(11);
        int n = FastSigmoid.CHUNK * 7 + 5;
        float[] y = new float[n];
        float[] dy = new float[n];
        float[] dz = new float[n];
        Ulps m = new Ulps("dy·σ'");
        for (int rep = 0; rep < 300; rep++) {
            for (int i = 0; i < n; i++) {
                // sigmoid outputs over their whole range (saturated ends, subnormals) and gradients of any scale
                y[i] = reference((float) r.nextDouble(-110, 110));
                dy[i] = (float) (r.nextGaussian() * Math.pow(2, r.nextInt(-140, 120)));
            }
            FastSigmoid.backward(y, dy, dz, 0, n);
            for (int i = 0; i < n; i++) {
                m.check(dz[i], referenceGradient(y[i], dy[i]), "y=" + y[i] + ", dy=" + dy[i]);
            }
        }
        m.assertWithinOneUlp(0.999); // 99.95%: a subnormal result is rounded twice
    }

    @Test
    void aGradientChunkWithNaNOrInfinityIsTheDoubleFormulaExactlyInPlaceToo() {
        int n = FastSigmoid.CHUNK + 40;
        SplittableRandom r = new SplittableRandom(5);
        float[] y = new float[n];
        float[] dy = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = reference((float) r.nextDouble(-20, 20));
            dy[i] = (float) r.nextGaussian();
        }
        // infinities and NaN in both chunks, some where the float form would give NaN and the formula does not
        dy[3] = Float.POSITIVE_INFINITY;
        y[3] = 0.5f; // y(1−y) is exact: the float form's correction would be ∞·0
        dy[4] = Float.NEGATIVE_INFINITY;
        y[4] = 0f; // ∞·0: NaN
        y[5] = Float.POSITIVE_INFINITY;
        y[6] = Float.NaN;
        y[7] = 0x1p70f; // y² overflows in float: not a sigmoid output, but the formula is defined
        dy[7] = 0x1p-100f;
        y[n - 2] = Float.NEGATIVE_INFINITY;
        dy[n - 3] = Float.NaN;
        dy[n - 4] = 3e38f;
        y[n - 4] = 0.5f;
        float[] want = new float[n];
        for (int i = 0; i < n; i++) {
            want[i] = referenceGradient(y[i], dy[i]);
        }
        float[] dz = new float[n];
        FastSigmoid.backward(y, dy, dz, 0, n);
        for (int i : new int[] {3, 4, 5, 6, 7, n - 2, n - 3, n - 4}) {
            assertEquals(want[i], dz[i], "dz[" + i + "] for y=" + y[i] + ", dy=" + dy[i]);
        }
        assertTrue(Float.isNaN(dz[4]) && Float.isNaN(dz[6]) && Float.isNaN(dz[n - 3]));
        assertEquals(Float.NEGATIVE_INFINITY, dz[5]);
        assertEquals(Float.POSITIVE_INFINITY, dz[3]);
        float[] inPlace = dy.clone();
        FastSigmoid.backward(y, inPlace, inPlace, 0, n);
        for (int i = 0; i < n; i++) {
            assertEquals(dz[i], inPlace[i], "dz = dy, element " + i);
        }
    }

    /** Counts results more than 1 ulp from the reference (NaN only for NaN) and those that are it exactly. */
    private static final class Ulps {
        final String what;
        long checked;
        long exact;
        long far;
        final List<String> first = new ArrayList<>();

        Ulps(String what) {
            this.what = what;
        }

        void check(float got, float want, String input) {
            checked++;
            if (Float.isNaN(want) || Float.isNaN(got)) {
                if (Float.isNaN(want) != Float.isNaN(got)) {
                    fail(got, want, input);
                } else {
                    exact++;
                }
                return;
            }
            if (got == want) {
                exact++;
            } else if (Float.isInfinite(want) || Float.isInfinite(got) || Math.abs(ordinal(got) - ordinal(want)) > 1) {
                fail(got, want, input);
            }
        }

        /** A float's place in the order of all floats, -0 and +0 both 0: adjacent floats differ by 1. */
        private static long ordinal(float f) {
            int b = Float.floatToIntBits(f);
            return b >= 0 ? b : -(long) (b & 0x7fffffff);
        }

        private void fail(float got, float want, String input) {
            far++;
            if (first.size() < 5) {
                first.add(input + ": " + got + ", expected " + want + " (" + (ordinal(got) - ordinal(want)) + " ulps)");
            }
        }

        void assertWithinOneUlp(double exactFraction) {
            assertTrue(checked > 0, "nothing checked");
            assertEquals(0, far, what + ": " + far + " of " + checked + " more than 1 ulp off; first: " + first);
            assertTrue(exact >= exactFraction * checked, what + ": only " + exact + " of " + checked
                    + " are the correctly rounded float exactly, expected at least " + exactFraction);
        }
    }
}
