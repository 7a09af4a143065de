package io.logitnet.train;

import io.logitnet.LogitNetException;

import java.nio.file.Path;

/**
 * Training stopped because the objective or a parameter became NaN or infinite. No non-finite parameter was kept or
 * written: {@link #checkpoint()} (when there is one) still holds the last epoch whose parameters were finite.
 */
public final class TrainingDivergedException extends LogitNetException {
    private final int epoch;
    private final Path checkpoint;
    private final int savedEpoch;

    /**
     * @param reason     why, with the epoch, e.g. "the training objective is NaN at epoch 1"
     * @param epoch      the epoch at which it diverged (the iteration for L-BFGS)
     * @param checkpoint the checkpoint file being written during the run, or null
     * @param savedEpoch the epoch that file now holds from this run, or -1 if this run wrote none
     */
    public TrainingDivergedException(String reason, int epoch, Path checkpoint, int savedEpoch) {
        super("training diverged: " + reason + (checkpoint == null ? ""
                : savedEpoch >= 0 ? "; " + checkpoint + " holds the parameters of epoch " + savedEpoch
                + ", the last ones that were finite"
                : "; nothing was written to " + checkpoint + " (it is as it was before this run)"));
        this.epoch = epoch;
        this.checkpoint = checkpoint;
        this.savedEpoch = savedEpoch;
    }

    public int epoch() {
        return epoch;
    }

    /** The checkpoint file of the run, or null. */
    public Path checkpoint() {
        return checkpoint;
    }

    /** The epoch the checkpoint holds from this run, or -1 when this run wrote none. */
    public int savedEpoch() {
        return savedEpoch;
    }
}
