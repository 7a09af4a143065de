package io.logitnet.model;

import io.logitnet.backend.Loss;
import io.logitnet.data.Dataset;
import io.logitnet.nn.Architecture;
import io.logitnet.nn.Init;
import io.logitnet.train.History;
import io.logitnet.train.OptimizerSpec;
import io.logitnet.train.TrainConfig;

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

    /** Installs fitted parameters: weights {@code [outputs, features]} row-major and intercepts {@code [outputs]}. */
    protected void install(float[] weights, float[] intercepts, int features, List<String> names) {
        int outs = intercepts.length;
        setParameters(new Architecture(List.of(features, outs), List.of(), loss()), List.of(weights),
                List.of(intercepts));
        setFeatureNames(names, features);
    }

    /** The fitted equation, with the link on the left and the linear predictor on the right, in raw feature units. */
    public abstract String equation();
}
