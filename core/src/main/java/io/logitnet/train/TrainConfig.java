package io.logitnet.train;

/**
 * How to train. Defaults aim to train small problems to convergence rather than stop early: 200 epochs, Adam at
 * 1e-3 with batches of min(200, n), early stopping only on a validation split and with patience 20.
 *
 * @param epochs             mini-batch epochs (L-BFGS: the iteration limit is {@link #maxIterations})
 * @param batchSize          examples per step; 0 means min(200, n)
 * @param seed               seeds initialization, the validation split and every epoch's shuffle
 * @param validationSplit    fraction of the (shuffled) data held out for validation, in [0, 1)
 * @param patience           stop when the monitored loss has not improved for this many epochs; 0: never
 * @param minDelta           an improvement must exceed this (absolute)
 * @param optimizer          the optimizer
 * @param l2                 objective = mean loss + (l2/2)·Σ‖W‖² over weights, not biases
 * @param maxIterations      L-BFGS iteration limit
 * @param tolerance          L-BFGS: stop when ‖∇objective‖₂ ≤ tolerance
 * @param restoreBest        on early stopping, return the weights of the best epoch
 * @param schedule           learning-rate schedule of mini-batch optimizers
 */
public record TrainConfig(int epochs, int batchSize, long seed, double validationSplit, int patience,
                          double minDelta, OptimizerSpec optimizer, float l2, int maxIterations, double tolerance,
                          boolean restoreBest, Schedule schedule) {
    /** Learning rate over the run: constant, or cosine decay from the base rate to 0 over all steps. */
    public enum Schedule {
        CONSTANT, COSINE;

        /** The factor applied to the base learning rate at step t (0-based) of total. */
        public float factor(long t, long total) {
            return this == CONSTANT ? 1f : (float) (0.5 * (1 + Math.cos(Math.PI * t / Math.max(1, total))));
        }
    }

    public TrainConfig {
        if (schedule == null) {
            throw new IllegalArgumentException("schedule must not be null");
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        if (batchSize < 0) {
            throw new IllegalArgumentException("batch size must be >= 1 (or 0 for automatic), got " + batchSize);
        }
        if (!(validationSplit >= 0 && validationSplit < 1)) {
            throw new IllegalArgumentException("validation split must be in [0, 1), got " + validationSplit);
        }
        if (patience < 0) {
            throw new IllegalArgumentException("patience must be >= 0, got " + patience);
        }
        if (!(l2 >= 0) || Float.isInfinite(l2)) {
            throw new IllegalArgumentException("l2 must be a finite number >= 0, got " + l2);
        }
        if (maxIterations < 1) {
            throw new IllegalArgumentException("max iterations must be >= 1, got " + maxIterations);
        }
        if (!(tolerance >= 0)) {
            throw new IllegalArgumentException("tolerance must be >= 0, got " + tolerance);
        }
    }

    public static TrainConfig defaults() {
        return new TrainConfig(200, 0, 42, 0, 20, 1e-4, OptimizerSpec.adam(1e-3f), 0f, 1000, 1e-5, true, Schedule.CONSTANT);
    }

    public TrainConfig withEpochs(int v) {
        return new TrainConfig(v, batchSize, seed, validationSplit, patience, minDelta, optimizer, l2, maxIterations,
                tolerance, restoreBest, schedule);
    }

    public TrainConfig withBatchSize(int v) {
        return new TrainConfig(epochs, v, seed, validationSplit, patience, minDelta, optimizer, l2, maxIterations,
                tolerance, restoreBest, schedule);
    }

    public TrainConfig withSeed(long v) {
        return new TrainConfig(epochs, batchSize, v, validationSplit, patience, minDelta, optimizer, l2, maxIterations,
                tolerance, restoreBest, schedule);
    }

    public TrainConfig withValidationSplit(double v) {
        return new TrainConfig(epochs, batchSize, seed, v, patience, minDelta, optimizer, l2, maxIterations,
                tolerance, restoreBest, schedule);
    }

    public TrainConfig withPatience(int v) {
        return new TrainConfig(epochs, batchSize, seed, validationSplit, v, minDelta, optimizer, l2, maxIterations,
                tolerance, restoreBest, schedule);
    }

    public TrainConfig withOptimizer(OptimizerSpec v) {
        return new TrainConfig(epochs, batchSize, seed, validationSplit, patience, minDelta, v, l2, maxIterations,
                tolerance, restoreBest, schedule);
    }

    public TrainConfig withL2(float v) {
        return new TrainConfig(epochs, batchSize, seed, validationSplit, patience, minDelta, optimizer, v, maxIterations,
                tolerance, restoreBest, schedule);
    }

    public TrainConfig withMaxIterations(int v) {
        return new TrainConfig(epochs, batchSize, seed, validationSplit, patience, minDelta, optimizer, l2, v,
                tolerance, restoreBest, schedule);
    }

    public TrainConfig withTolerance(double v) {
        return new TrainConfig(epochs, batchSize, seed, validationSplit, patience, minDelta, optimizer, l2,
                maxIterations, v, restoreBest, schedule);
    }

    public TrainConfig withRestoreBest(boolean v) {
        return new TrainConfig(epochs, batchSize, seed, validationSplit, patience, minDelta, optimizer, l2,
                maxIterations, tolerance, v, schedule);
    }

    public TrainConfig withSchedule(Schedule v) {
        return new TrainConfig(epochs, batchSize, seed, validationSplit, patience, minDelta, optimizer, l2,
                maxIterations, tolerance, restoreBest, v);
    }

    /** The batch size for n examples. */
    public int effectiveBatchSize(int n) {
        return batchSize == 0 ? Math.min(200, n) : Math.min(batchSize, n);
    }
}
