package io.logitnet.model;

import io.logitnet.LogitNetException;

/**
 * A model's output for one input row is NaN or infinite, so it has no prediction for that row (never a silent
 * label): the row's inputs are outside what the model can compute in float32, for example an exp activation or a
 * Poisson mean that overflows.
 */
public final class NonFiniteOutputException extends LogitNetException {
    private final int row;
    private final String cause;

    /**
     * @param row   0-based row of the input
     * @param cause what overflowed, in words
     */
    public NonFiniteOutputException(int row, String cause) {
        super("row " + row + ": the model's output is not a finite number (" + cause + ")");
        this.row = row;
        this.cause = cause;
    }

    /** The 0-based input row. */
    public int row() {
        return row;
    }

    /** What overflowed, in words. */
    public String why() {
        return cause;
    }
}
