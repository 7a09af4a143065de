package io.logitnet.data;

import io.logitnet.InvalidDataException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A CSV training file streamed in passes, for files larger than memory. {@link #open} reads the file once: the
 * rows, the class labels, the feature encoding (numeric and one-hot columns, as {@link CsvReader#readTraining}
 * decides them) and the standardization statistics (mean and population standard deviation of every model input,
 * as {@link Standardizer#fit} computes them for a data set in memory). Each {@link #epoch} then reads the file
 * again on threads of its own (a reading thread, the parsing threads, and one that fills batches), a few batches
 * ahead of the trainer, through a bounded queue.
 *
 * <p><b>Shuffling:</b> rows go, in file order, into a window of {@link #windowRows()} rows; each full window (and
 * the last, partial one) is permuted with the epoch's generator ({@link Dataset#permutation}, drawn window after
 * window from the one generator), and the permuted rows are cut into batches, a batch running on into the next
 * window. So a row moves at most a window away, the order is exact and deterministic for a given seed, and with a
 * window of at least {@link #rows()} rows it is the same permutation, hence the same batches, as a
 * {@link io.logitnet.train.Trainer} makes in memory from the same generator.
 *
 * <p><b>Memory</b> held while an epoch runs ({@link #residentBytes}): the window, a few batches, one block's rows
 * and four text blocks of a few megabytes; not the data set.
 */
public final class CsvBatchSource implements BatchSource {
    /** Bytes of the default shuffle window (features and targets as float32). */
    public static final long DEFAULT_WINDOW_BYTES = 64L << 20;
    /** Batches prepared ahead of the trainer. */
    static final int AHEAD = 3;

    /**
     * How to stream.
     *
     * @param standardize whether batches hold standardized inputs ({@link #scaling()} then says how)
     * @param windowRows  rows per shuffle window; 0 for as many as {@link #DEFAULT_WINDOW_BYTES} hold (at most an
     *                    eighth of the heap)
     */
    public record Options(boolean standardize, int windowRows) {
        public Options {
            if (windowRows < 0) {
                throw new IllegalArgumentException("window rows must be >= 0 (0: default), got " + windowRows);
            }
        }

        /** Standardized, the default window. */
        public static Options defaults() {
            return new Options(true, 0);
        }
    }

    private final CsvInput input;
    private final CsvTuning tuning;
    private final Target target;
    private final FeatureEncoding encoding;
    private final ClassLabels classes;
    private final double[][] scaling;
    private final long rows;
    private final int windowRows;
    private final int unitRows;
    private final List<Epoch> epochs = new ArrayList<>();
    /** The window of the last epoch, for the next one. */
    private float[][] spareWindow;

    private CsvBatchSource(CsvInput input, CsvTuning tuning, Target target, FeatureEncoding encoding, ClassLabels classes,
                           double[][] scaling, long rows, int windowRows, int unitRows) {
        this.input = input;
        this.tuning = tuning;
        this.target = target;
        this.encoding = encoding;
        this.classes = classes;
        this.scaling = scaling;
        this.rows = rows;
        this.windowRows = windowRows;
        this.unitRows = unitRows;
    }

    /**
     * Reads the file once for its rows, labels, encoding and statistics.
     *
     * @throws InvalidDataException as {@link CsvReader#readTraining} for the same file
     */
    public static CsvBatchSource open(Path file, Target target, FeatureSelection features, Options options) {
        return open(file, target, features, options, CsvTuning.DEFAULT);
    }

    static CsvBatchSource open(Path file, Target target, FeatureSelection features, Options options,
                               CsvTuning tuning) {
        CsvInput input = CsvInput.of(file);
        try (CsvLoad load = CsvLoad.open(input, tuning)) {
            CsvLoad.Header h = load.header();
            int[] cols = features.resolve(h, target.column());
            CsvLoad.Plan plan = CsvReader.trainingPlan(h, target, cols);
            Statistics stats = new Statistics(cols.length, plan.specs().size());
            load.run(plan, stats);
            CsvLoad.ColumnData[] data = load.columns();
            CsvReader.Encoded enc = CsvReader.encoding(h.source(), data, cols.length);
            long n = load.rows();
            ClassLabels classes = target.labels();
            if (target.kind() == Target.Kind.CLASSES && classes == null) {
                CsvLoad.ColumnData t = data[cols.length];
                classes = ClassLabels.of(h.source(), t.spec.index() + 1, target.column(), t.texts(), n);
            }
            Target known = classes == null ? target : Target.classes(target.column(), classes);
            double[][] scaling = options.standardize() ? stats.scaling(enc, data, n) : null;
            int width = enc.encoding().width();
            long windowBytes = Math.min(DEFAULT_WINDOW_BYTES, Runtime.getRuntime().maxMemory() / 8);
            int window = options.windowRows() > 0 ? options.windowRows()
                    : (int) Math.max(1, Math.min(n, windowBytes / (4L * (width + 1))));
            if ((long) window * width > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("a window of " + window + " rows × " + width
                        + " inputs is too large for one float array");
            }
            return new CsvBatchSource(input, tuning, known, enc.encoding(), classes, scaling, n, window, stats.maxUnitRows);
        }
    }

    @Override
    public int cols() {
        return encoding.width();
    }

    @Override
    public int targetCols() {
        return 1;
    }

    @Override
    public long rows() {
        return rows;
    }

    @Override
    public List<String> featureNames() {
        return encoding.featureNames();
    }

    /** How the feature columns became inputs (store it with the model). */
    public FeatureEncoding encoding() {
        return encoding;
    }

    /** The class labels, or null for a regression. */
    public ClassLabels classes() {
        return classes;
    }

    /**
     * {means, standard deviations} of the inputs, by which batches are standardized ({@link Standardizer#fold}
     * takes them to rewrite a trained first layer for raw inputs); null when not standardized.
     */
    public double[][] scaling() {
        return scaling == null ? null : new double[][] {scaling[0].clone(), scaling[1].clone()};
    }

    /** Rows per shuffle window. */
    public int windowRows() {
        return windowRows;
    }

    /**
     * Bytes this source holds while an epoch of batches of {@code batchSize} rows runs: the shuffle window, the
     * batches prepared ahead (and the one in use), one block's parsed rows and four text blocks.
     */
    public long residentBytes(int batchSize) {
        long row = 4L * (cols() + targetCols());
        return row * ((long) windowRows + (long) (AHEAD + 2) * batchSize + unitRows) + 4L * tuning.blockBytes();
    }

    @Override
    public synchronized Batches epoch(Random shuffle, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        Epoch e = new Epoch(shuffle, batchSize);
        epochs.add(e);
        e.start();
        return e;
    }

    @Override
    public void close() {
        List<Epoch> open;
        synchronized (this) {
            open = new ArrayList<>(epochs);
        }
        for (Epoch e : open) {
            e.close();
        }
    }

    private synchronized float[][] takeWindow() {
        float[][] w = spareWindow;
        spareWindow = null;
        return w != null ? w : new float[][] {new float[windowRows * cols()], new float[windowRows]};
    }

    private synchronized void closed(Epoch e, float[][] window) {
        epochs.remove(e);
        spareWindow = window;
    }

    /** The first pass: means and squared deviations (Welford, in file order) of every feature slot. */
    private static final class Statistics implements CsvLoad.Rows {
        private final int features;
        private final int columns;
        private final double[] mean;
        private final double[] m2;
        private float[] x = new float[0];
        private float[] y = new float[0];
        private long count;
        private int maxUnitRows;

        Statistics(int features, int columns) {
            this.features = features;
            this.columns = columns;
            this.mean = new double[features];
            this.m2 = new double[features];
        }

        @Override
        public RowParser.UnitOut open(long base, int n) {
            if (x.length < n * features) {
                x = new float[n * features];
                y = new float[n];
            }
            maxUnitRows = Math.max(maxUnitRows, n);
            return new RowParser.UnitOut(new float[][] {x, y}, new int[] {features, 1}, 0, n, columns, false);
        }

        @Override
        public void done(RowParser.UnitOut out, long base, int n) {
            for (int i = 0; i < n; i++) {
                count++;
                double inv = 1.0 / count;
                for (int k = 0, at = i * features; k < features; k++, at++) {
                    double delta = x[at] - mean[k];
                    mean[k] += delta * inv;
                    m2[k] += delta * (x[at] - mean[k]);
                }
            }
        }

        /** Per input: numeric columns from their values, one-hot inputs from their levels' counts. */
        double[][] scaling(CsvReader.Encoded enc, CsvLoad.ColumnData[] data, long n) {
            int width = enc.encoding().width();
            double[][] s = new double[2][width];
            int at = 0;
            for (int k = 0; k < features; k++) {
                FeatureEncoding.Column c = enc.encoding().columns().get(k);
                if (c.numeric()) {
                    s[0][at] = mean[k];
                    s[1][at] = Standardizer.deviation(mean[k], Math.sqrt(m2[k] / n));
                    at++;
                    continue;
                }
                int[] levelOf = enc.levelOf()[k];
                for (int code = 0; code < levelOf.length; code++) {
                    double p = data[k].counts[code] / (double) n;
                    s[0][at + levelOf[code]] = p;
                    s[1][at + levelOf[code]] = Standardizer.deviation(p, Math.sqrt(p * (1 - p)));
                }
                at += c.width();
            }
            return s;
        }
    }

    /** One epoch: a thread reads the file into the window and cuts the permuted windows into batches. */
    private final class Epoch implements Batches, CsvLoad.Rows {
        private final Random shuffle;
        private final int batchSize;
        private final int width;
        private final BlockingQueue<Object> ready = new ArrayBlockingQueue<>(AHEAD);
        private final BlockingQueue<Batch> free = new ArrayBlockingQueue<>(AHEAD + 2);
        private final float[] wx;
        private final float[] wy;
        private final Thread thread;
        private float[] ux = new float[0];
        private float[] uy = new float[0];
        private int inWindow;
        private Batch filling;
        private int filled;
        private long seen;
        private Batch handed;
        private boolean ended;
        private volatile boolean closed;

        Epoch(Random shuffle, int batchSize) {
            this.shuffle = shuffle;
            this.batchSize = batchSize;
            this.width = encoding.width();
            float[][] window = takeWindow();
            this.wx = window[0];
            this.wy = window[1];
            for (int i = 0; i < AHEAD + 2; i++) {
                free.add(new Batch(new float[batchSize * width], new float[batchSize], batchSize));
            }
            this.thread = new Thread(this::produce, "logitnet-csv-batches");
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        @Override
        public Batch next() {
            if (ended) {
                return null;
            }
            if (handed != null) {
                free.add(handed);
                handed = null;
            }
            Object o;
            try {
                o = ready.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a batch of " + input.source(), e);
            }
            if (o instanceof RuntimeException e) {
                ended = true;
                throw e;
            }
            if (o instanceof Error e) {
                ended = true;
                throw e;
            }
            if (o == ready) {
                ended = true;
                return null;
            }
            handed = (Batch) o;
            return handed;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            thread.interrupt();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            closed(this, thread.isAlive() ? null : new float[][] {wx, wy});
        }

        private void produce() {
            try (CsvLoad load = CsvLoad.open(input, tuning)) {
                load.run(CsvReader.encodedPlan(load.header(), encoding, target), this);
                flushWindow();
                if (filled > 0) {
                    emit(new Batch(filling.x(), filling.y(), filled));
                }
                if (seen != rows) {
                    throw new InvalidDataException(input.source(), "the file changed while training: it had " + rows
                            + " rows in the first pass and " + seen + " now");
                }
                offer(ready);
            } catch (RuntimeException | Error e) {
                if (!closed) {
                    offer(e);
                }
            } catch (InterruptedException e) {
                // closed
            }
        }

        @Override
        public RowParser.UnitOut open(long base, int n) {
            if (ux.length < n * width) {
                ux = new float[n * width];
                uy = new float[n];
            }
            return new RowParser.UnitOut(new float[][] {ux, uy}, new int[] {width, 1}, 0, n,
                    encoding.columns().size() + 1, false);
        }

        @Override
        public void done(RowParser.UnitOut out, long base, int n) {
            try {
                for (int i = 0; i < n; i++) {
                    int from = i * width;
                    int to = inWindow * width;
                    if (scaling == null) {
                        System.arraycopy(ux, from, wx, to, width);
                    } else {
                        for (int k = 0; k < width; k++) {
                            wx[to + k] = (float) ((ux[from + k] - scaling[0][k]) / scaling[1][k]);
                        }
                    }
                    wy[inWindow] = uy[i];
                    inWindow++;
                    seen++;
                    if (inWindow == windowRows) {
                        flushWindow();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("closed", e);
            }
        }

        /** Permutes the window's rows and copies them, in that order, into batches. */
        private void flushWindow() throws InterruptedException {
            if (inWindow == 0) {
                return;
            }
            int[] order = shuffle == null ? null : Dataset.permutation(inWindow, shuffle);
            for (int i = 0; i < inWindow; i++) {
                int r = order == null ? i : order[i];
                if (filling == null) {
                    filling = free.take();
                    filled = 0;
                }
                System.arraycopy(wx, r * width, filling.x(), filled * width, width);
                filling.y()[filled] = wy[r];
                filled++;
                if (filled == batchSize) {
                    emit(filling);
                }
            }
            inWindow = 0;
        }

        private void emit(Batch b) throws InterruptedException {
            ready.put(b.rows() == filled ? b : new Batch(b.x(), b.y(), filled));
            filling = null;
            filled = 0;
        }

        private void offer(Object o) {
            try {
                ready.put(o);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
