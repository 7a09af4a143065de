package io.logitnet.nn;

import io.logitnet.backend.Activation;

import java.util.SplittableRandom;

/**
 * Weight initializers. Biases always start at zero.
 *
 * <p>A hidden layer initialized to zero or to a constant never learns distinct features: every unit computes the
 * same function of the same input, receives the same gradient and stays identical to the others (the symmetry
 * problem). {@link Network} refuses such an initialization of a hidden layer unless it is explicitly allowed.
 */
public enum Init {
    /** The usual choice per activation: He for relu, Glorot for everything else. */
    AUTO,
    /** Glorot/Xavier uniform: U(±sqrt(6/(in+out))), for sigmoid and tanh. */
    GLOROT,
    /** He/Kaiming normal: N(0, 2/in), for relu. */
    HE,
    /** All zeros: fine for a model with no hidden layer (a GLM, convex), symmetric for a hidden layer. */
    ZEROS,
    /** Every weight the same constant (0.1): symmetric for a hidden layer. */
    CONSTANT;

    /** Whether every unit of a layer starts identical. */
    public boolean symmetric() {
        return this == ZEROS || this == CONSTANT;
    }

    /** Fills {@code w} ({@code [out, in]} row-major) for a layer followed by {@code activation}. */
    public void fill(float[] w, int in, int out, Activation activation, SplittableRandom random) {
        Init kind = this == AUTO ? (activation == Activation.RELU ? HE : GLOROT) : this;
        switch (kind) {
            case GLOROT -> {
                double limit = Math.sqrt(6.0 / (in + out));
                for (int i = 0; i < w.length; i++) {
                    w[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
                }
            }
            case HE -> {
                double std = Math.sqrt(2.0 / in);
                for (int i = 0; i < w.length; i++) {
                    w[i] = (float) (gaussian(random) * std);
                }
            }
            case ZEROS -> java.util.Arrays.fill(w, 0f);
            case CONSTANT -> java.util.Arrays.fill(w, 0.1f);
            default -> throw new AssertionError(kind);
        }
    }

    private static double gaussian(SplittableRandom r) {
        // Box–Muller; SplittableRandom has no nextGaussian on Java 17
        double u1 = 1.0 - r.nextDouble();
        double u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
