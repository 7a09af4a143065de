package io.logitnet.train;

/** Progress of a training run. Every method has an empty default. */
public interface TrainingListener {
    /** Before the first epoch. */
    default void started(String description, int plannedEpochs) {
    }

    /** After each epoch (L-BFGS: after each iteration). */
    default void epoch(EpochResult result) {
    }

    /** After the last epoch, with why training stopped. */
    default void finished(History history) {
    }

    TrainingListener NONE = new TrainingListener() {
    };
}
