package io.logitnet.model;

import io.logitnet.io.Checkpoint;
import io.logitnet.nn.Architecture;

import java.nio.file.Path;
import java.util.List;

/** Loading saved models: a checkpoint back into the model it was saved from. */
public final class Models {
    private Models() {
    }

    /**
     * Reads a model saved by {@link NetworkModel#save} (or written during training): a {@link LogisticRegression},
     * {@link SoftmaxRegression}, {@link LinearRegression}, {@link PoissonRegression} or {@link Mlp}, with its feature
     * names, class labels, target name and extra metadata.
     *
     * @throws io.logitnet.io.CheckpointFormatException if the file is not a valid LogitNet model
     * @throws java.io.UncheckedIOException             if it cannot be read
     */
    public static NetworkModel<?> load(Path file) {
        return from(Checkpoint.load(file));
    }

    /** The model a loaded checkpoint holds. */
    public static NetworkModel<?> from(Checkpoint.Contents c) {
        Checkpoint.Card card = c.card();
        Architecture a = card.architecture();
        List<String> names = card.features();
        float[] w0 = c.weights().get(0);
        float[] b0 = c.biases().get(0);
        NetworkModel<?> m = switch (card.model()) {
            case "logistic" -> LogisticRegression.of(w0, b0[0], names);
            case "softmax" -> SoftmaxRegression.of(w0, b0, a.inputs(), names);
            case "linear" -> LinearRegression.of(w0, b0[0], names);
            case "poisson" -> PoissonRegression.of(w0, b0[0], names);
            default -> Mlp.of(a, c.weights(), c.biases(), classCount(a), names);
        };
        m.restore(c);
        return m;
    }

    private static int classCount(Architecture a) {
        return switch (a.loss()) {
            case SOFTMAX_CROSS_ENTROPY -> a.outputs();
            case SIGMOID_BINARY_CROSS_ENTROPY -> 2;
            default -> 0;
        };
    }
}
