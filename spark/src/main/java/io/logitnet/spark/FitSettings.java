package io.logitnet.spark;

import io.logitnet.backend.Activation;
import io.logitnet.model.Mlp;
import io.logitnet.model.NetworkModel;
import io.logitnet.train.OptimizerSpec;

import java.util.List;
import java.util.Locale;

/** An estimator's training params, read once at the start of a fit. */
record FitSettings(int[] hiddenLayers, List<String> activations, String solver, int maxIter, double stepSize,
                   double tol, double regParam, double miniBatchFraction, boolean standardization, long seed,
                   String backend) {

    static FitSettings of(LogitNetParams<?> p) {
        List<String> acts = TrainingParams.activations(p.getActivation());
        int[] hidden = p.getHiddenLayers();
        if (hidden.length > 0 && acts.size() != 1 && acts.size() != hidden.length) {
            throw new IllegalArgumentException(p.uid() + " parameter activation lists " + acts.size()
                    + " activations (" + p.getActivation() + ") for " + hidden.length + " hidden layers: give one "
                    + "for all or one per layer");
        }
        return new FitSettings(hidden, acts, p.getSolver(), p.getMaxIter(), p.getStepSize(), p.getTol(),
                p.getRegParam(), p.getMiniBatchFraction(), p.getStandardization(), p.getSeed(), p.getBackend());
    }

    /** Whether the solver is full-batch L-BFGS (the others sample). */
    boolean fullBatch() {
        return solver.equals("l-bfgs");
    }

    /** The fraction of rows an iteration samples: 0 for full-batch L-BFGS, which takes them all. */
    double sampleFraction() {
        return fullBatch() ? 0 : miniBatchFraction;
    }

    /** The hidden activations, one per layer. */
    Activation[] hiddenActivations() {
        Activation[] out = new Activation[hiddenLayers.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Activation.valueOf(activations.get(activations.size() == 1 ? 0 : i).toUpperCase(Locale.ROOT));
        }
        return out;
    }

    /** An MLP of these hidden layers and activations, made by {@code factory} (classifier, regressor, ...). */
    Mlp mlp(java.util.function.Function<int[], Mlp> factory) {
        return factory.apply(hiddenLayers).activations(hiddenActivations());
    }

    /** Configures a core model as the core would train it: penalty, seed, optimizer, iterations, tolerance. */
    <M extends NetworkModel<M>> M configure(M model) {
        OptimizerSpec spec = switch (solver) {
            case "adam" -> OptimizerSpec.adam((float) stepSize);
            case "sgd" -> OptimizerSpec.sgd((float) stepSize, 0f);
            default -> OptimizerSpec.lbfgs();
        };
        return model.l2((float) regParam).seed(seed).optimizer(spec).maxIterations(maxIter).tolerance(tol)
                .standardize(standardization);
    }
}
