package io.logitnet.nn;

import io.logitnet.backend.Activation;
import io.logitnet.backend.Loss;
import io.logitnet.backend.Reference;

import java.util.List;

/**
 * The objective of a network written in plain double precision, independently of any backend: what finite
 * differences are taken of. objective = mean loss + (l2/2)·Σ‖W‖².
 */
final class DoubleNetwork {
    private DoubleNetwork() {
    }

    /**
     * @param params [W0, b0, W1, b1, ...] row-major; W_i is [out, in]
     * @param x      [rows, in]
     * @param y      [rows, out] or class indices [rows]
     */
    static double objective(Architecture arch, List<double[]> params, double[] x, int rows, float[] y, double l2) {
        int layers = arch.layerCount();
        double[] a = x;
        for (int l = 0; l < layers; l++) {
            int in = arch.sizes().get(l);
            int out = arch.sizes().get(l + 1);
            double[] w = params.get(2 * l);
            double[] b = params.get(2 * l + 1);
            double[] z = new double[rows * out];
            for (int i = 0; i < rows; i++) {
                for (int o = 0; o < out; o++) {
                    double s = b[o];
                    for (int k = 0; k < in; k++) {
                        s += a[i * in + k] * w[o * in + k];
                    }
                    z[i * out + o] = s;
                }
            }
            Activation f = arch.activation(l);
            if (f != null) {
                for (int i = 0; i < z.length; i++) {
                    z[i] = Reference.activation(f, z[i]);
                }
            }
            a = z;
        }
        int out = arch.outputs();
        Loss loss = arch.loss();
        double total = 0;
        for (int i = 0; i < rows; i++) {
            if (loss == Loss.SOFTMAX_CROSS_ENTROPY) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < out; j++) {
                    max = Math.max(max, a[i * out + j]);
                }
                double s = 0;
                for (int j = 0; j < out; j++) {
                    s += Math.exp(a[i * out + j] - max);
                }
                total += max + Math.log(s) - a[i * out + (int) y[i]];
            } else {
                for (int j = 0; j < out; j++) {
                    total += Reference.loss(loss, a[i * out + j], y[i * out + j]);
                }
            }
        }
        double penalty = 0;
        for (int l = 0; l < layers; l++) {
            for (double v : params.get(2 * l)) {
                penalty += v * v;
            }
        }
        return total / rows + 0.5 * l2 * penalty;
    }
}
