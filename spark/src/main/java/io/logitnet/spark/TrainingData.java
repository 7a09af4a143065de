package io.logitnet.spark;

import io.logitnet.InvalidDataException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A fit's training rows: the label and features columns packed into float {@link Block}s once per fit, persisted
 * at storage level memory-and-disk (as Spark MLlib persists its training instances), and summarized in one
 * distributed pass that also materializes them. {@link #close} unpersists the blocks.
 */
final class TrainingData implements AutoCloseable {
    /** Rows per block for full-batch L-BFGS: few, large device calls (the core trainer's chunk size). */
    static final int FULL_BATCH_ROWS = 16384;
    /** Blocks in one partition's sample for adam and sgd: the granularity of a sample. */
    static final int BLOCKS_PER_SAMPLE = 8;
    /** Rows per block for adam and sgd: at least this many, and at most the full-batch size. */
    private static final int MIN_SAMPLED_ROWS = 16;
    /** At most this many features per block (64 MiB of float32). */
    private static final int MAX_BLOCK_VALUES = 16 << 20;

    /** What the label column must hold. */
    enum Targets {
        CLASS_INDEX("class indices 0, 1, ..., K-1 (as StringIndexer makes them)"),
        VALUE("finite numbers"),
        COUNT("counts for Poisson regression: finite numbers >= 0");

        private final String description;

        Targets(String description) {
            this.description = description;
        }

        boolean valid(double v) {
            return switch (this) {
                case CLASS_INDEX -> v >= 0 && v == Math.rint(v) && v < (1 << 24);
                case VALUE -> Double.isFinite(v);
                case COUNT -> v >= 0 && Double.isFinite(v);
            };
        }
    }

    private final JavaRDD<Block> blocks;
    private final DataSummary summary;
    private final List<String> featureNames;

    private TrainingData(JavaRDD<Block> blocks, DataSummary summary, List<String> featureNames) {
        this.blocks = blocks;
        this.summary = summary;
        this.featureNames = featureNames;
    }

    /**
     * Packs and summarizes the rows of {@code dataset}.
     *
     * @param sampleFraction 0 for full-batch training (large blocks in the partition's order); otherwise the
     *                       fraction of rows adam or sgd samples per iteration: each partition's rows are shuffled
     *                       (seeded) and cut into blocks of about 1/{@value #BLOCKS_PER_SAMPLE} of a sample, so that
     *                       sampling whole blocks samples rows
     * @throws InvalidDataException (inside Spark's job failure) for a null or non-finite feature or a label that
     *                              {@code targets} refuses, naming the column, the partition and the row
     */
    static TrainingData pack(Dataset<?> dataset, String featuresCol, String labelCol, Targets targets,
                             double sampleFraction, long seed) {
        List<String> names = featureNames(dataset, featuresCol);
        JavaRDD<Row> rows = dataset.select(functions.col(labelCol).cast("double"), functions.col(featuresCol))
                .toJavaRDD();
        JavaRDD<Block> blocks = rows.mapPartitionsWithIndex((Integer p, Iterator<Row> it) -> packPartition(p, it,
                featuresCol, labelCol, targets, sampleFraction, seed), true);
        blocks.persist(StorageLevel.MEMORY_AND_DISK());
        try {
            JavaRDD<DataSummary> parts = blocks.mapPartitions(it -> {
                DataSummary s = DataSummary.empty(featuresCol);
                it.forEachRemaining(b -> s.merge(DataSummary.of(b, featuresCol)));
                return List.of(s).iterator();
            }, true);
            DataSummary summary = FixedOrderReduce.reduce(parts, DataSummary::merge);
            if (summary.rows() == 0) {
                throw new IllegalArgumentException("the training data has no rows");
            }
            if (names != null && names.size() != summary.cols()) {
                throw new IllegalArgumentException("features column '" + featuresCol + "' names " + names.size()
                        + " features in its metadata but holds vectors of " + summary.cols());
            }
            return new TrainingData(blocks, summary, names);
        } catch (RuntimeException e) {
            blocks.unpersist(false);
            throw e;
        }
    }

    /** The feature names of the column's ML attributes (VectorAssembler sets them), or null if it has none. */
    static List<String> featureNames(Dataset<?> dataset, String featuresCol) {
        AttributeGroup group = AttributeGroup.fromStructField(dataset.schema().apply(featuresCol));
        if (group.attributes().isEmpty()) {
            return null;
        }
        Attribute[] attrs = group.attributes().get();
        List<String> names = new ArrayList<>();
        for (int j = 0; j < attrs.length; j++) {
            names.add(attrs[j] != null && attrs[j].name().isDefined() ? attrs[j].name().get() : "x" + (j + 1));
        }
        return names;
    }

    private static Iterator<Block> packPartition(int partition, Iterator<Row> it, String featuresCol,
                                                 String labelCol, Targets targets, double sampleFraction,
                                                 long seed) {
        float[] x = new float[0];
        float[] y = new float[0];
        int n = 0;
        int d = -1;
        // errors name the column and the partition as the "file", the row in the partition as the line
        String labels = "label column '" + labelCol + "', partition " + partition;
        String features = "features column '" + featuresCol + "', partition " + partition;
        while (it.hasNext()) {
            Row r = it.next();
            int line = n + 1;
            if (r.isNullAt(0)) {
                throw new InvalidDataException(labels, line, 0, null, "the label is null");
            }
            double label = r.getDouble(0);
            if (!targets.valid(label)) {
                throw new InvalidDataException(labels, line, 0, String.valueOf(label), "labels must be "
                        + targets.description);
            }
            if (r.isNullAt(1)) {
                throw new InvalidDataException(features, line, 0, null, "the features are null");
            }
            Vector v = (Vector) r.get(1);
            if (d < 0) {
                d = v.size();
                int cap = 1024;
                x = new float[cap * d];
                y = new float[cap];
            } else if (v.size() != d) {
                throw new InvalidDataException(features, line, 0, null, "a vector of " + v.size()
                        + " values where the partition's first row has " + d);
            }
            if (n == y.length) {
                y = Arrays.copyOf(y, 2 * n);
                x = Arrays.copyOf(x, 2 * n * d);
            }
            copy(v, x, n * d, features, line);
            y[n] = (float) label;
            n++;
        }
        if (n == 0) {
            return List.<Block>of().iterator();
        }
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (sampleFraction > 0) {
            SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + partition);
            for (int i = n - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        int rowsPerBlock = sampleFraction > 0 ? Math.max(MIN_SAMPLED_ROWS, Math.min(FULL_BATCH_ROWS,
                (int) Math.ceil(sampleFraction * n / BLOCKS_PER_SAMPLE))) : FULL_BATCH_ROWS;
        int per = Math.max(1, Math.min(rowsPerBlock, MAX_BLOCK_VALUES / Math.max(1, d)));
        List<Block> out = new ArrayList<>();
        for (int start = 0; start < n; start += per) {
            int rows = Math.min(per, n - start);
            float[] bx = new float[rows * d];
            float[] by = new float[rows];
            for (int i = 0; i < rows; i++) {
                int src = order[start + i];
                System.arraycopy(x, src * d, bx, i * d, d);
                by[i] = y[src];
            }
            out.add(new Block(rows, d, bx, by));
        }
        return out.iterator();
    }

    /** Writes a vector's values as float32 at {@code offset}; refuses values that are not finite. */
    static void copy(Vector v, float[] x, int offset, String source, int line) {
        if (v instanceof SparseVector s) {
            int[] idx = s.indices();
            double[] val = s.values();
            for (int k = 0; k < idx.length; k++) {
                x[offset + idx[k]] = finite(val[k], idx[k], source, line);
            }
            return;
        }
        double[] val = v instanceof DenseVector dv ? dv.values() : v.toArray();
        for (int j = 0; j < val.length; j++) {
            x[offset + j] = finite(val[j], j, source, line);
        }
    }

    private static float finite(double value, int index, String source, int line) {
        float f = (float) value;
        if (!Float.isFinite(f)) {
            throw new InvalidDataException(source, line, index + 1, String.valueOf(value),
                    "feature " + index + " is not a finite float32 number");
        }
        return f;
    }

    /** The packed rows, persisted. */
    JavaRDD<Block> blocks() {
        return blocks;
    }

    DataSummary summary() {
        return summary;
    }

    /** The features' names from the column's metadata, or null. */
    List<String> featureNames() {
        return featureNames;
    }

    @Override
    public void close() {
        blocks.unpersist(false);
    }
}
