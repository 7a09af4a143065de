package io.logitnet.nn;

import io.logitnet.backend.Activation;
import io.logitnet.backend.Loss;

import java.util.ArrayList;
import java.util.List;

/**
 * The shape of a network: layer widths {@code [in, h1, ..., out]}, one activation per hidden layer, and the loss
 * fused with the output activation. A GLM is the case with no hidden layer. Serializable, so that a cluster (the
 * Spark module) can send it to the machines that compute gradients.
 */
public record Architecture(List<Integer> sizes, List<Activation> hiddenActivations, Loss loss)
        implements java.io.Serializable {
    public Architecture {
        sizes = List.copyOf(sizes);
        hiddenActivations = List.copyOf(hiddenActivations);
        if (sizes.size() < 2) {
            throw new IllegalArgumentException("a network needs an input and an output size, got " + sizes);
        }
        for (int s : sizes) {
            if (s <= 0) {
                throw new IllegalArgumentException("layer sizes must be positive: " + sizes);
            }
        }
        if (hiddenActivations.size() != sizes.size() - 2) {
            throw new IllegalArgumentException(sizes.size() - 2 + " hidden layers need as many activations, got "
                    + hiddenActivations);
        }
        if (loss == Loss.SOFTMAX_CROSS_ENTROPY && sizes.get(sizes.size() - 1) < 2) {
            throw new IllegalArgumentException("softmax needs at least 2 outputs, got " + sizes.get(sizes.size() - 1));
        }
    }

    /** One activation for all hidden layers. */
    public static Architecture of(int in, List<Integer> hidden, Activation activation, int out, Loss loss) {
        List<Integer> sizes = new ArrayList<>();
        sizes.add(in);
        sizes.addAll(hidden);
        sizes.add(out);
        return new Architecture(sizes, java.util.Collections.nCopies(hidden.size(), activation), loss);
    }

    public int layerCount() {
        return sizes.size() - 1;
    }

    public int inputs() {
        return sizes.get(0);
    }

    public int outputs() {
        return sizes.get(sizes.size() - 1);
    }

    /** The activation after layer {@code i} (0-based), or null for the output layer (fused with the loss). */
    public Activation activation(int layer) {
        return layer < hiddenActivations.size() ? hiddenActivations.get(layer) : null;
    }

    /** Multiply-adds of one example's forward pass: Σ in·out. */
    public long macsPerExample() {
        long s = 0;
        for (int i = 0; i + 1 < sizes.size(); i++) {
            s += (long) sizes.get(i) * sizes.get(i + 1);
        }
        return s;
    }

    /** e.g. {@code 784-256(sigmoid)-10 softmax cross-entropy}. */
    public String describe() {
        StringBuilder sb = new StringBuilder().append(sizes.get(0));
        for (int i = 1; i < sizes.size(); i++) {
            sb.append('-').append(sizes.get(i));
            if (i < sizes.size() - 1) {
                sb.append('(').append(hiddenActivations.get(i - 1).name().toLowerCase(java.util.Locale.ROOT)).append(')');
            }
        }
        return sb.append(' ').append(loss.name().toLowerCase(java.util.Locale.ROOT)).toString();
    }
}
