package io.logitnet.spark;

import io.logitnet.data.Dataset;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.ml.linalg.SQLDataTypes;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One Spark session for every test class of the module (a session takes seconds to start): {@code local[2,2]}, two
 * task threads and a second attempt for a failed task (what the retry test needs), no UI, few shuffle partitions.
 */
final class SparkTests {
    private static SparkSession session;

    private SparkTests() {
    }

    static synchronized SparkSession spark() {
        if (session == null) {
            session = SparkSession.builder()
                    .master("local[2,2]")
                    .appName("logitnet-spark-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "4")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.driver.host", "127.0.0.1")
                    .getOrCreate();
            session.sparkContext().setLogLevel("WARN");
        }
        return session;
    }

    /** A core data set as a DataFrame (label double, features vector) in {@code partitions} partitions. */
    static org.apache.spark.sql.Dataset<Row> frame(Dataset d, int partitions) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < d.rows(); i++) {
            double[] x = new double[d.cols()];
            for (int j = 0; j < d.cols(); j++) {
                x[j] = d.x()[i * d.cols() + j];
            }
            rows.add(RowFactory.create((double) d.y()[i], Vectors.dense(x)));
        }
        StructType schema = new StructType(new StructField[] {
            new StructField("label", DataTypes.DoubleType, false, Metadata.empty()),
            new StructField("features", SQLDataTypes.VectorType(), false, Metadata.empty())});
        return spark().createDataFrame(rows, schema).repartition(partitions).cache();
    }

    /**
     * Three classes in 4 features with overlap (so that no class separates perfectly and the optimum is finite),
     * features on different scales and with non-zero means (so that standardization matters).
     */
    static Dataset threeClasses(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * 4];
        float[] y = new float[n];
        double[][] centers = {{0, 0, 0, 0}, {1.2, -0.8, 0.5, 0}, {-0.6, 1.1, -0.9, 0.4}};
        double[] scale = {1, 3, 0.2, 10};
        double[] shift = {5, -2, 0.5, 40};
        for (int i = 0; i < n; i++) {
            int k = i % 3;
            for (int j = 0; j < 4; j++) {
                x[i * 4 + j] = (float) ((centers[k][j] + r.nextGaussian()) * scale[j] + shift[j]);
            }
            y[i] = k;
        }
        return new Dataset(x, n, 4, y, 1, List.of("a", "b", "c", "d"));
    }

    /** The first two of {@link #threeClasses}' classes: a binary problem. */
    static Dataset twoClasses(int n, long seed) {
        Dataset three = threeClasses(n * 3 / 2 + 3, seed);
        int[] keep = java.util.stream.IntStream.range(0, three.rows()).filter(i -> three.y()[i] < 2).limit(n)
                .toArray();
        return three.subset(keep);
    }

    /** Largest |a - b| / max(|b|, floor) over the elements. */
    static double maxRelative(double[] a, double[] b, double floor) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), floor));
        }
        return worst;
    }

    static double maxAbs(double[] v) {
        double m = 0;
        for (double x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    static double[] toDouble(float[] v) {
        return LogitNetClassificationModel.toDouble(v);
    }
}
