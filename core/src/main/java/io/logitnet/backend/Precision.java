package io.logitnet.backend;

/**
 * The arithmetic a backend uses for matrix products. Element-wise work and storage are always float32.
 */
public enum Precision {
    /** IEEE float32 products and sums; the default and the reference. */
    FP32,
    /** TensorFloat-32 products (10-bit mantissa inputs), float32 accumulation: NVIDIA Ampere and newer. */
    TF32,
    /** bfloat16 products with float32 accumulation and float32 master weights. */
    BF16;

    /** Unit round-off of one product's inputs in this precision. */
    public double unitRoundoff() {
        return switch (this) {
            case FP32 -> 0x1p-24;
            case TF32 -> 0x1p-11;
            case BF16 -> 0x1p-8;
        };
    }

    /** Parses {@code fp32}, {@code tf32} or {@code bf16}, case-insensitively. */
    public static Precision parse(String s) {
        for (Precision p : values()) {
            if (p.name().equalsIgnoreCase(s.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown precision '" + s + "': expected fp32, tf32 or bf16");
    }
}
