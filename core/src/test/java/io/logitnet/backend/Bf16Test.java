package io.logitnet.backend;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Bf16#round}: to the nearest bfloat16, ties to even, NaN kept NaN, overflow to ±Inf. Checked on named cases
 * and on a sample of every 4099th float against an independent reference that compares exact distances
 * ({@link BigDecimal}) to the two bfloat16 neighbours.
 */
class Bf16Test {
    private static float bits(int b) {
        return Float.intBitsToFloat(b);
    }

    @Test
    void roundsToNearestWithTiesToEven() {
        assertEquals(1f, Bf16.round(1f));
        assertEquals(1f, Bf16.round(1f + 0x1p-8f), "1 + 2^-8 is a tie: to 1 (even)");
        assertEquals(1f + 0x1p-6f, Bf16.round(1f + 3 * 0x1p-8f), "1 + 3·2^-8 is a tie: to 1 + 2^-6 (even)");
        assertEquals(1f, Bf16.round(bits(0x3f807fff)), "just below the tie: down");
        assertEquals(1f + 0x1p-7f, Bf16.round(bits(0x3f808001)), "just above the tie: up");
        assertEquals(-1f, Bf16.round(-1f - 0x1p-8f), "negative ties to even too");
        assertEquals(bits(0x3f820000), Bf16.round(bits(0x3f818000)), "a tie between 0x3f81 and 0x3f82: to 0x3f82");
        assertEquals(bits(0x3f810000), Bf16.round(bits(0x3f80c000)), "three quarters of the way: up");
        assertEquals(0f, Bf16.round(Float.MIN_VALUE), "the smallest subnormal rounds to zero");
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(Bf16.round(-0f)), "-0 stays -0");
    }

    @Test
    void keepsNaNAndInfinitiesAndOverflowsToInfinity() {
        assertTrue(Float.isNaN(Bf16.round(Float.NaN)));
        assertTrue(Float.isNaN(Bf16.round(bits(0x7f800001))), "a NaN whose payload is in the low bits stays NaN");
        assertTrue(Float.isNaN(Bf16.round(bits(0xff800001))));
        assertEquals(Float.POSITIVE_INFINITY, Bf16.round(Float.POSITIVE_INFINITY));
        assertEquals(Float.NEGATIVE_INFINITY, Bf16.round(Float.NEGATIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, Bf16.round(Float.MAX_VALUE), "past the largest bfloat16's half-way");
        assertEquals(Float.NEGATIVE_INFINITY, Bf16.round(-Float.MAX_VALUE));
        assertEquals(bits(0x7f7f0000), Bf16.round(bits(0x7f7f7fff)), "below the half-way: the largest bfloat16");
        assertEquals(Float.POSITIVE_INFINITY, Bf16.round(bits(0x7f7f8000)), "the half-way is a tie to even: Inf");
    }

    @Test
    void agreesWithExactDistancesOnASampleOfAllFloats() {
        long n = 0;
        for (long b = 0; b < (1L << 32); b += 4099) {
            float x = bits((int) b);
            float got = Bf16.round(x);
            if (Float.isNaN(x)) {
                assertTrue(Float.isNaN(got), "NaN " + Integer.toHexString((int) b));
                continue;
            }
            assertEquals(reference(x), got, "bits " + Integer.toHexString((int) b));
            n++;
        }
        assertTrue(n > 1_000_000, "checked " + n);
    }

    /** The bfloat16 nearest to finite-or-infinite x by exact distance; ties to the one with an even last bit. */
    private static float reference(float x) {
        if (Float.isInfinite(x)) {
            return x;
        }
        int b = Float.floatToRawIntBits(x);
        int lowBits = b & 0xffff0000; // toward zero
        if (lowBits == b) {
            return x;
        }
        float lo = bits(lowBits);
        float hi = bits(lowBits + 0x10000); // away from zero (the next bit pattern; past the largest finite, ±Inf)
        BigDecimal ex = new BigDecimal(x);
        BigDecimal dLo = ex.subtract(new BigDecimal(lo)).abs();
        BigDecimal dHi = Float.isInfinite(hi)
                // the distance to "Inf" is that to 2^128, the value IEEE rounding treats as the next step
                ? new BigDecimal(2).pow(128).multiply(BigDecimal.valueOf(Math.signum(x))).subtract(ex).abs()
                : ex.subtract(new BigDecimal(hi)).abs();
        int c = dLo.compareTo(dHi);
        if (c != 0) {
            return c < 0 ? lo : hi;
        }
        return ((lowBits >>> 16) & 1) == 0 ? lo : hi;
    }
}
