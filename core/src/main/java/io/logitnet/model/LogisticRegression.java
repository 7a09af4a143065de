package io.logitnet.model;

import io.logitnet.InvalidDataException;
import io.logitnet.backend.Loss;
import io.logitnet.data.Dataset;
import io.logitnet.train.History;

import java.util.List;

/**
 * Binary logistic regression: {@code P(y=1|x) = σ(b + w·x)}, fitted by maximum likelihood (with an optional L2
 * penalty on w). A neural network with no hidden layer, a sigmoid output and cross-entropy loss.
 */
public final class LogisticRegression extends SingleOutputGlm<LogisticRegression> implements Classifier {

    /** A logistic regression with the given coefficients (already fitted). */
    public static LogisticRegression of(float[] coefficients, float intercept, List<String> featureNames) {
        return new LogisticRegression().withParameters(coefficients, intercept, featureNames);
    }

    @Override
    public String kind() {
        return "logistic";
    }

    @Override
    protected Loss loss() {
        return Loss.SIGMOID_BINARY_CROSS_ENTROPY;
    }

    /** Fits on labels 0 and 1. */
    public History fit(float[][] x, int[] y) {
        return fit(Dataset.of(x, y));
    }

    /** Fits on a data set whose targets are 0 and 1. */
    @Override
    public History fit(Dataset data) {
        boolean seen0 = false;
        boolean seen1 = false;
        for (int i = 0; i < data.y().length; i++) {
            float v = data.y()[i];
            if (v != 0f && v != 1f) {
                throw new InvalidDataException("labels", i + 1, 0, String.valueOf(v),
                        "logistic regression needs labels 0 or 1 (2 classes)");
            }
            seen0 |= v == 0f;
            seen1 |= v == 1f;
        }
        if (!(seen0 && seen1)) {
            throw new InvalidDataException("labels", "logistic regression needs both classes; every label is "
                    + (seen0 ? 0 : 1));
        }
        return fitGlm(data, 2);
    }

    /** P(y = 1 | x) for each row. */
    public float[] probability(float[][] x) {
        return predictRaw(features(x), x.length);
    }

    @Override
    public int[] predict(float[][] x) {
        float[] p = probability(x);
        int[] out = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = p[i] > 0.5f ? 1 : 0;
        }
        return out;
    }

    @Override
    public float[][] predictProba(float[][] x) {
        float[] p = probability(x);
        float[][] out = new float[p.length][2];
        for (int i = 0; i < p.length; i++) {
            out[i][0] = 1f - p[i];
            out[i][1] = p[i];
        }
        return out;
    }

    @Override
    public int classCount() {
        return 2;
    }

    @Override
    protected String lhs() {
        List<String> labels = classLabels();
        String t = target().isEmpty() ? "y" : target();
        return "log(p/(1-p)) [p = P(" + t + "=" + labels.get(1) + ")]";
    }
}
