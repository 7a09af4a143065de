package io.logitnet.train;

import java.util.Map;

/**
 * What one epoch (or one L-BFGS iteration) ended with.
 *
 * @param epoch          1-based
 * @param trainObjective mean training loss + L2 penalty (for mini-batch training: the mean over the epoch's steps,
 *                       taken while the weights moved, as PyTorch loops usually report it)
 * @param validationLoss mean validation loss, NaN without a validation split
 * @param metrics        on the validation split if there is one, else on the training data, in a stable order
 * @param seconds        wall time of the epoch
 */
public record EpochResult(int epoch, double trainObjective, double validationLoss, Map<String, Double> metrics,
                          double seconds) {
    public EpochResult {
        metrics = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metrics)); // keeps their order
    }
}
