package io.logitnet.train;

import java.util.List;

/**
 * A training run: every epoch's result, the epoch whose weights were kept, and why it stopped.
 *
 * @param diverged the objective or a parameter became NaN or infinite: the network's parameters are unusable
 */
public record History(List<EpochResult> epochs, int bestEpoch, String stopReason, boolean converged,
                      boolean diverged) {
    public History {
        epochs = List.copyOf(epochs);
    }

    public EpochResult last() {
        return epochs.get(epochs.size() - 1);
    }
}
