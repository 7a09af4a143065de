package io.logitnet.model;

/** Something that assigns class indices 0..K-1 with probabilities. */
public interface Classifier {
    /** The most probable class of each row. */
    int[] predict(float[][] x);

    /** {@code [rows, K]} class probabilities; each row sums to 1. */
    float[][] predictProba(float[][] x);

    int classCount();
}
