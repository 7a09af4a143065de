package io.logitnet.data;

import io.logitnet.InvalidDataException;

import java.util.List;
import java.util.Random;

/**
 * A small in-memory data set: features {@code x: [rows, cols]} row-major float32, and targets: one value per row
 * (a class index for classifiers, a value or count for regression) or {@code [rows, outputs]} values.
 *
 * @param x            features, row-major, rows × cols values
 * @param rows         number of examples
 * @param cols         number of features
 * @param y            targets, rows × targetCols values
 * @param targetCols   values per row in y (1 for class indices)
 * @param featureNames one name per feature column
 */
public record Dataset(float[] x, int rows, int cols, float[] y, int targetCols, List<String> featureNames) {
    public Dataset {
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("a data set needs at least one row and one column, got ["
                    + rows + ", " + cols + "]");
        }
        if ((long) rows * cols != x.length) {
            throw new IllegalArgumentException("features hold " + x.length + " values, not rows × cols = "
                    + rows + " × " + cols);
        }
        if ((long) rows * targetCols != y.length) {
            throw new IllegalArgumentException("targets hold " + y.length + " values, not rows × targetCols = "
                    + rows + " × " + targetCols);
        }
        if (featureNames == null) {
            featureNames = defaultNames(cols);
        } else if (featureNames.size() != cols) {
            throw new IllegalArgumentException(featureNames.size() + " feature names for " + cols + " columns");
        }
        featureNames = List.copyOf(featureNames);
    }

    /** x1, x2, ... */
    public static List<String> defaultNames(int cols) {
        return java.util.stream.IntStream.rangeClosed(1, cols).mapToObj(i -> "x" + i).toList();
    }

    /** From a float[][] of features and one target per row; checks every value is finite. */
    public static Dataset of(float[][] x, float[] y) {
        if (x.length == 0) {
            throw new InvalidDataException("features array", "no rows");
        }
        if (x.length != y.length) {
            throw new InvalidDataException("targets array", x.length + " feature rows but " + y.length + " targets");
        }
        int cols = x[0].length;
        float[] flat = new float[x.length * cols];
        for (int i = 0; i < x.length; i++) {
            if (x[i].length != cols) {
                throw new InvalidDataException("features array", i + 1, 0, null,
                        "row " + i + " has " + x[i].length + " values, row 0 has " + cols);
            }
            for (int j = 0; j < cols; j++) {
                if (!Float.isFinite(x[i][j])) {
                    throw new InvalidDataException("features array", i + 1, j + 1, String.valueOf(x[i][j]),
                            "feature is not a finite number (row " + i + ", column " + j + ")");
                }
            }
            System.arraycopy(x[i], 0, flat, i * cols, cols);
        }
        for (int i = 0; i < y.length; i++) {
            if (!Float.isFinite(y[i])) {
                throw new InvalidDataException("targets array", i + 1, 0, String.valueOf(y[i]),
                        "target is not a finite number (row " + i + ")");
            }
        }
        return new Dataset(flat, x.length, cols, y.clone(), 1, null);
    }

    /** From a float[][] of features and integer class labels. */
    public static Dataset of(float[][] x, int[] labels) {
        float[] y = new float[labels.length];
        for (int i = 0; i < labels.length; i++) {
            y[i] = labels[i];
        }
        return of(x, y);
    }

    /** The rows at the given indices, in that order. */
    public Dataset subset(int[] indices) {
        float[] sx = new float[indices.length * cols];
        float[] sy = new float[indices.length * targetCols];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(x, indices[i] * cols, sx, i * cols, cols);
            System.arraycopy(y, indices[i] * targetCols, sy, i * targetCols, targetCols);
        }
        return new Dataset(sx, indices.length, cols, sy, targetCols, featureNames);
    }

    /** Rows [from, to). */
    public Dataset range(int from, int to) {
        int[] idx = java.util.stream.IntStream.range(from, to).toArray();
        return subset(idx);
    }

    /** A seeded random permutation of the rows. */
    public Dataset shuffled(long seed) {
        int[] idx = permutation(rows, new Random(seed));
        return subset(idx);
    }

    /** Fisher–Yates permutation of 0..n-1. */
    public static int[] permutation(int n, Random random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** Feature row i as a new array. */
    public float[] row(int i) {
        float[] r = new float[cols];
        System.arraycopy(x, i * cols, r, 0, cols);
        return r;
    }
}
