package io.logitnet.cpu;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FastSigmoid} against the formula it replaces, {@code (float) (1 / (1 + Math.exp(-z)))}: the double formula is
 * within a few double ulps of σ(z), so its float is the correctly rounded one except within 2⁻²⁹ float ulps of a
 * rounding boundary, where FastSigmoid falls back to that very formula. So every result must be those bits exactly
 * (stronger than the ≤ 1 ulp asked of it), on a dense sample of the whole float range: every 211th bit pattern
 * (2·10⁷ values, both signs, subnormals, ±Inf and NaN), every float of [8, 9) and of [-0.5, -0.25), and with a bias
 * added first.
 */
class FastSigmoidTest {
    /** What FastSigmoid must give: the double formula, rounded once to float. */
    private static float reference(float z) {
        return (float) (1.0 / (1.0 + Math.exp(-(double) z)));
    }

    @Test
    void everyResultIsTheReferenceFloatOverADenseSampleOfAllFloats() {
        Mismatches m = new Mismatches();
        float[] z = new float[FastSigmoid.CHUNK * 3 + 17]; // several chunks and a remainder
        float[] y = new float[z.length];
        long bits = 0;
        while (bits < (1L << 32)) {
            int n = 0;
            for (; n < z.length && bits < (1L << 32); n++, bits += 211) {
                z[n] = Float.intBitsToFloat((int) bits);
            }
            FastSigmoid.apply(z, 0, null, 0, y, 0, n);
            m.check(z, y, n);
        }
        m.assertNone();
        assertTrue(m.checked > 20_000_000, "checked " + m.checked);
    }

    @Test
    void everyFloatOfTwoIntervalsIsTheReferenceFloat() {
        Mismatches m = new Mismatches();
        for (float[] range : new float[][] {{8f, 9f}, {-0.5f, -0.25f}}) {
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
                m.check(z, y, n);
            }
        }
        m.assertNone();
        assertTrue(m.checked == (1 << 20) + (1 << 23), "checked " + m.checked); // 2^20 floats in [8, 9), 2^23 in [-0.5, -0.25)
    }

    @Test
    void theBiasIsAddedInFloatFirstAndOffsetsAreRespected() {
        int n = 5000;
        float[] z = new float[n + 3];
        float[] bias = new float[n + 5];
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        for (int i = 0; i < z.length; i++) {
            z[i] = (float) r.nextDouble(-40, 40);
        }
        for (int i = 0; i < bias.length; i++) {
            bias[i] = (float) r.nextDouble(-3, 3);
        }
        float[] y = new float[n + 7];
        y[0] = 42f;
        y[n + 6] = 43f;
        FastSigmoid.apply(z, 3, bias, 5, y, 1, n - 1);
        for (int i = 0; i < n - 1; i++) {
            assertEquals(reference(z[3 + i] + bias[5 + i]), y[1 + i], "element " + i);
        }
        assertEquals(42f, y[0], "nothing written before the range");
        assertEquals(0f, y[n], "nothing written after the range");
        assertEquals(43f, y[n + 6]);
    }

    @Test
    void extremesGiveZeroOneAndNaNOnlyForNaN() {
        float[] z = {Float.NEGATIVE_INFINITY, -Float.MAX_VALUE, -1e4f, -120f, -104f, -103.97208f, -88.72283f,
            -17f, -0f, 0f, Float.MIN_VALUE, 17f, 88.72283f, 1e4f, Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NaN,
            Float.intBitsToFloat(0x7f800001), Float.intBitsToFloat(0xffc00000)};
        float[] y = new float[z.length];
        FastSigmoid.apply(z, 0, null, 0, y, 0, z.length);
        for (int i = 0; i < z.length; i++) {
            if (Float.isNaN(z[i])) {
                assertTrue(Float.isNaN(y[i]), "σ(NaN) is NaN");
            } else {
                assertTrue(y[i] >= 0f && y[i] <= 1f, "σ(" + z[i] + ") = " + y[i]);
                assertEquals(reference(z[i]), y[i], "σ(" + z[i] + ")");
            }
        }
        assertEquals(0f, y[0]);
        assertEquals(1f, y[15]);
        assertEquals(0.5f, y[9]);
    }

    /** Collects results that are not the reference's bits (±0 equal, NaN only for NaN). */
    private static final class Mismatches {
        long checked;
        long count;
        final List<String> first = new ArrayList<>();

        void check(float[] z, float[] y, int n) {
            for (int i = 0; i < n; i++) {
                checked++;
                float want = reference(z[i]);
                boolean ok = Float.isNaN(want) ? Float.isNaN(y[i]) : y[i] == want;
                if (!ok) {
                    count++;
                    if (first.size() < 5) {
                        first.add("σ(" + z[i] + ") = " + y[i] + ", expected " + want + " ("
                                + Math.abs(Float.floatToIntBits(y[i]) - Float.floatToIntBits(want)) + " ulps off)");
                    }
                }
            }
        }

        void assertNone() {
            assertEquals(0, count, count + " of " + checked + " differ; first: " + first);
        }
    }
}
