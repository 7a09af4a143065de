package io.logitnet.data;

import java.util.List;
import java.util.Random;

/**
 * Training data delivered in mini-batches, epoch after epoch, without the whole data set in memory: what a
 * mini-batch trainer needs from a file larger than the heap ({@link CsvBatchSource}). Batches of an epoch are
 * prepared on other threads while the caller trains on the current one.
 */
public interface BatchSource extends AutoCloseable {
    /** Features per row. */
    int cols();

    /** Target values per row (1: a class index or a value). */
    int targetCols();

    /** Rows per epoch. */
    long rows();

    /** One name per feature. */
    List<String> featureNames();

    /**
     * The batches of one epoch.
     *
     * @param shuffle   the order of the epoch's rows comes from this generator (the same seed gives the same
     *                  batches); null: file order
     * @param batchSize rows per batch; the last batch of the epoch may have fewer
     */
    Batches epoch(Random shuffle, int batchSize);

    /** Stops every thread and releases the input. */
    @Override
    void close();

    /** The batches of one epoch, in order. */
    interface Batches extends AutoCloseable {
        /**
         * The next batch, or null after the last. Its arrays are valid until the next call (they are reused).
         *
         * @throws io.logitnet.InvalidDataException for a problem in the data met while preparing the batch
         */
        Batch next();

        /** Stops preparing batches (an epoch may be left early). */
        @Override
        void close();
    }

    /**
     * A batch: {@code x} holds {@code rows × cols} features row-major, {@code y} {@code rows × targetCols} targets,
     * both from index 0 (the arrays may be longer).
     */
    record Batch(float[] x, float[] y, int rows) {
    }
}
