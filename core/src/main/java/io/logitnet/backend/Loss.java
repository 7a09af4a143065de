package io.logitnet.backend;

/**
 * A loss fused with the output activation that is its canonical link, so that the gradient with respect to the
 * logits is always {@code (f(z) - y)} and the loss is computed from the logits without overflow.
 *
 * <p>Per-element losses (z: logit, y: target):
 * <ul>
 *   <li>{@link #SIGMOID_BINARY_CROSS_ENTROPY}: max(z,0) - z·y + log(1+e^-|z|); targets in [0,1], shape of z.</li>
 *   <li>{@link #SOFTMAX_CROSS_ENTROPY}: logsumexp(z_row) - z_row[c]; the target is a {@code [rows, 1]} tensor of
 *       class indices c (exact in float32 up to 2^24).</li>
 *   <li>{@link #SQUARED_ERROR}: (z-y)^2/2, as scikit-learn's squared loss; targets shape of z.</li>
 *   <li>{@link #POISSON}: e^z - y·z, the Poisson negative log-likelihood without the log(y!) constant; counts y ≥ 0.</li>
 * </ul>
 */
public enum Loss {
    SIGMOID_BINARY_CROSS_ENTROPY(0, Activation.SIGMOID),
    SOFTMAX_CROSS_ENTROPY(1, null),
    SQUARED_ERROR(2, Activation.IDENTITY),
    POISSON(3, Activation.EXP);

    private final int code;
    private final Activation outputActivation;

    Loss(int code, Activation outputActivation) {
        this.code = code;
        this.outputActivation = outputActivation;
    }

    /** The number kernels use for this loss (stable: kernels switch on it). */
    public int code() {
        return code;
    }

    /** The element-wise output activation, or null for softmax (a row operation). */
    public Activation outputActivation() {
        return outputActivation;
    }

    /** Whether targets are one class index per row rather than one value per output. */
    public boolean targetsAreClassIndices() {
        return this == SOFTMAX_CROSS_ENTROPY;
    }

    public String outputName() {
        return this == SOFTMAX_CROSS_ENTROPY ? "softmax" : outputActivation.name().toLowerCase(java.util.Locale.ROOT);
    }
}
