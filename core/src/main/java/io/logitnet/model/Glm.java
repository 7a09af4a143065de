package io.logitnet.model;

import io.logitnet.backend.Loss;
import io.logitnet.data.Dataset;
import io.logitnet.model.inference.Family;
import io.logitnet.model.inference.GlmInference;
import io.logitnet.model.inference.GlmSummary;
import io.logitnet.model.inference.InferenceUnavailableException;
import io.logitnet.nn.Architecture;
import io.logitnet.nn.Init;
import io.logitnet.train.History;
import io.logitnet.train.OptimizerSpec;
import io.logitnet.train.TrainConfig;
import io.logitnet.train.Trainer;

import java.util.List;

/**
 * A generalized linear model: a network with no hidden layer whose output activation is the inverse link.
 * Trained by full-batch L-BFGS from zero weights by default (the objective is convex, so the answer does not
 * depend on the start).
 *
 * @param <M> the concrete model
 */
public abstract class Glm<M extends Glm<M>> extends NetworkModel<M> {

    protected Glm() {
        super(TrainConfig.defaults().withOptimizer(OptimizerSpec.lbfgs()).withMaxIterations(1000).withTolerance(1e-6));
    }

    protected abstract Loss loss();

    /** Output units for this many classes or targets: 1, or K for softmax. */
    protected abstract int outputs(int targets);

    /** One layer: {@code features} inputs, {@link #outputs} outputs, the inverse link fused with the loss. */
    @Override
    public Architecture architectureFor(int features, int targets) {
        return new Architecture(List.of(features, outputs(targets)), List.of(), loss());
    }

    /** Zeros: the objective is convex, so the answer does not depend on the start. */
    @Override
    protected Init initializer() {
        return Init.ZEROS;
    }

    /** Fits on data with this many classes (classifiers) or target values per row (regressions). */
    protected History fitGlm(Dataset data, int targets) {
        return train(architectureFor(data.cols(), targets), data);
    }

    private boolean inference = true;

    /**
     * Whether {@code fit} ends with Newton's method in double precision and computes the inference (on by default,
     * as R's {@code glm} and statsmodels do). Off, the fit keeps the optimizer's estimates (as scikit-learn does) and
     * saves the time and device memory of the finish (about six float32 copies of the design, and a few products
     * over it per Newton step); {@link #summary()} then says it was not requested.
     */
    @SuppressWarnings("unchecked")
    public M inference(boolean on) {
        this.inference = on;
        return (M) this;
    }

    /** The fit ends with Newton's method in double and the inference (saved with the final checkpoint). */
    @Override
    protected void afterTraining(Dataset data) {
        finishWithNewton(data);
    }

    /** Installs fitted parameters: weights {@code [outputs, features]} row-major and intercepts {@code [outputs]}. */
    protected void install(float[] weights, float[] intercepts, int features, List<String> names) {
        int outs = intercepts.length;
        setParameters(new Architecture(List.of(features, outs), List.of(), loss()), List.of(weights),
                List.of(intercepts));
        setFeatureNames(names, features);
        summary = null;
        noSummary = null;
    }

    /** The fitted equation, with the link on the left and the linear predictor on the right, in raw feature units. */
    public abstract String equation();

    // ---- inference (issue 15): the fit ends with Newton's method in double, see io.logitnet.model.inference ----

    /** The metadata key under which a fit keeps its summary (or why there is none) as JSON, saved with the model. */
    public static final String SUMMARY_KEY = "glm_summary";

    private GlmSummary summary;
    private InferenceUnavailableException noSummary;

    /**
     * The fit's inference as R's {@code summary(glm(...))} gives it: coefficients in raw units with standard errors,
     * z (t) statistics, p-values and 95% intervals; deviance, AIC, BIC. Computed at the end of {@code fit} by
     * Newton's method in double precision on the training rows (which also replaced the L-BFGS estimates), and kept
     * in the model's metadata ({@link #SUMMARY_KEY}), so a loaded model has it too.
     *
     * @throws InferenceUnavailableException when there is none, with the reason by name: fitted with an L2 penalty,
     *                                       separation, collinear columns (named), too many parameters, ...
     */
    public GlmSummary summary() {
        requireFitted();
        if (summary == null && noSummary == null && metadata(SUMMARY_KEY) != null) {
            String json = metadata(SUMMARY_KEY);
            InferenceUnavailableException stored = InferenceUnavailableException.fromJson(json);
            if (stored != null) {
                noSummary = stored;
            } else {
                summary = GlmSummary.fromJson(json);
            }
        }
        if (summary == null) {
            throw noSummary != null ? noSummary.copy() : new InferenceUnavailableException(
                    InferenceUnavailableException.Reason.NOT_FITTED_ON_DATA, List.of(), getClass().getSimpleName()
                    + " was built from given coefficients, not fitted on data, and its metadata has no '"
                    + SUMMARY_KEY + "': no inference");
        }
        return summary;
    }

    /**
     * Parameters trained without the rows in memory (streamed, or by the Spark estimators, data-parallel) come
     * without the Newton finish on the rows, so there is no inference; the summary says so rather than that the
     * model was never fitted.
     */
    @Override
    protected void installed(Architecture arch) {
        summary = null;
        noSummary = new InferenceUnavailableException(InferenceUnavailableException.Reason.NOT_FITTED_ON_DATA,
                List.of(), "trained without its rows in memory (streamed, or data-parallel by the Spark "
                + "estimator), where the Newton finish and classical inference are not computed; fit it with "
                + getClass().getSimpleName() + ".fit on a data set in memory (l2 = 0) for standard errors and "
                + "p-values");
        metadata(SUMMARY_KEY, noSummary.toJson());
    }

    /** K for softmax regression (the class count), 1 otherwise. */
    protected int summaryClasses() {
        return 1;
    }

    /** Installs Newton's estimates: {@code coefficients[k]} is intercept then slopes of predictor k, raw units. */
    protected abstract void installNewton(double[][] coefficients);

    private void finishWithNewton(Dataset data) {
        summary = null;
        noSummary = null;
        if (!inference) {
            noSummary = new InferenceUnavailableException(InferenceUnavailableException.Reason.NOT_REQUESTED,
                    List.of(), "not computed: the fit was asked to skip Newton's finish and the inference (inference "
                    + "off, --no-inference); the estimates are the optimizer's");
        } else if (config.l2() > 0) {
            noSummary = new InferenceUnavailableException(InferenceUnavailableException.Reason.PENALIZED,
                    List.of(), "fitted with an L2 penalty (l2 = " + config.l2() + "): the estimates are shrunk "
                    + "towards 0, so Wald standard errors, p-values and intervals would mislead; fit with l2 = 0 "
                    + "for classical inference");
        } else {
            Dataset train = new Trainer(config, null).split(data)[0];
            try {
                GlmInference.Result r = onBackend(b -> GlmInference.fit(b, train, Family.of(loss()),
                        summaryClasses(), weight(0), bias(0), getClass().getSimpleName()));
                installNewton(r.coefficients());
                summary = summaryClasses() > 1 ? r.summary().withClassNames(classLabels()) : r.summary();
            } catch (InferenceUnavailableException e) {
                noSummary = e;
            }
        }
        metadata(SUMMARY_KEY, summary != null ? summary.toJson() : noSummary.toJson());
    }
}
