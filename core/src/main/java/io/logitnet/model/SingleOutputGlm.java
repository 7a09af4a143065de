package io.logitnet.model;

import java.util.List;

/**
 * A GLM with one linear predictor {@code η = b + w·x}: logistic, linear and Poisson regression.
 *
 * @param <M> the concrete model
 */
public abstract class SingleOutputGlm<M extends SingleOutputGlm<M>> extends Glm<M> {

    /** One output whatever the count (logistic regression's two classes share one sigmoid). */
    @Override
    protected final int outputs(int targets) {
        return 1;
    }

    /** Installs fitted coefficients and intercept (e.g. from another model); returns this model. */
    protected final M withParameters(float[] coefficients, float intercept, List<String> featureNames) {
        install(coefficients.clone(), new float[] {intercept}, coefficients.length, featureNames);
        @SuppressWarnings("unchecked")
        M self = (M) this;
        return self;
    }

    /** w, one per feature, in raw feature units. */
    public float[] coefficients() {
        return weight(0);
    }

    /** b. */
    public float intercept() {
        return bias(0)[0];
    }

    /** The equation's left-hand side: the link of the mean, e.g. {@code log(p/(1-p))}, naming the target if known. */
    protected abstract String lhs();

    @Override
    public String equation() {
        return lhs() + " = " + linearPredictor(intercept(), coefficients(), 0, featureNames());
    }

    @Override
    protected final void installNewton(double[][] coefficients) {
        float[] w = new float[coefficients[0].length - 1];
        for (int j = 0; j < w.length; j++) {
            w[j] = (float) coefficients[0][j + 1];
        }
        refitParameters(List.of(w), List.of(new float[] {(float) coefficients[0][0]}));
    }
}
