package io.logitnet.spark;

import io.logitnet.InvalidDataException;
import io.logitnet.model.NetworkModel;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Scoring a DataFrame on the executors' devices in batches of rows (a per-row UDF would cross to the device once per
 * row): each partition rebuilds the core model from its {@link ModelSnapshot}, sends {@value #BATCH_ROWS} rows at a
 * time through it, and appends the columns a {@link Columns} makes from each row's outputs.
 */
final class BatchScoring {
    static final int BATCH_ROWS = 4096;

    /** What the network computes for a batch. */
    enum Output {
        /** The output layer before its activation (classifiers' raw predictions). */
        LOGITS,
        /** The model's predictions: the mean of a regression. */
        PREDICTIONS
    }

    /** The values of the new columns of one row, from its outputs at {@code outputs[offset ...]}. */
    @FunctionalInterface
    interface Columns extends Serializable {
        Object[] of(float[] outputs, int offset);
    }

    private BatchScoring() {
    }

    /**
     * {@code dataset} with the columns of {@code out} that it lacks appended, in that order.
     *
     * @param out the output schema: the input's columns, then the new ones
     */
    static Dataset<Row> transform(Dataset<?> dataset, StructType out, String featuresCol, ModelSnapshot snapshot,
                                  String backend, Output output, Columns columns) {
        Dataset<Row> df = dataset.toDF();
        int features = df.schema().fieldIndex(featuresCol);
        int inputs = df.schema().size();
        int added = out.size() - inputs;
        MapPartitionsFunction<Row, Row> score = it -> new Scored(it, features, inputs, added, featuresCol,
                snapshot, backend, output, columns);
        return df.mapPartitions(score, Encoders.row(out));
    }

    /** The outputs of a batch of feature vectors, {@code [rows, outputs]}, computed on this JVM's device. */
    static float[] outputs(NetworkModel<?> model, float[] x, int rows, String backend, Output output) {
        ExecutorDevice device = ExecutorDevice.forTask(backend);
        return device.call((b, cache) -> {
            model.backend(b);
            return output == Output.LOGITS ? model.logits(x, rows) : model.predictRaw(x, rows);
        });
    }

    /** The rows of a partition with their new columns, computed a batch at a time as the rows are read. */
    private static final class Scored implements Iterator<Row> {
        private final Iterator<Row> in;
        private final int features;
        private final int inputs;
        private final int added;
        private final String source;
        private final NetworkModel<?> model;
        private final String backend;
        private final Output output;
        private final Columns columns;
        private final int width;
        private final List<Row> batch = new ArrayList<>();
        private float[] outputs;
        private int next;
        private long seen;

        Scored(Iterator<Row> in, int features, int inputs, int added, String featuresCol, ModelSnapshot snapshot,
               String backend, Output output, Columns columns) {
            this.in = in;
            this.features = features;
            this.inputs = inputs;
            this.added = added;
            this.source = "features column '" + featuresCol + "'";
            this.model = snapshot.model();
            this.backend = backend;
            this.output = output;
            this.columns = columns;
            this.width = snapshot.architecture().outputs();
        }

        @Override
        public boolean hasNext() {
            if (next < batch.size()) {
                return true;
            }
            batch.clear();
            next = 0;
            while (batch.size() < BATCH_ROWS && in.hasNext()) {
                batch.add(in.next());
            }
            if (batch.isEmpty()) {
                return false;
            }
            int d = model.architecture().inputs();
            float[] x = new float[batch.size() * d];
            for (int i = 0; i < batch.size(); i++) {
                Row r = batch.get(i);
                long line = seen + i + 1;
                if (r.isNullAt(features)) {
                    throw new InvalidDataException(source, line, 0, null, "the features are null");
                }
                Vector v = (Vector) r.get(features);
                if (v.size() != d) {
                    throw new InvalidDataException(source, line, 0, null, "a vector of " + v.size()
                            + " values; the model takes " + d);
                }
                TrainingData.copy(v, x, i * d, source, (int) line);
            }
            seen += batch.size();
            outputs = outputs(model, x, batch.size(), backend, output);
            return true;
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Row r = batch.get(next);
            Object[] values = new Object[inputs + added];
            for (int i = 0; i < inputs; i++) {
                values[i] = r.get(i);
            }
            Object[] extra = columns.of(outputs, next * width);
            System.arraycopy(extra, 0, values, inputs, added);
            next++;
            return RowFactory.create(values);
        }
    }
}
