package io.logitnet.bench;

import io.logitnet.backend.Activation;
import io.logitnet.backend.Loss;
import io.logitnet.nn.Architecture;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One point of the benchmark grid: a batch size and the layer widths {@code [in, h1, ..., out]} of a network with
 * sigmoid hidden layers and a softmax cross-entropy output, trained by plain SGD.
 *
 * @param batch  examples per step
 * @param layers widths, input first
 */
public record Shape(int batch, List<Integer> layers) {
    public Shape {
        layers = List.copyOf(layers);
        if (batch < 1 || layers.size() < 2) {
            throw new IllegalArgumentException("a shape needs batch >= 1 and at least two widths, got batch " + batch
                    + ", layers " + layers);
        }
    }

    /** Shorthand: {@code Shape.of(1024, 784, 256, 10)}. */
    public static Shape of(int batch, int... widths) {
        List<Integer> l = new ArrayList<>();
        for (int w : widths) {
            l.add(w);
        }
        return new Shape(batch, l);
    }

    /** Parses {@code 1024x784-256-10}. */
    public static Shape parse(String s) {
        String[] parts = s.trim().toLowerCase(Locale.ROOT).split("x", 2);
        if (parts.length != 2) {
            throw new IllegalArgumentException("shape '" + s + "' is not BATCHxIN-H1-...-OUT, e.g. 1024x784-256-10");
        }
        List<Integer> l = new ArrayList<>();
        for (String w : parts[1].split("-")) {
            l.add(positive(w, s));
        }
        return new Shape(positive(parts[0], s), l);
    }

    private static int positive(String number, String shape) {
        try {
            int v = Integer.parseInt(number.trim());
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("shape '" + shape + "': '" + number.trim() + "' is not a positive "
                + "integer; a shape is BATCHxIN-H1-...-OUT, e.g. 1024x784-256-10");
    }

    /** The network: sigmoid after every hidden layer, softmax cross-entropy at the output. */
    public Architecture architecture() {
        return Architecture.of(layers.get(0), layers.subList(1, layers.size() - 1), Activation.SIGMOID,
                layers.get(layers.size() - 1), Loss.SOFTMAX_CROSS_ENTROPY);
    }

    /** Σ in·out over the layers. */
    public long macsPerExample() {
        long s = 0;
        for (int i = 0; i + 1 < layers.size(); i++) {
            s += (long) layers.get(i) * layers.get(i + 1);
        }
        return s;
    }

    /**
     * Floating-point operations counted per training step: 6 × batch × Σ in·out (2 for the forward product, 2 for
     * the weight gradient, 2 for the input gradient). The first layer's input gradient is not computed by LogitNet
     * or by PyTorch, so this overstates the work by 2 × batch × in·h1; it is the usual convention and both sides
     * are measured with it.
     */
    public double flopsPerStep() {
        return 6.0 * batch * macsPerExample();
    }

    /** The widest hidden layer (the input width for a network without one). */
    public int hiddenWidth() {
        int w = 0;
        for (int i = 1; i + 1 < layers.size(); i++) {
            w = Math.max(w, layers.get(i));
        }
        return w == 0 ? layers.get(0) : w;
    }

    /** Hidden layers. */
    public int depth() {
        return layers.size() - 2;
    }

    /**
     * Bytes of tensors a LogitNet training step holds, computed from the shapes: parameters, their gradients,
     * optimizer state ({@code stateCopies} tensors the size of the parameters: 0 for SGD, 1 for momentum, 2 for
     * Adam), the workspace (each layer's output and its gradient, the row losses), the input batch and its targets.
     */
    public long memoryBytes(int stateCopies) {
        long params = 0;
        long activations = 0;
        for (int i = 0; i + 1 < layers.size(); i++) {
            params += (long) layers.get(i) * layers.get(i + 1) + layers.get(i + 1);
            activations += 2L * batch * layers.get(i + 1);
        }
        long workspace = activations + batch + 1;
        long io = (long) batch * layers.get(0) + batch;
        return 4L * ((2L + stateCopies) * params + workspace + io);
    }

    /** e.g. {@code 1024x784-256-10}. */
    public String id() {
        StringBuilder sb = new StringBuilder().append(batch).append('x');
        for (int i = 0; i < layers.size(); i++) {
            sb.append(i == 0 ? "" : "-").append(layers.get(i));
        }
        return sb.toString();
    }

    /** e.g. {@code 784 → 256 → 10}. */
    public String arrows() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < layers.size(); i++) {
            sb.append(i == 0 ? "" : " → ").append(layers.get(i));
        }
        return sb.toString();
    }
}
