package io.logitnet.model;

import io.logitnet.backend.Loss;
import io.logitnet.data.Dataset;
import io.logitnet.nn.Architecture;
import io.logitnet.train.History;

import java.util.List;

/**
 * Multinomial logistic regression: {@code P(y=k|x) = softmax(b + W·x)_k}, the multi-class form of logistic
 * regression; a network with no hidden layer and a softmax output.
 */
public final class SoftmaxRegression extends Glm<SoftmaxRegression> implements Classifier {
    private int classes;

    /** A softmax regression with the given parameters: weights {@code [K, d]} row-major, intercepts {@code [K]}. */
    public static SoftmaxRegression of(float[] weights, float[] intercepts, int features, List<String> featureNames) {
        SoftmaxRegression m = new SoftmaxRegression();
        m.classes = intercepts.length;
        m.install(weights.clone(), intercepts.clone(), features, featureNames);
        return m;
    }

    /** Fixes the class count (otherwise the largest label + 1). */
    public SoftmaxRegression classes(int k) {
        this.classes = k;
        return this;
    }

    @Override
    public String kind() {
        return "softmax";
    }

    @Override
    protected Loss loss() {
        return Loss.SOFTMAX_CROSS_ENTROPY;
    }

    @Override
    protected int outputs(int targets) {
        return targets;
    }

    @Override
    protected void installed(Architecture arch) {
        super.installed(arch);
        classes = arch.outputs();
    }

    public History fit(float[][] x, int[] y) {
        return fit(Dataset.of(x, y));
    }

    /** Fits on a data set whose targets are class indices 0..K-1. */
    @Override
    public History fit(Dataset data) {
        classes = Labels.check(data.y(), classes, "softmax regression");
        return fitGlm(data, classes);
    }

    @Override
    public float[][] predictProba(float[][] x) {
        return rows(predictRaw(features(x), x.length), x.length, classes);
    }

    @Override
    public int[] predict(float[][] x) {
        float[] p = predictRaw(features(x), x.length);
        int[] out = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = io.logitnet.train.Metrics.argmax(p, i * classes, classes);
        }
        return out;
    }

    @Override
    public int classCount() {
        requireFitted();
        return classes;
    }

    /** W: {@code [K][d]}. */
    public float[][] coefficients() {
        return rows(weight(0), classes, architecture().inputs());
    }

    /** b: {@code [K]}. */
    public float[] intercepts() {
        return bias(0);
    }

    @Override
    public String equation() {
        float[] w = weight(0);
        float[] b = intercepts();
        int d = architecture().inputs();
        List<String> labels = classLabels();
        String t = target().isEmpty() ? "y" : target();
        StringBuilder sb = new StringBuilder("P(" + t + "=k|x) = softmax(s)_k with");
        for (int k = 0; k < classes; k++) {
            sb.append("\n  s_").append(labels.get(k)).append(" = ").append(linearPredictor(b[k], w, k * d,
                    featureNames()));
        }
        return sb.toString();
    }

    @Override
    protected int summaryClasses() {
        return classes;
    }

    /** Newton's K − 1 predictors against class 0, stored centred over the classes as L-BFGS from zero leaves them. */
    @Override
    protected void installNewton(double[][] coefficients) {
        int d = coefficients[0].length - 1;
        float[] w = new float[classes * d];
        float[] b = new float[classes];
        for (int j = 0; j <= d; j++) {
            double mean = 0;
            for (double[] c : coefficients) {
                mean += c[j];
            }
            mean /= classes;
            for (int k = 0; k < classes; k++) {
                double v = (k == 0 ? 0 : coefficients[k - 1][j]) - mean;
                if (j == 0) {
                    b[k] = (float) v;
                } else {
                    w[k * d + j - 1] = (float) v;
                }
            }
        }
        refitParameters(List.of(w), List.of(b));
    }
}
