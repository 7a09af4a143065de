package io.logitnet.backend;

/**
 * The operations of {@link Backend} written again in plain double-precision loops, independently of any backend:
 * what every backend (the CPU one included) is checked against. Row-major arrays. Each formula is the one the
 * {@link Backend}, {@link Activation} and {@link Loss} documentation states, evaluated in IEEE double arithmetic, so
 * that NaN and ±Inf inputs have a defined expected result too: NaN propagates ({@link Math#max} keeps it), and
 * ±Inf give what the formula gives (e.g. inf - inf = NaN).
 */
public final class Reference {
    private Reference() {
    }

    /** Returns alpha·op(A)·op(B) + beta·C and, in {@code absBound}, Σ_k |alpha·a·b| + |beta·c| per element. */
    public static double[] gemm(boolean ta, boolean tb, double alpha, float[] a, int aRows, int aCols, float[] b,
                                int bRows, int bCols, double beta, float[] c, double[] absBound) {
        int m = ta ? aCols : aRows;
        int k = ta ? aRows : aCols;
        int n = tb ? bRows : bCols;
        double[] out = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                double bound = 0;
                for (int p = 0; p < k; p++) {
                    double av = ta ? a[p * aCols + i] : a[i * aCols + p];
                    double bv = tb ? b[j * bCols + p] : b[p * bCols + j];
                    s += av * bv;
                    bound += Math.abs(av * bv);
                }
                double cv = beta == 0 ? 0 : beta * c[i * n + j];
                out[i * n + j] = alpha * s + cv;
                absBound[i * n + j] = Math.abs(alpha) * bound + Math.abs(cv);
            }
        }
        return out;
    }

    public static double activation(Activation f, double z) {
        switch (f) {
            case IDENTITY:
                return z;
            case SIGMOID:
                // 1/(1+e^-z) overflows harmlessly to 0 for z → -inf in double
                return 1.0 / (1.0 + Math.exp(-z));
            case TANH:
                return Math.tanh(z);
            case RELU:
                return Math.max(0.0, z);
            case EXP:
                return Math.exp(z);
            default:
                throw new AssertionError(f);
        }
    }

    /**
     * dz = dy · f'(z), written through y = f(z). ReLU's is a select, as PyTorch's: 0 where y ≤ 0 (even for a NaN
     * dy), dy elsewhere (also where y is NaN).
     */
    public static double activationBackward(Activation f, double y, double dy) {
        switch (f) {
            case IDENTITY:
                return dy;
            case SIGMOID:
                return dy * (y * (1 - y));
            case TANH:
                return dy * (1 - y * y);
            case RELU:
                return y <= 0 ? 0 : dy;
            case EXP:
                return dy * y;
            default:
                throw new AssertionError(f);
        }
    }

    /** Row softmax in double. */
    public static double[] softmax(float[] z, int rows, int cols) {
        double[] out = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) {
                max = Math.max(max, z[i * cols + j]);
            }
            double s = 0;
            for (int j = 0; j < cols; j++) {
                s += Math.exp(z[i * cols + j] - max);
            }
            for (int j = 0; j < cols; j++) {
                out[i * cols + j] = Math.exp(z[i * cols + j] - max) / s;
            }
        }
        return out;
    }

    /** Per-element loss value in double (softmax handled by {@link #softmaxCrossEntropyRow}). */
    public static double loss(Loss loss, double z, double y) {
        switch (loss) {
            case SIGMOID_BINARY_CROSS_ENTROPY:
                // -y log σ(z) - (1-y) log(1-σ(z)) in the form Loss documents, exact for large |z|
                return Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
            case SQUARED_ERROR:
                return 0.5 * (z - y) * (z - y);
            case POISSON:
                return Math.exp(z) - y * z;
            default:
                throw new AssertionError(loss);
        }
    }

    public static double outputOf(Loss loss, double z) {
        switch (loss) {
            case SIGMOID_BINARY_CROSS_ENTROPY:
                return 1.0 / (1.0 + Math.exp(-z));
            case SQUARED_ERROR:
                return z;
            case POISSON:
                return Math.exp(z);
            default:
                throw new AssertionError(loss);
        }
    }

    /** Cross-entropy of one row: log Σ e^z - z[c]. */
    public static double softmaxCrossEntropyRow(float[] z, int offset, int cols, int c) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < cols; j++) {
            max = Math.max(max, z[offset + j]);
        }
        double s = 0;
        for (int j = 0; j < cols; j++) {
            s += Math.exp(z[offset + j] - max);
        }
        return (max - z[offset + c]) + Math.log(s);
    }
}
