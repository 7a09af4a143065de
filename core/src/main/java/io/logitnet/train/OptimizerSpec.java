package io.logitnet.train;

import io.logitnet.optim.Adam;
import io.logitnet.optim.Optimizer;
import io.logitnet.optim.Sgd;

import java.util.Locale;

/**
 * Which optimizer to train with and its hyperparameters. {@link Kind#LBFGS} is full-batch (one "epoch" is one
 * L-BFGS iteration); the others are mini-batch.
 */
public record OptimizerSpec(Kind kind, float learningRate, float momentum, boolean nesterov, float beta1,
                            float beta2, float eps, float weightDecay, int lbfgsHistory) {
    public enum Kind {
        SGD, ADAM, LBFGS;

        public static Kind parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown optimizer '" + s + "': expected sgd, adam or lbfgs");
            }
        }
    }

    public static OptimizerSpec sgd(float lr, float momentum) {
        return new OptimizerSpec(Kind.SGD, lr, momentum, false, 0.9f, 0.999f, 1e-8f, 0f, 10);
    }

    public static OptimizerSpec adam(float lr) {
        return new OptimizerSpec(Kind.ADAM, lr, 0f, false, 0.9f, 0.999f, 1e-8f, 0f, 10);
    }

    /** AdamW: Adam with decoupled weight decay on weights. */
    public static OptimizerSpec adamW(float lr, float weightDecay) {
        return new OptimizerSpec(Kind.ADAM, lr, 0f, false, 0.9f, 0.999f, 1e-8f, weightDecay, 10);
    }

    public static OptimizerSpec lbfgs() {
        return new OptimizerSpec(Kind.LBFGS, 1f, 0f, false, 0.9f, 0.999f, 1e-8f, 0f, 10);
    }

    public OptimizerSpec withLearningRate(float lr) {
        return new OptimizerSpec(kind, lr, momentum, nesterov, beta1, beta2, eps, weightDecay, lbfgsHistory);
    }

    public OptimizerSpec withMomentum(float m) {
        return new OptimizerSpec(kind, learningRate, m, nesterov, beta1, beta2, eps, weightDecay, lbfgsHistory);
    }

    /** Decoupled weight decay (AdamW). */
    public OptimizerSpec withWeightDecay(float wd) {
        return new OptimizerSpec(kind, learningRate, momentum, nesterov, beta1, beta2, eps, wd, lbfgsHistory);
    }

    public OptimizerSpec withNesterov(boolean n) {
        return new OptimizerSpec(kind, learningRate, momentum, n, beta1, beta2, eps, weightDecay, lbfgsHistory);
    }

    public boolean fullBatch() {
        return kind == Kind.LBFGS;
    }

    /** A new mini-batch optimizer; not for L-BFGS. */
    public Optimizer create() {
        return switch (kind) {
            case SGD -> new Sgd(learningRate, momentum, nesterov);
            case ADAM -> new Adam(learningRate, beta1, beta2, eps, weightDecay);
            case LBFGS -> throw new IllegalStateException("L-BFGS is full-batch: the Trainer runs it directly");
        };
    }

    public String describe() {
        return switch (kind) {
            case SGD -> "sgd(lr=" + learningRate + ", momentum=" + momentum + (nesterov ? ", nesterov" : "") + ")";
            case ADAM -> (weightDecay > 0 ? "adamw" : "adam") + "(lr=" + learningRate + ", weight_decay="
                    + weightDecay + ")";
            case LBFGS -> "lbfgs(history=" + lbfgsHistory + ")";
        };
    }
}
