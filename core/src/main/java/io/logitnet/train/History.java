package io.logitnet.train;

import java.util.List;

/**
 * A training run: every epoch's result, the epoch whose weights were kept, and why it stopped.
 */
public record History(List<EpochResult> epochs, int bestEpoch, String stopReason, boolean converged) {
    public History {
        epochs = List.copyOf(epochs);
    }

    public EpochResult last() {
        return epochs.get(epochs.size() - 1);
    }
}
