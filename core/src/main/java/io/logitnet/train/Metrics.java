package io.logitnet.train;

import io.logitnet.backend.Loss;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Metrics computed on the host from logits and targets, in double: accuracy and log loss for classifiers, mean
 * squared error for linear regression, mean Poisson deviance for Poisson regression.
 */
public final class Metrics {
    private Metrics() {
    }

    /** The one format of numbers in messages and reports: 6 significant digits ({@code 0.985940}, {@code 9.48718e-07}). */
    public static String format(double v) {
        return String.format(java.util.Locale.ROOT, "%.6g", v);
    }

    /**
     * @param logits   {@code [rows, out]}
     * @param targets  {@code [rows, out]}, or class indices {@code [rows]} for softmax
     * @param meanLoss the mean loss as the backend computed it (reported as {@code log_loss} for classifiers)
     */
    public static Map<String, Double> compute(Loss loss, float[] logits, float[] targets, int rows, int out,
                                              double meanLoss) {
        Map<String, Double> m = new LinkedHashMap<>();
        switch (loss) {
            case SOFTMAX_CROSS_ENTROPY -> {
                m.put("accuracy", softmaxAccuracy(logits, targets, rows, out));
                m.put("log_loss", meanLoss);
            }
            case SIGMOID_BINARY_CROSS_ENTROPY -> {
                int correct = 0;
                for (int i = 0; i < logits.length; i++) {
                    if ((logits[i] > 0) == (targets[i] >= 0.5f)) {
                        correct++;
                    }
                }
                m.put("accuracy", correct / (double) logits.length);
                m.put("log_loss", meanLoss / out);
            }
            case SQUARED_ERROR -> m.put("mse", mse(logits, targets));
            case POISSON -> {
                double[] mu = new double[logits.length];
                for (int i = 0; i < mu.length; i++) {
                    mu[i] = Math.exp(logits[i]);
                }
                m.put("poisson_deviance", poissonDeviance(mu, targets));
            }
            default -> throw new AssertionError(loss);
        }
        return m;
    }

    public static double softmaxAccuracy(float[] scores, float[] labels, int rows, int out) {
        int correct = 0;
        for (int i = 0; i < rows; i++) {
            if (argmax(scores, i * out, out) == (int) labels[i]) {
                correct++;
            }
        }
        return correct / (double) rows;
    }

    /** Index of the largest of {@code n} values from {@code offset}; the first on ties. */
    public static int argmax(float[] v, int offset, int n) {
        int best = 0;
        for (int j = 1; j < n; j++) {
            if (v[offset + j] > v[offset + best]) {
                best = j;
            }
        }
        return best;
    }

    public static double mse(float[] predictions, float[] targets) {
        double s = 0;
        for (int i = 0; i < predictions.length; i++) {
            double d = (double) predictions[i] - targets[i];
            s += d * d;
        }
        return s / predictions.length;
    }

    /** Mean Poisson deviance 2·mean(y·log(y/μ) - (y - μ)), with y·log y = 0 at y = 0 (scikit-learn's definition). */
    public static double poissonDeviance(double[] mu, float[] y) {
        double s = 0;
        for (int i = 0; i < mu.length; i++) {
            double yi = y[i];
            double term = (yi > 0 ? yi * Math.log(yi / mu[i]) : 0) - (yi - mu[i]);
            s += 2 * term;
        }
        return s / mu.length;
    }

    /** Mean log loss of predicted class probabilities {@code [rows, out]} (clipped at 1e-15, as scikit-learn). */
    public static double logLoss(float[] probabilities, float[] labels, int rows, int out) {
        double s = 0;
        for (int i = 0; i < rows; i++) {
            double p = probabilities[i * out + (int) labels[i]];
            s -= Math.log(Math.max(p, 1e-15));
        }
        return s / rows;
    }
}
