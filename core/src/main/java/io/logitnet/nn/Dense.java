package io.logitnet.nn;

import io.logitnet.backend.Activation;
import io.logitnet.backend.Backend;
import io.logitnet.backend.Tensor;

/**
 * A fully connected layer, as PyTorch's {@code nn.Linear}: weight {@code [out, in]}, bias {@code [1, out]},
 * {@code z = x·Wᵀ + b}, followed by an element-wise activation (none for the output layer, whose activation is
 * fused with the loss). A logistic regression is one of these with a sigmoid; a hidden layer is many logistic
 * regressions side by side whose outputs become the next layer's features.
 */
public final class Dense implements AutoCloseable {
    private final Backend backend;
    private final int in;
    private final int out;
    private final Activation activation;
    private final Tensor weight;
    private final Tensor bias;
    private final Tensor weightGrad;
    private final Tensor biasGrad;

    /** Allocates zeroed parameters and gradients on {@code backend}; {@code activation} null for an output layer. */
    Dense(Backend backend, int in, int out, Activation activation) {
        this.backend = backend;
        this.in = in;
        this.out = out;
        this.activation = activation;
        Tensor w = null;
        Tensor b = null;
        Tensor gw = null;
        try {
            w = backend.allocate(out, in);
            b = backend.allocate(1, out);
            gw = backend.allocate(out, in);
            this.biasGrad = backend.allocate(1, out);
        } catch (RuntimeException e) {
            closeAll(gw, b, w);
            throw e;
        }
        this.weight = w;
        this.bias = b;
        this.weightGrad = gw;
    }

    /**
     * Forward: {@code y = f(x·Wᵀ + b)}.
     *
     * @param x input {@code [batch, in]}
     * @param y output {@code [batch, out]}: the activation's output, or the logits for the output layer
     */
    public void forward(Tensor x, Tensor y) {
        backend.gemm(false, true, 1f, x, weight, 0f, y);
        backend.biasActivation(activation != null ? activation : Activation.IDENTITY, y, bias, y);
    }

    /**
     * Backward, given the gradient with respect to this layer's pre-activation {@code dz = ∂L/∂z}:
     * {@code dW = dzᵀ·x}, {@code db = Σ_rows dz}, and {@code dx = dz·W} when dx is not null.
     *
     * @param x  the input the forward pass saw {@code [batch, in]}
     * @param dz {@code [batch, out]}
     * @param dx receives {@code ∂L/∂x}, {@code [batch, in]}; null for the first layer (no one needs it)
     */
    public void backward(Tensor x, Tensor dz, Tensor dx) {
        weightGradient(x, dz);
        backend.columnSums(dz, biasGrad);
        if (dx != null) {
            inputGradient(dz, dx);
        }
    }

    /** {@code dW = dzᵀ·x}. x: {@code [batch, in]}, dz: {@code [batch, out]}. */
    public void weightGradient(Tensor x, Tensor dz) {
        backend.gemm(true, false, 1f, dz, x, 0f, weightGrad);
    }

    /** {@code dx = dz·W}. dz: {@code [batch, out]}, dx: {@code [batch, in]}. */
    public void inputGradient(Tensor dz, Tensor dx) {
        backend.gemm(false, false, 1f, dz, weight, 0f, dx);
    }

    /**
     * Turns {@code ∂L/∂y} into {@code ∂L/∂z} in place through the saved output {@code y = f(z)} and, in the same
     * pass, sums it into this layer's bias gradient {@code db = Σ_rows dz}.
     *
     * @param y  this layer's output {@code [batch, out]}
     * @param dy {@code ∂L/∂y}, overwritten with {@code ∂L/∂z}
     */
    public void activationAndBiasGradient(Tensor y, Tensor dy) {
        backend.activationBackwardColumnSums(activation, y, dy, dy, biasGrad);
    }

    /**
     * Turns {@code ∂L/∂y} into {@code ∂L/∂z} in place, through the saved output {@code y = f(z)}.
     *
     * @param y  this layer's output {@code [batch, out]}
     * @param dy {@code ∂L/∂y}, overwritten with {@code ∂L/∂z}
     */
    public void activationBackward(Tensor y, Tensor dy) {
        backend.activationBackward(activation, y, dy, dy);
    }

    public int in() {
        return in;
    }

    public int out() {
        return out;
    }

    /** The activation after this layer, or null for the output layer. */
    public Activation activation() {
        return activation;
    }

    public Tensor weight() {
        return weight;
    }

    public Tensor bias() {
        return bias;
    }

    public Tensor weightGrad() {
        return weightGrad;
    }

    public Tensor biasGrad() {
        return biasGrad;
    }

    @Override
    public void close() {
        closeAll(biasGrad, weightGrad, bias, weight);
    }

    static void closeAll(AutoCloseable... resources) {
        for (AutoCloseable r : resources) {
            if (r != null) {
                try {
                    r.close();
                } catch (Exception ignored) {
                    // close() of a tensor never throws; nothing useful to do here
                }
            }
        }
    }
}
