package io.logitnet.backend;

/**
 * Element-wise activations. Each gradient is written in terms of the activation's output {@code y = f(z)},
 * so the backward pass needs only what the forward pass kept.
 */
public enum Activation {
    /** y = z; dy/dz = 1. The inverse link of linear regression. */
    IDENTITY(0),
    /** y = 1/(1+e^-z); dy/dz = y(1-y). The inverse logit. */
    SIGMOID(1),
    /** y = tanh z; dy/dz = 1-y^2. */
    TANH(2),
    /** y = max(0, z); dy/dz = [y > 0]. */
    RELU(3),
    /** y = e^z; dy/dz = y. The inverse log link of Poisson regression. */
    EXP(4);

    private final int code;

    Activation(int code) {
        this.code = code;
    }

    /** The number kernels use for this activation (stable: kernels switch on it). */
    public int code() {
        return code;
    }

    public static Activation parse(String s) {
        for (Activation a : values()) {
            if (a.name().equalsIgnoreCase(s.trim())) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown activation '" + s + "': expected sigmoid, tanh, relu, identity or exp");
    }
}
