package io.logitnet.model;

import io.logitnet.InvalidDataException;
import io.logitnet.ShapeMismatchException;
import io.logitnet.backend.Backend;
import io.logitnet.backend.Tensor;
import io.logitnet.data.Dataset;
import io.logitnet.data.Standardizer;
import io.logitnet.nn.Architecture;
import io.logitnet.nn.Init;
import io.logitnet.nn.Network;
import io.logitnet.train.History;
import io.logitnet.train.OptimizerSpec;
import io.logitnet.train.TrainConfig;
import io.logitnet.train.Trainer;
import io.logitnet.train.TrainingListener;

import java.util.ArrayList;
import java.util.List;

/**
 * What every model shares: a training configuration, a backend, and after {@code fit} the fitted parameters on the
 * host (so a fitted model holds no device memory; predictions run in batches on the backend).
 *
 * @param <M> the concrete model, for fluent setters
 */
public abstract class NetworkModel<M extends NetworkModel<M>> {
    /** Rows per batch when predicting. */
    private static final int PREDICT_BATCH = 4096;

    protected TrainConfig config;
    private Backend backend;
    private TrainingListener listener = TrainingListener.NONE;
    private boolean standardize;
    protected Architecture architecture;
    protected List<float[]> weights;
    protected List<float[]> biases;
    protected History history;

    protected NetworkModel(TrainConfig config) {
        this.config = config;
    }

    @SuppressWarnings("unchecked")
    private M self() {
        return (M) this;
    }

    /** Runs on this backend (the caller keeps ownership) instead of the process default. */
    public M backend(Backend b) {
        this.backend = b;
        return self();
    }

    public M config(TrainConfig c) {
        this.config = c;
        return self();
    }

    public M listener(TrainingListener l) {
        this.listener = l == null ? TrainingListener.NONE : l;
        return self();
    }

    /** objective = mean loss + (l2/2)·Σw² over weights, not biases. */
    public M l2(float l2) {
        config = config.withL2(l2);
        return self();
    }

    public M seed(long seed) {
        config = config.withSeed(seed);
        return self();
    }

    public M optimizer(OptimizerSpec spec) {
        config = config.withOptimizer(spec);
        return self();
    }

    public M epochs(int epochs) {
        config = config.withEpochs(epochs);
        return self();
    }

    public M batchSize(int batchSize) {
        config = config.withBatchSize(batchSize);
        return self();
    }

    public M maxIterations(int maxIterations) {
        config = config.withMaxIterations(maxIterations);
        return self();
    }

    public M tolerance(double tolerance) {
        config = config.withTolerance(tolerance);
        return self();
    }

    public M validationSplit(double fraction) {
        config = config.withValidationSplit(fraction);
        return self();
    }

    /**
     * Trains on features scaled to mean 0 and standard deviation 1 (constant features are only centered), then
     * folds the scaling into the first layer, so the fitted model takes raw features, its coefficients are in raw
     * units, and the saved weights load into PyTorch unchanged. The L2 penalty then applies to the standardized
     * coefficients, as in a scikit-learn pipeline with a StandardScaler.
     */
    public M standardize(boolean on) {
        this.standardize = on;
        return self();
    }

    public TrainConfig trainConfig() {
        return config;
    }

    protected Backend backend() {
        return backend != null ? backend : DefaultBackend.get();
    }

    /** The backend given with {@link #backend(Backend)}, or null for the process default. */
    protected Backend explicitBackend() {
        return backend;
    }

    /** The last fit's epochs and why it stopped; null before fit. */
    public History history() {
        return history;
    }

    public Architecture architecture() {
        requireFitted();
        return architecture;
    }

    public boolean isFitted() {
        return weights != null;
    }

    /** Layer i's weight {@code [out, in]} row-major (a copy). */
    public float[] weight(int layer) {
        requireFitted();
        return weights.get(layer).clone();
    }

    /** Layer i's bias {@code [out]} (a copy). */
    public float[] bias(int layer) {
        requireFitted();
        return biases.get(layer).clone();
    }

    /** Installs parameters directly (e.g. from a checkpoint or another model). */
    protected void setParameters(Architecture arch, List<float[]> w, List<float[]> b) {
        for (int i = 0; i < arch.layerCount(); i++) {
            int in = arch.sizes().get(i);
            int out = arch.sizes().get(i + 1);
            if (w.get(i).length != in * out || b.get(i).length != out) {
                throw new ShapeMismatchException("layer " + i + " parameters", new int[] {out, in},
                        new int[] {w.get(i).length / Math.max(1, in), b.get(i).length});
            }
        }
        this.architecture = arch;
        this.weights = copy(w);
        this.biases = copy(b);
    }

    private static List<float[]> copy(List<float[]> list) {
        List<float[]> out = new ArrayList<>();
        for (float[] a : list) {
            out.add(a.clone());
        }
        return out;
    }

    /** Trains a new network of this architecture and keeps its parameters. */
    protected History train(Architecture arch, Dataset data, Init init, boolean allowSymmetric) {
        Backend b = backend();
        double[][] scaling = standardize ? Standardizer.fit(data) : null;
        Dataset trainData = scaling == null ? data : Standardizer.apply(data, scaling);
        try (Network net = Network.create(b, arch, init, config.seed(), allowSymmetric)) {
            History h = new Trainer(config, listener).fit(net, trainData);
            List<float[]> w = new ArrayList<>();
            List<float[]> bs = new ArrayList<>();
            for (int i = 0; i < arch.layerCount(); i++) {
                w.add(net.weight(i));
                bs.add(net.bias(i));
            }
            if (scaling != null) {
                Standardizer.fold(w.get(0), bs.get(0), arch.inputs(), scaling);
            }
            this.architecture = arch;
            this.weights = w;
            this.biases = bs;
            this.history = h;
            return h;
        }
    }

    protected void requireFitted() {
        if (weights == null) {
            throw new IllegalStateException(getClass().getSimpleName() + " is not fitted yet: call fit first");
        }
    }

    /** Flattens and checks a float[][] of features against the fitted input width. */
    protected float[] features(float[][] x) {
        requireFitted();
        int d = architecture.inputs();
        float[] flat = new float[x.length * d];
        for (int i = 0; i < x.length; i++) {
            if (x[i].length != d) {
                throw new ShapeMismatchException("features row " + i, new int[] {d}, new int[] {x[i].length});
            }
            for (int j = 0; j < d; j++) {
                if (!Float.isFinite(x[i][j])) {
                    throw new InvalidDataException("features array", i + 1, j + 1, String.valueOf(x[i][j]),
                            "feature is not a finite number");
                }
            }
            System.arraycopy(x[i], 0, flat, i * d, d);
        }
        return flat;
    }

    /**
     * The model's output for row-major features: probabilities for classifiers, the mean for regressions.
     *
     * @return {@code [rows, outputs]} row-major
     */
    public float[] predictRaw(float[] x, int rows) {
        return run(x, rows, -1);
    }

    /** Outputs of hidden layer {@code layer} (0-based) for row-major features: {@code [rows, width]}. */
    protected float[] hidden(float[] x, int rows, int layer) {
        return run(x, rows, layer);
    }

    private float[] run(float[] x, int rows, int hiddenLayer) {
        requireFitted();
        int d = architecture.inputs();
        if ((long) rows * d != x.length) {
            throw new ShapeMismatchException("features", new int[] {rows, d}, new int[] {x.length});
        }
        int width = hiddenLayer < 0 ? architecture.outputs() : architecture.sizes().get(hiddenLayer + 1);
        float[] out = new float[rows * width];
        if (rows == 0) {
            return out;
        }
        Backend b = backend();
        try (Network net = Network.of(b, architecture, weights, biases)) {
            for (int start = 0; start < rows; start += PREDICT_BATCH) {
                int n = Math.min(PREDICT_BATCH, rows - start);
                float[] part = java.util.Arrays.copyOfRange(x, start * d, (start + n) * d);
                try (Tensor t = b.upload(part, n, d)) {
                    Tensor y = hiddenLayer < 0 ? net.predict(t) : net.hiddenOutput(t, hiddenLayer);
                    b.download(y, out, start * width);
                }
            }
        }
        return out;
    }

    protected static float[][] rows(float[] flat, int rows, int cols) {
        float[][] out = new float[rows][cols];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(flat, i * cols, out[i], 0, cols);
        }
        return out;
    }

    /** Builds the "b + w1·x1 − w2·x2 ..." right-hand side of a fitted linear predictor. */
    protected static String linearPredictor(float intercept, float[] w, List<String> names) {
        StringBuilder sb = new StringBuilder(format(intercept));
        for (int j = 0; j < w.length; j++) {
            sb.append(w[j] < 0 ? " − " : " + ").append(format(Math.abs(w[j]))).append('·').append(names.get(j));
        }
        return sb.toString();
    }

    private static String format(float v) {
        return String.format(java.util.Locale.ROOT, "%.4g", v);
    }
}
