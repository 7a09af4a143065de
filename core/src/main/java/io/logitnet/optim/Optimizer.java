package io.logitnet.optim;

import io.logitnet.backend.Tensor;

import java.util.List;
import java.util.Map;

/**
 * A first-order update rule applied to a network's parameters after each mini-batch. State (momentum, Adam's
 * moments) lives on the parameters' backend, is allocated on the first step, and can be exported for checkpoints.
 */
public interface Optimizer extends AutoCloseable {
    /**
     * Updates every parameter from its gradient.
     *
     * @param params    [W0, b0, W1, b1, ...]
     * @param gradients in the same order and shapes
     */
    void step(List<Tensor> params, List<Tensor> gradients);

    /** Sets the learning rate of later steps to the base learning rate times {@code factor} (schedules). */
    void scaleLearningRate(float factor);

    /** Number of steps taken so far. */
    long steps();

    /** Name and hyperparameters, e.g. {@code adam(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0)}. */
    String describe();

    /** The state as named host arrays (e.g. {@code 0.m}), for checkpoints. */
    Map<String, float[]> exportState();

    /** Restores what {@link #exportState()} gave, for parameters of the given shapes. */
    void importState(List<Tensor> params, Map<String, float[]> state, long steps);

    /** Releases device state; never throws. */
    @Override
    void close();
}
