package io.logitnet.model;

import io.logitnet.backend.Loss;
import io.logitnet.data.Dataset;
import io.logitnet.train.History;

import java.util.List;

/**
 * Least-squares linear regression {@code y = b + w·x} (ridge with l2 > 0): identity output, squared error. The
 * objective is mean (y - ŷ)²/2 + (l2/2)·‖w‖².
 */
public final class LinearRegression extends Glm<LinearRegression> {

    public static LinearRegression of(float[] coefficients, float intercept, List<String> featureNames) {
        LinearRegression m = new LinearRegression();
        m.install(coefficients.clone(), new float[] {intercept}, coefficients.length, featureNames);
        return m;
    }

    @Override
    protected Loss loss() {
        return Loss.SQUARED_ERROR;
    }

    @Override
    protected int outputs(Dataset data) {
        return 1;
    }

    public History fit(float[][] x, float[] y) {
        return fit(Dataset.of(x, y));
    }

    public History fit(Dataset data) {
        return fitGlm(data);
    }

    public float[] predict(float[][] x) {
        return predictRaw(features(x), x.length);
    }

    public float[] coefficients() {
        return weight(0);
    }

    public float intercept() {
        return bias(0)[0];
    }

    @Override
    public String equation() {
        return "y = " + linearPredictor(intercept(), coefficients(), featureNames());
    }
}
