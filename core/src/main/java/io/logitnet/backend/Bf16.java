package io.logitnet.backend;

/**
 * bfloat16: the upper 16 bits of a float32 (8-bit exponent, 8-bit significand), the operand format of
 * {@link Precision#BF16} matrix products. Rounding is to nearest, ties to even, as {@code __float2bfloat16_rn} on
 * NVIDIA GPUs and PyTorch's {@code .to(torch.bfloat16)}; values are kept as the float32 they are exactly, so a
 * product of two is exact in float32 and only the sums round.
 */
public final class Bf16 {
    private Bf16() {
    }

    /** The bfloat16 nearest to x (ties to even) as a float; NaN stays NaN, ±Inf stay, large finite values may round to ±Inf. */
    public static float round(float x) {
        int bits = Float.floatToRawIntBits(x);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return x; // NaN (truncating its payload could make it an infinity)
        }
        return Float.intBitsToFloat((bits + 0x7fff + ((bits >>> 16) & 1)) & 0xffff0000);
    }

    /** dst[dstOffset + i] = round(src[srcOffset + i]) for i in [0, n). */
    public static void round(float[] src, int srcOffset, float[] dst, int dstOffset, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOffset + i] = round(src[srcOffset + i]);
        }
    }
}
