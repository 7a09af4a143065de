package io.logitnet.backend;

import io.logitnet.ShapeMismatchException;

/**
 * Argument checks every backend applies identically before it touches a device: one method per operation, so that
 * the three backends cannot drift apart in what they accept or in how they say no.
 */
public final class Checks {
    private Checks() {
    }

    /** The tensor belongs to this backend and is open. */
    public static void owned(Backend backend, Tensor t, String what) {
        if (t == null) {
            throw new IllegalArgumentException(what + " is null");
        }
        if (t.backend() != backend) {
            throw new IllegalArgumentException(what + " belongs to backend " + t.backend().instanceName()
                    + ", not to " + backend.instanceName() + ": copy it with download/upload first");
        }
        if (t.isClosed()) {
            throw new IllegalStateException(what + " has been closed");
        }
    }

    /** {@code actual} has the shape of {@code expected}. */
    public static void sameShape(String op, Tensor expected, Tensor actual) {
        if (expected.rows() != actual.rows() || expected.cols() != actual.cols()) {
            throw new ShapeMismatchException(op, expected.shape(), actual.shape());
        }
    }

    /** {@code t} is {@code [rows, cols]}. */
    public static void shape(String op, Tensor t, int rows, int cols) {
        if (t.rows() != rows || t.cols() != cols) {
            throw new ShapeMismatchException(op, new int[] {rows, cols}, t.shape());
        }
    }

    /** A tensor of {@code [rows, cols]} can exist: both positive, at most 2^31-1 elements. */
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

    /** {@code count} elements from {@code offset} lie inside {@code array}. */
    public static void range(float[] array, int offset, long count, String what) {
        if (offset < 0 || offset + count > array.length) {
            throw new IllegalArgumentException(what + ": range [" + offset + ", " + (offset + count)
                    + ") is outside an array of length " + array.length);
        }
    }

    /** {@link Backend#copy}: dst has the shape of src. */
    public static void copy(Tensor src, Tensor dst) {
        sameShape("copy", src, dst);
    }

    /** {@link Backend#addRowVector}: bias is {@code [1, x.cols]}. */
    public static void addRowVector(Tensor x, Tensor bias) {
        shape("addRowVector bias", bias, 1, x.cols());
    }

    /** {@link Backend#biasActivation}: bias is {@code [1, z.cols]}, y has the shape of z. */
    public static void biasActivation(Tensor z, Tensor bias, Tensor y) {
        shape("biasActivation bias", bias, 1, z.cols());
        sameShape("biasActivation y", z, y);
    }

    /** {@link Backend#prefixRows}: 1 ≤ rows ≤ t.rows. */
    public static void prefixRows(Tensor t, int rows) {
        if (rows < 1 || rows > t.rows()) {
            throw new IllegalArgumentException("a view of " + rows + " rows of tensor [" + t.rows() + ", " + t.cols()
                    + "]: rows must be in [1, " + t.rows() + "]");
        }
    }

    /** {@link Backend#columnSums}: out is {@code [1, x.cols]}. */
    public static void columnSums(Tensor x, Tensor out) {
        shape("columnSums out", out, 1, x.cols());
    }

    /** {@link Backend#activationForward}: y has the shape of z. */
    public static void activationForward(Tensor z, Tensor y) {
        sameShape("activationForward", z, y);
    }

    /** {@link Backend#activationBackward}: dy and dz have the shape of y. */
    public static void activationBackward(Tensor y, Tensor dy, Tensor dz) {
        sameShape("activationBackward dy", y, dy);
        sameShape("activationBackward dz", y, dz);
    }

    /** {@link Backend#softmaxRows}: y has the shape of z. */
    public static void softmaxRows(Tensor z, Tensor y) {
        sameShape("softmaxRows", z, y);
    }

    /** {@link Backend#axpy}: y has the shape of x. */
    public static void axpy(Tensor x, Tensor y) {
        sameShape("axpy", x, y);
    }

    /** {@link Backend#dot}: y has the shape of x. */
    public static void dot(Tensor x, Tensor y) {
        sameShape("dot", x, y);
    }

    /** {@link Backend#sgdUpdate}: grad, and the velocity when momentum is not 0, have the shape of param. */
    public static void sgdUpdate(Tensor param, Tensor grad, Tensor velocity, float momentum) {
        sameShape("sgdUpdate grad", param, grad);
        if (momentum != 0f) {
            if (velocity == null) {
                throw new IllegalArgumentException("sgdUpdate with momentum " + momentum
                        + " needs a velocity tensor; got null");
            }
            sameShape("sgdUpdate velocity", param, velocity);
        }
    }

    /** {@link Backend#adamUpdate}: grad, m and v have the shape of param; step is at least 1. */
    public static void adamUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, long step) {
        sameShape("adamUpdate grad", param, grad);
        sameShape("adamUpdate m", param, m);
        sameShape("adamUpdate v", param, v);
        if (step < 1) {
            throw new IllegalArgumentException("adam step must be >= 1, got " + step);
        }
    }
}
