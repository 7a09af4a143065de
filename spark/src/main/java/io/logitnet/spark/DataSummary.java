package io.logitnet.spark;

import java.io.Serializable;

/**
 * What one distributed pass over the packed rows learns: the row count, the feature width, each feature's mean and
 * sum of squared deviations (merged across partitions with Chan, Golub and LeVeque's pairwise update, exact per block
 * by two passes), and the smallest and largest target. Merged in partition order, so the result depends only on the
 * data and its partitioning.
 */
final class DataSummary implements Serializable {
    private static final long serialVersionUID = 1L;

    private long rows;
    private int cols = -1;
    private double[] mean = new double[0];
    private double[] m2 = new double[0];
    private double minTarget = Double.POSITIVE_INFINITY;
    private double maxTarget = Double.NEGATIVE_INFINITY;
    private String featuresCol = "";

    /** Nothing: the summary of an empty partition. */
    static DataSummary empty(String featuresCol) {
        DataSummary s = new DataSummary();
        s.featuresCol = featuresCol;
        return s;
    }

    /** The exact summary of one block: means, then squared deviations from them. */
    static DataSummary of(Block b, String featuresCol) {
        DataSummary s = empty(featuresCol);
        int n = b.rows();
        int d = b.cols();
        float[] x = b.x();
        s.rows = n;
        s.cols = d;
        s.mean = new double[d];
        s.m2 = new double[d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                s.mean[j] += x[i * d + j];
            }
        }
        for (int j = 0; j < d; j++) {
            s.mean[j] /= n;
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                double v = x[i * d + j] - s.mean[j];
                s.m2[j] += v * v;
            }
        }
        for (float t : b.y()) {
            s.minTarget = Math.min(s.minTarget, t);
            s.maxTarget = Math.max(s.maxTarget, t);
        }
        return s;
    }

    /** Adds {@code other} (the rows after this one's) to this summary and returns it. */
    DataSummary merge(DataSummary other) {
        if (other.rows == 0) {
            return this;
        }
        if (rows == 0) {
            rows = other.rows;
            cols = other.cols;
            mean = other.mean.clone();
            m2 = other.m2.clone();
            minTarget = other.minTarget;
            maxTarget = other.maxTarget;
            return this;
        }
        if (other.cols != cols) {
            throw new IllegalArgumentException("features column '" + featuresCol + "' holds vectors of " + cols
                    + " and of " + other.cols + " values: every row needs the same number of features");
        }
        double n = rows + other.rows;
        for (int j = 0; j < cols; j++) {
            double delta = other.mean[j] - mean[j];
            mean[j] += delta * other.rows / n;
            m2[j] += other.m2[j] + delta * delta * rows * (other.rows / n);
        }
        rows += other.rows;
        minTarget = Math.min(minTarget, other.minTarget);
        maxTarget = Math.max(maxTarget, other.maxTarget);
        return this;
    }

    long rows() {
        return rows;
    }

    int cols() {
        return cols;
    }

    double minTarget() {
        return minTarget;
    }

    double maxTarget() {
        return maxTarget;
    }

    /**
     * {means, standard deviations} as {@link io.logitnet.data.Standardizer#fit} defines them (population standard
     * deviation; a constant feature gets 1 and is only centered), for the same folding into the first layer.
     */
    double[][] scaling() {
        double[] sd = new double[cols];
        for (int j = 0; j < cols; j++) {
            sd[j] = Math.sqrt(m2[j] / rows);
            if (!(sd[j] > 1e-12 * Math.max(1, Math.abs(mean[j])))) {
                sd[j] = 1;
            }
        }
        return new double[][] {mean.clone(), sd};
    }
}
