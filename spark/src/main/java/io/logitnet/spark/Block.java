package io.logitnet.spark;

import java.io.Serializable;

/**
 * Rows of one partition packed for the device: features {@code [rows, cols]} row-major float32 and one target per
 * row (a class index or a value), as the LogitNet core trains on them. Packed once per fit and cached with the
 * RDD's storage level, so iterations never convert rows again.
 */
final class Block implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int rows;
    private final int cols;
    private final float[] x;
    private final float[] y;

    Block(int rows, int cols, float[] x, float[] y) {
        if ((long) rows * cols != x.length || y.length != rows) {
            throw new IllegalArgumentException("a block of " + rows + " × " + cols + " needs " + (long) rows * cols
                    + " features and " + rows + " targets, got " + x.length + " and " + y.length);
        }
        this.rows = rows;
        this.cols = cols;
        this.x = x;
        this.y = y;
    }

    int rows() {
        return rows;
    }

    int cols() {
        return cols;
    }

    /** The features, row-major (not a copy). */
    float[] x() {
        return x;
    }

    /** The targets (not a copy). */
    float[] y() {
        return y;
    }

    /** Bytes the block takes on a device. */
    long bytes() {
        return 4L * (x.length + y.length);
    }
}
