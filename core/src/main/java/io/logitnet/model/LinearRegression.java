package io.logitnet.model;

import io.logitnet.backend.Loss;
import io.logitnet.data.Dataset;
import io.logitnet.train.History;

import java.util.List;

/**
 * Least-squares linear regression {@code y = b + w·x} (ridge with l2 > 0): identity output, squared error. The
 * objective is mean (y - ŷ)²/2 + (l2/2)·‖w‖².
 */
public final class LinearRegression extends SingleOutputGlm<LinearRegression> {

    public static LinearRegression of(float[] coefficients, float intercept, List<String> featureNames) {
        return new LinearRegression().withParameters(coefficients, intercept, featureNames);
    }

    @Override
    public String kind() {
        return "linear";
    }

    @Override
    protected Loss loss() {
        return Loss.SQUARED_ERROR;
    }

    public History fit(float[][] x, float[] y) {
        return fit(Dataset.of(x, y));
    }

    @Override
    public History fit(Dataset data) {
        return fitGlm(data, 1);
    }

    public float[] predict(float[][] x) {
        return predictRaw(features(x), x.length);
    }

    @Override
    protected String lhs() {
        return target().isEmpty() ? "y" : target();
    }
}
