package io.logitnet.data;

/**
 * Per-feature standardization for training, folded into the first layer afterwards so that the model takes raw
 * features: {@code scaling[0]} holds the means, {@code scaling[1]} the standard deviations.
 */
public final class Standardizer {
    private Standardizer() {
    }

    /** {means, standard deviations} of each feature; a constant feature gets deviation 1 (centered only). */
    public static double[][] fit(Dataset data) {
        int n = data.rows();
        int d = data.cols();
        double[] mean = new double[d];
        double[] sd = new double[d];
        float[] x = data.x();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                mean[j] += x[i * d + j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= n;
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                double v = x[i * d + j] - mean[j];
                sd[j] += v * v;
            }
        }
        for (int j = 0; j < d; j++) {
            sd[j] = deviation(mean[j], Math.sqrt(sd[j] / n));
        }
        return new double[][] {mean, sd};
    }

    /** The deviation to divide by: {@code sd}, or 1 for a constant feature (which is then only centered). */
    static double deviation(double mean, double sd) {
        return sd > 1e-12 * Math.max(1, Math.abs(mean)) ? sd : 1;
    }

    public static Dataset apply(Dataset data, double[][] scaling) {
        int d = data.cols();
        float[] x = data.x().clone();
        for (int at = 0; at < x.length; at += d) {
            for (int j = 0; j < d; j++) {
                x[at + j] = (float) ((x[at + j] - scaling[0][j]) / scaling[1][j]);
            }
        }
        return new Dataset(x, data.rows(), d, data.y(), data.targetCols(), data.featureNames());
    }

    /** The inverse of {@link #fold}: raw-unit weight and bias back to the standardized inputs' units, in place. */
    public static void unfold(float[] w, float[] b, int in, double[][] scaling) {
        int out = b.length;
        for (int o = 0; o < out; o++) {
            double shift = 0;
            for (int k = 0; k < in; k++) {
                double raw = w[o * in + k];
                shift += raw * scaling[0][k];
                w[o * in + k] = (float) (raw * scaling[1][k]);
            }
            b[o] = (float) (b[o] + shift);
        }
    }

    /** W·((x - m)/s) + b = (W/s)·x + (b - W·(m/s)): rewrites weight {@code [out, in]} and bias in place. */
    public static void fold(float[] w, float[] b, int in, double[][] scaling) {
        int out = b.length;
        for (int o = 0; o < out; o++) {
            double shift = 0;
            for (int k = 0; k < in; k++) {
                double wk = w[o * in + k] / scaling[1][k];
                shift += wk * scaling[0][k];
                w[o * in + k] = (float) wk;
            }
            b[o] = (float) (b[o] - shift);
        }
    }
}
