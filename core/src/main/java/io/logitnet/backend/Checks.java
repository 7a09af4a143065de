package io.logitnet.backend;

import io.logitnet.ShapeMismatchException;

/** Argument checks every backend applies identically before it touches a device. */
public final class Checks {
    private Checks() {
    }

    /** The tensor belongs to this backend and is open. */
    public static void owned(Backend backend, Tensor t, String what) {
        if (t == null) {
            throw new IllegalArgumentException(what + " is null");
        }
        if (t.backend() != backend) {
            throw new IllegalArgumentException(what + " belongs to backend " + t.backend().name()
                    + ", not to " + backend.name() + ": copy it with download/upload first");
        }
        if (t.isClosed()) {
            throw new IllegalStateException(what + " has been closed");
        }
    }

    public static void sameShape(String op, Tensor expected, Tensor actual) {
        if (expected.rows() != actual.rows() || expected.cols() != actual.cols()) {
            throw new ShapeMismatchException(op, expected.shape(), actual.shape());
        }
    }

    public static void shape(String op, Tensor t, int rows, int cols) {
        if (t.rows() != rows || t.cols() != cols) {
            throw new ShapeMismatchException(op, new int[] {rows, cols}, t.shape());
        }
    }

    public static void dims(int rows, int cols) {
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("tensor dimensions must be positive: [" + rows + ", " + cols + "]");
        }
        if ((long) rows * cols > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor [" + rows + ", " + cols + "] has more than 2^31-1 elements");
        }
    }

    /** Checks a gemm call's shapes and returns {m, n, k}. */
    public static int[] gemm(boolean transA, boolean transB, Tensor a, Tensor b, Tensor c) {
        int m = transA ? a.cols() : a.rows();
        int ka = transA ? a.rows() : a.cols();
        int kb = transB ? b.cols() : b.rows();
        int n = transB ? b.rows() : b.cols();
        if (ka != kb) {
            throw new ShapeMismatchException("gemm: inner dimensions of op(A) " + (transA ? "(A transposed)" : "")
                    + " and op(B) " + (transB ? "(B transposed)" : ""),
                    new int[] {m, ka}, new int[] {kb, n});
        }
        if (c.rows() != m || c.cols() != n) {
            throw new ShapeMismatchException("gemm: output C", new int[] {m, n}, c.shape());
        }
        return new int[] {m, n, ka};
    }

    /** Checks a fused loss call's shapes. */
    public static void loss(Loss loss, Tensor logits, Tensor targets, Tensor grad, Tensor rowLoss) {
        if (loss.targetsAreClassIndices()) {
            shape("loss targets (class indices)", targets, logits.rows(), 1);
        } else {
            sameShape("loss targets", logits, targets);
        }
        if (grad != null) {
            sameShape("loss gradient", logits, grad);
        }
        shape("row losses", rowLoss, logits.rows(), 1);
    }

    public static void range(float[] array, int offset, long count, String what) {
        if (offset < 0 || offset + count > array.length) {
            throw new IllegalArgumentException(what + ": range [" + offset + ", " + (offset + count)
                    + ") is outside an array of length " + array.length);
        }
    }
}
