package io.logitnet.train;

import java.nio.file.Path;

/** Progress of a training run. Every method has an empty default. */
public interface TrainingListener {
    /** Before the first epoch. */
    default void started(String description, int plannedEpochs) {
    }

    /** After each epoch (L-BFGS: after each iteration). */
    default void epoch(EpochResult result) {
    }

    /** After a checkpoint holding the parameters of {@code epoch} (0 for a full-batch fit) was written. */
    default void saved(Path file, int epoch) {
    }

    /** After the last epoch, with why training stopped. */
    default void finished(History history) {
    }

    TrainingListener NONE = new TrainingListener() {
    };
}
