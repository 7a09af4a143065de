package io.logitnet;

import java.util.Arrays;

/** Two shapes that had to agree did not; both shapes and the operation are in the message and the fields. */
public final class ShapeMismatchException extends LogitNetException {
    private final String operation;
    private final int[] expected;
    private final int[] actual;

    public ShapeMismatchException(String operation, int[] expected, int[] actual) {
        super(operation + ": expected shape " + format(expected) + " but got " + format(actual));
        this.operation = operation;
        this.expected = expected.clone();
        this.actual = actual.clone();
    }

    public String operation() {
        return operation;
    }

    public int[] expected() {
        return expected.clone();
    }

    public int[] actual() {
        return actual.clone();
    }

    static String format(int[] shape) {
        return Arrays.toString(shape);
    }
}
