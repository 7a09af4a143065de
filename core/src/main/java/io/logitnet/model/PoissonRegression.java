package io.logitnet.model;

import io.logitnet.InvalidDataException;
import io.logitnet.backend.Loss;
import io.logitnet.data.Dataset;
import io.logitnet.train.History;

import java.util.List;

/**
 * Poisson regression for counts: {@code log E[y|x] = b + w·x}; exp output, Poisson negative log-likelihood.
 */
public final class PoissonRegression extends SingleOutputGlm<PoissonRegression> {

    public static PoissonRegression of(float[] coefficients, float intercept, List<String> featureNames) {
        return new PoissonRegression().withParameters(coefficients, intercept, featureNames);
    }

    @Override
    public String kind() {
        return "poisson";
    }

    @Override
    protected Loss loss() {
        return Loss.POISSON;
    }

    public History fit(float[][] x, float[] counts) {
        return fit(Dataset.of(x, counts));
    }

    @Override
    public History fit(Dataset data) {
        for (int i = 0; i < data.y().length; i++) {
            if (data.y()[i] < 0) {
                throw new InvalidDataException("counts", i + 1, 0, String.valueOf(data.y()[i]),
                        "Poisson regression needs counts >= 0");
            }
        }
        return fitGlm(data, 1);
    }

    /** The expected count E[y|x] of each row. */
    public float[] predict(float[][] x) {
        return predictRaw(features(x), x.length);
    }

    @Override
    protected String lhs() {
        return "log(μ)" + (target().isEmpty() ? "" : " [μ = E(" + target() + ")]");
    }
}
