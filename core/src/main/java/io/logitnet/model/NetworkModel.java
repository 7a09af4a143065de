package io.logitnet.model;

import io.logitnet.InvalidDataException;
import io.logitnet.LogitNet;
import io.logitnet.ShapeMismatchException;
import io.logitnet.backend.Backend;
import io.logitnet.backend.Backends;
import io.logitnet.backend.Loss;
import io.logitnet.backend.Tensor;
import io.logitnet.data.Dataset;
import io.logitnet.data.Standardizer;
import io.logitnet.io.AtomicFile;
import io.logitnet.io.Checkpoint;
import io.logitnet.nn.Architecture;
import io.logitnet.nn.Init;
import io.logitnet.nn.Network;
import io.logitnet.train.History;
import io.logitnet.train.MemoryPlan;
import io.logitnet.train.MemoryPlanException;
import io.logitnet.train.Metrics;
import io.logitnet.train.OptimizerSpec;
import io.logitnet.train.TrainConfig;
import io.logitnet.train.Trainer;
import io.logitnet.train.TrainingDivergedException;
import io.logitnet.train.TrainingListener;
import io.logitnet.train.TrainingState;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What every model shares, and the one way in to training, saving and predicting (the command line and the Spark
 * module call this, nothing lower): a training configuration, a backend, the description of its data (feature names,
 * class labels, target name), and after {@code fit} the fitted parameters on the host, so that a fitted model holds no
 * device memory; predictions run in batches on the backend.
 *
 * <p>Training can write a checkpoint after every epoch ({@link #checkpointTo}) and continue from one
 * ({@link #resumeFrom}); a run that diverges throws {@link TrainingDivergedException} and never keeps or writes
 * non-finite parameters. Predictions that are not finite numbers throw {@link NonFiniteOutputException}.
 *
 * @param <M> the concrete model, for fluent setters
 */
public abstract class NetworkModel<M extends NetworkModel<M>> {
    /** Rows per batch when predicting. */
    private static final int PREDICT_BATCH = 4096;
    /** What {@link #run} computes instead of a hidden layer's output: the predictions, or the logits. */
    private static final int OUTPUT = -1;
    private static final int LOGITS = -2;

    protected TrainConfig config;
    private Backend backend;
    private TrainingListener listener = TrainingListener.NONE;
    private boolean standardize;
    private Path checkpoint;
    private Checkpoint.Contents resume;
    private Path resumeFile;

    private List<String> featureNames;
    private List<String> classLabels = List.of();
    private String target = "";
    private final Map<String, String> extraMetadata = new LinkedHashMap<>();

    protected Architecture architecture;
    protected List<float[]> weights;
    protected List<float[]> biases;
    protected History history;
    private double[][] scaling;
    private List<float[]> trainingParameters;
    private TrainingState state;
    private String trainedOn = "";
    private String precision = "fp32";
    private String version = LogitNet.VERSION;

    protected NetworkModel(TrainConfig config) {
        this.config = config;
    }

    @SuppressWarnings("unchecked")
    private M self() {
        return (M) this;
    }

    // ---- what the model is ----

    /** {@code logistic}, {@code softmax}, {@code linear}, {@code poisson} or {@code mlp}: the kind checkpoints store. */
    public abstract String kind();

    /**
     * Fits the model to a data set: classifiers take class indices 0..K-1 as targets, regressions values (counts for
     * Poisson regression).
     *
     * @throws TrainingDivergedException if the objective or a parameter became NaN or infinite
     */
    public abstract History fit(Dataset data);

    /**
     * The network {@link #fit} trains for data with {@code features} input columns, as this model is configured:
     * the layer widths, activations and loss. Front ends that train elsewhere (the Spark module) build the same
     * network from it.
     *
     * @param targets for a classifier, the number of classes (2 or more); for a regression, the target values per row
     *                (1 for a GLM, which has one output)
     * @throws IllegalArgumentException if this model cannot have that many classes or targets
     */
    public abstract Architecture architectureFor(int features, int targets);

    /**
     * A network of this architecture holding the parameters {@link #fit} starts from: the model's initializer and
     * seed, on {@code backend} (the caller closes it).
     */
    public Network initialNetwork(Backend backend, Architecture arch) {
        return Network.create(backend, arch, initializer(), config.seed(), allowsSymmetricInit());
    }

    /** The initializer of a new network: Glorot or He by activation unless a model says otherwise. */
    protected Init initializer() {
        return Init.AUTO;
    }

    /** Whether a symmetric initializer (zeros, constant) may be used for a hidden layer (see {@link Network#create}). */
    protected boolean allowsSymmetricInit() {
        return false;
    }

    // ---- configuration (fluent) ----

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
     * Whether to train on features scaled to mean 0 and standard deviation 1 (constant features are only centered).
     * Off by default here, as in scikit-learn (the command line and the Spark estimators turn it on). The scaling is
     * folded into the first layer afterwards, so the fitted model takes raw features, a GLM's coefficients are in raw
     * units, and the saved weights load into PyTorch unchanged.
     * The L2 penalty then applies to the standardized coefficients, as in a scikit-learn pipeline with a
     * StandardScaler.
     */
    public M standardize(boolean on) {
        this.standardize = on;
        return self();
    }

    /**
     * Writes a checkpoint to {@code file} after every epoch of a mini-batch fit (with the optimizer and trainer state
     * to resume from) and at the end of every fit, atomically, and only with finite parameters.
     */
    public M checkpointTo(Path file) {
        this.checkpoint = file;
        return self();
    }

    /**
     * Continues training from a checkpoint written by {@link #checkpointTo}: its parameters, optimizer state, step,
     * shuffling state and input scaling. Its training configuration becomes this model's (change it afterwards with
     * the setters; {@link TrainConfig#epochs()} counts the epochs already done). The data and architecture of the
     * next {@link #fit} must match the checkpoint's.
     *
     * @throws io.logitnet.io.CheckpointFormatException if the file is not a valid LogitNet model
     */
    public M resumeFrom(Path file) {
        Checkpoint.Contents c = Checkpoint.load(file);
        if (!c.card().model().equals(kind())) {
            throw new IllegalArgumentException("cannot resume from " + file + ": it holds a " + c.card().model()
                    + " model, not a " + kind() + " model");
        }
        this.resume = c;
        this.resumeFile = file;
        if (c.config() != null) {
            this.config = c.config();
        }
        return self();
    }

    /** The training state of the checkpoint given to {@link #resumeFrom}, or null (none, or a full-batch fit). */
    public TrainingState resumeState() {
        return resume == null ? null : resume.state();
    }

    /** The name of the target the model predicts ({@code diagnosis}, {@code progression}); empty if unknown. */
    public M target(String name) {
        this.target = name == null ? "" : name;
        return self();
    }

    /** The label of each class, in class-index order (e.g. from a CSV's target column); kept in checkpoints. */
    public M classLabels(List<String> labels) {
        this.classLabels = List.copyOf(labels);
        return self();
    }

    /**
     * An extra metadata string saved with the model and loaded back (for example the feature encoding of the data it
     * was trained on, or a GLM's inference summary).
     */
    public M metadata(String key, String value) {
        extraMetadata.put(key, value);
        return self();
    }

    // ---- what was configured or fitted ----

    public TrainConfig trainConfig() {
        return config;
    }

    /**
     * Runs {@code body} on the model's backend: the one given with {@link #backend(Backend)}, or else a backend
     * opened with {@code Backends.open("auto")} on the calling thread for this call and closed after it (so that a
     * model without an explicit backend can be used from any thread; give it one to avoid the set-up per call).
     */
    protected <T> T onBackend(java.util.function.Function<Backend, T> body) {
        if (backend != null) {
            return body.apply(backend);
        }
        try (Backend b = Backends.open("auto")) {
            return body.apply(b);
        }
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

    /** Layer i's weight {@code [out, in]} row-major (a copy), in raw feature units. */
    public float[] weight(int layer) {
        requireFitted();
        return weights.get(layer).clone();
    }

    /** Layer i's bias {@code [out]} (a copy). */
    public float[] bias(int layer) {
        requireFitted();
        return biases.get(layer).clone();
    }

    /** Names of the features (x1, x2, ... unless the data set named them). */
    public List<String> featureNames() {
        requireFitted();
        return featureNames;
    }

    /** The target's name, or empty. */
    public String target() {
        return target;
    }

    /** Whether the model outputs class probabilities. */
    public boolean isClassifierModel() {
        requireFitted();
        Loss loss = architecture.loss();
        return loss == Loss.SIGMOID_BINARY_CROSS_ENTROPY || loss == Loss.SOFTMAX_CROSS_ENTROPY;
    }

    /** Number of classes of a classifier (2 for one sigmoid output), 0 for a regression. */
    public int classTotal() {
        requireFitted();
        Loss loss = architecture.loss();
        return loss == Loss.SOFTMAX_CROSS_ENTROPY ? architecture.outputs()
                : loss == Loss.SIGMOID_BINARY_CROSS_ENTROPY ? 2 : 0;
    }

    /** The class labels in class-index order: as given, or "0", "1", ... ; empty for a regression. */
    public List<String> classLabels() {
        int k = classTotal();
        if (classLabels.size() == k) {
            return classLabels;
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            out.add(Integer.toString(i));
        }
        return out;
    }

    /** An extra metadata string (see {@link #metadata(String, String)}), or null. */
    public String metadata(String key) {
        return extraMetadata.get(key);
    }

    /** Backend and device the model was trained on, e.g. {@code cpu: CPU, 2 threads, ...}. */
    public String trainedOn() {
        return trainedOn;
    }

    /** The matrix-product precision it was trained in: fp32, tf32 or bf16. */
    public String precision() {
        return precision;
    }

    /** The LogitNet version that trained it. */
    public String version() {
        return version;
    }

    /** The trainer's state after the last epoch (to resume from), or null. */
    public TrainingState trainingState() {
        return state;
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
        this.scaling = null;
        this.trainingParameters = null;
    }

    /**
     * Replaces the fitted parameters (raw feature units) after training, keeping the fit's state: with a training
     * scaling, the parameters resuming starts from are recomputed from them, so that a checkpoint stays consistent.
     */
    protected void refitParameters(List<float[]> w, List<float[]> b) {
        requireFitted();
        double[][] sc = scaling;
        List<float[]> trained = trainingParameters;
        setParameters(architecture, w, b);
        if (sc != null && trained != null) {
            List<float[]> params = new ArrayList<>(trained);
            float[] w0 = w.get(0).clone();
            float[] b0 = b.get(0).clone();
            Standardizer.unfold(w0, b0, architecture.inputs(), sc);
            params.set(0, w0);
            params.set(1, b0);
            for (int i = 1; i < architecture.layerCount(); i++) {
                params.set(2 * i, w.get(i).clone());
                params.set(2 * i + 1, b.get(i).clone());
            }
            this.scaling = sc;
            this.trainingParameters = params;
        }
    }

    /** Sets the feature names of installed parameters ({@code null}: x1, x2, ...). */
    protected void setFeatureNames(List<String> names, int count) {
        this.featureNames = names == null ? Dataset.defaultNames(count) : List.copyOf(names);
    }

    private static List<float[]> copy(List<float[]> list) {
        List<float[]> out = new ArrayList<>();
        for (float[] a : list) {
            out.add(a.clone());
        }
        return out;
    }

    // ---- training ----

    /**
     * Trains a new network of this architecture, initialized by {@link #initialNetwork} (or continues the checkpoint
     * given to resumeFrom).
     */
    protected History train(Architecture arch, Dataset data) {
        return onBackend(b -> train(b, arch, data));
    }

    private History train(Backend b, Architecture arch, Dataset data) {
        Checkpoint.Contents from = resume;
        double[][] sc;
        TrainingState resumeState = null;
        if (from != null) {
            checkResumable(from, arch, data);
            sc = from.scaling();
            resumeState = config.optimizer().fullBatch() ? null : from.state();
        } else {
            sc = standardize ? Standardizer.fit(data) : null;
        }
        Dataset trainData = sc == null ? data : Standardizer.apply(data, sc);
        checkPlan(b, arch, data.rows(), data.targetCols(), false);
        return run(b, arch, data.featureNames(), sc, resumeState,
                (trainer, net, state, after) -> trainer.fit(net, trainData, state, after), () -> afterTraining(data));
    }

    /**
     * Fits on mini-batches streamed from {@code source}, for data larger than memory (e.g. a
     * {@link io.logitnet.data.CsvBatchSource} reading a CSV in passes): a mini-batch optimizer, no validation split,
     * no resuming. Standardization is the source's (its scaling is folded into the first layer as for
     * {@link #fit(Dataset)}). A GLM fitted this way has no inference (that needs the rows in memory).
     *
     * @param targets the class count of a classifier (2 for logistic regression), 1 for a regression
     * @throws TrainingDivergedException if the objective or a parameter became NaN or infinite
     */
    public History fit(io.logitnet.data.BatchSource source, int targets) {
        if (config.optimizer().fullBatch()) {
            throw new IllegalArgumentException("a streamed fit needs a mini-batch optimizer (sgd or adam), not "
                    + config.optimizer().describe() + ", which passes over all rows in memory each iteration");
        }
        if (config.validationSplit() > 0) {
            throw new IllegalArgumentException("a streamed fit has no validation split (it would keep rows in "
                    + "memory); got " + config.validationSplit());
        }
        if (resume != null) {
            throw new IllegalArgumentException("a streamed fit cannot resume from a checkpoint");
        }
        Architecture arch = architectureFor(source.cols(), targets);
        double[][] sc = source instanceof io.logitnet.data.CsvBatchSource csv ? csv.scaling() : null;
        return onBackend(b -> checkPlan(b, arch, source.rows(), source.targetCols(), true)
                .run(b, arch, source.featureNames(), sc, null,
                (trainer, net, state, after) -> trainer.fit(net, source, state, after), () -> installed(arch)));
    }

    /**
     * What training this model on {@code backend} needs, before anything is allocated: the architecture for data of
     * {@code features} columns and {@code targets} classes (or target columns), {@code rows} rows (validation
     * included), mini-batches copied from the host or (L-BFGS) every row on the device. See {@link MemoryPlan}.
     */
    public MemoryPlan memoryPlan(Backend backend, int features, int targets, long rows, boolean streamed) {
        Architecture arch = architectureFor(features, targets);
        return new Trainer(config, null).plan(arch, rows, arch.loss().targetsAreClassIndices() ? 1 : arch.outputs(),
                streamed, backend);
    }

    /** Refuses a run whose plan does not fit, before the first allocation. */
    private NetworkModel<M> checkPlan(Backend b, Architecture arch, long rows, int targetCols, boolean streamed) {
        Trainer t = new Trainer(config, null);
        MemoryPlan plan = t.plan(arch, rows, targetCols, streamed, b);
        if (!plan.fits()) {
            System.gc(); // the Java heap's free figure (the cpu backend's) counts garbage until a collection
            plan = t.plan(arch, rows, targetCols, streamed, b);
            if (!plan.fits()) {
                throw new MemoryPlanException(plan);
            }
        }
        return this;
    }

    /** Runs a trainer over some input. */
    @FunctionalInterface
    private interface Fit {
        History run(Trainer trainer, Network net, TrainingState resume,
                    java.util.function.Consumer<TrainingState> after);
    }

    private History run(Backend b, Architecture arch, List<String> names, double[][] sc, TrainingState resumeState,
                        Fit fit, Runnable afterTraining) {
        Checkpoint.Contents from = resume;
        String device = b.name() + ": " + b.deviceName();
        String prec = b.precision().name().toLowerCase(Locale.ROOT);
        int[] saved = {-1};
        TrainingState[] lastState = {resumeState};
        try (Network net = initialNetwork(b, arch)) {
            if (from != null) {
                net.setParameterArrays(from.trainingParameters() != null ? from.trainingParameters()
                        : interleave(from.weights(), from.biases()));
            }
            History h = fit.run(new Trainer(config, listener), net, resumeState, s -> {
                lastState[0] = s;
                if (checkpoint != null) {
                    List<float[]> params = net.parameterArrays();
                    if (allFinite(params)) {
                        install(arch, names, params, sc, s, device, prec);
                        try (AtomicFile.Group g = AtomicFile.group()) {
                            save(checkpoint);
                            saved[0] = s.epochsDone();
                            listener.saved(checkpoint, s.epochsDone());
                        }
                    }
                }
            });
            List<float[]> params = net.parameterArrays();
            if (h.diverged() || !allFinite(params)) {
                this.history = h;
                throw new TrainingDivergedException(h.stopReason().replaceFirst("^diverged: ", ""),
                        h.epochs().isEmpty() ? 0 : h.last().epoch(), checkpoint, saved[0]);
            }
            install(arch, names, params, sc, config.optimizer().fullBatch() ? null : lastState[0], device, prec);
            this.history = h;
            this.resume = null;
            afterTraining.run();
            if (checkpoint != null) {
                try (AtomicFile.Group g = AtomicFile.group()) {
                    save(checkpoint);
                    listener.saved(checkpoint, h.epochs().isEmpty() ? 0 : h.last().epoch());
                }
            }
            return h;
        }
    }

    /**
     * Called when training has ended well and the fitted parameters are installed, before the final checkpoint is
     * written: a model refines or describes its fit here (a GLM finishes with Newton's method and its inference).
     *
     * @param data the data the model was fitted on (all of it; the validation split is the config's)
     */
    protected void afterTraining(Dataset data) {
    }

    /** Keeps fitted parameters: folded into raw-input units, and as trained (for resuming). */
    private void install(Architecture arch, List<String> names, List<float[]> params, double[][] sc,
                         TrainingState s, String device, String prec) {
        List<float[]> w = new ArrayList<>();
        List<float[]> bs = new ArrayList<>();
        for (int i = 0; i < arch.layerCount(); i++) {
            w.add(params.get(2 * i).clone());
            bs.add(params.get(2 * i + 1).clone());
        }
        if (sc != null) {
            Standardizer.fold(w.get(0), bs.get(0), arch.inputs(), sc);
        }
        this.architecture = arch;
        this.weights = w;
        this.biases = bs;
        this.featureNames = List.copyOf(names);
        this.scaling = sc;
        this.trainingParameters = sc == null ? null : copy(params);
        this.state = s;
        this.trainedOn = device;
        this.precision = prec;
        this.version = LogitNet.VERSION;
    }

    /**
     * Installs parameters trained outside {@link #fit} (data-parallel on a cluster, for example) and leaves the model
     * as {@code fit} would: folded into raw-input units when the inputs were standardized, ready to predict, score and
     * save, with the feature names and the history of the run. Class labels and the target name are set as usual
     * ({@link #classLabels(List)}, {@link #target(String)}).
     *
     * @param arch         the network that was trained; it must be {@link #architectureFor} this model
     * @param parameters   {@code [W0, b0, W1, b1, ...]} in the order of {@link Network#parameters()}, as trained
     * @param scaling      the {means, standard deviations} the inputs were standardized with (as
     *                     {@link Standardizer#fit} gives them), or null if the network was trained on raw inputs
     * @param featureNames one per input, or null for x1, x2, ...
     * @param history      the iterations of the run and why it stopped
     * @param trainedOn    where it was trained, in words (kept in saved models)
     * @throws IllegalArgumentException if the architecture is not this model's, a name list has the wrong length, or
     *                                  a parameter is not a finite number
     * @throws ShapeMismatchException   if a parameter has the wrong number of values
     */
    public M installTrained(Architecture arch, List<float[]> parameters, double[][] scaling,
                            List<String> featureNames, History history, String trainedOn) {
        Loss loss = arch.loss();
        int targets = loss == Loss.SIGMOID_BINARY_CROSS_ENTROPY ? 2 : arch.outputs();
        Architecture expected = architectureFor(arch.inputs(), targets);
        if (!expected.equals(arch)) {
            throw new IllegalArgumentException("a " + kind() + " model configured as this one trains "
                    + expected.describe() + ", not " + arch.describe());
        }
        if (parameters.size() != 2 * arch.layerCount()) {
            throw new IllegalArgumentException(parameters.size() + " parameter arrays for " + arch.layerCount()
                    + " layers (expected a weight and a bias per layer)");
        }
        for (int i = 0; i < arch.layerCount(); i++) {
            int in = arch.sizes().get(i);
            int out = arch.sizes().get(i + 1);
            if (parameters.get(2 * i).length != in * out || parameters.get(2 * i + 1).length != out) {
                throw new ShapeMismatchException("layer " + i + " parameters", new int[] {out * in, out},
                        new int[] {parameters.get(2 * i).length, parameters.get(2 * i + 1).length});
            }
        }
        if (!allFinite(parameters)) {
            throw new IllegalArgumentException("a parameter is not a finite number: a diverged run cannot be installed");
        }
        if (scaling != null && (scaling.length != 2 || scaling[0].length != arch.inputs()
                || scaling[1].length != arch.inputs())) {
            throw new IllegalArgumentException("the scaling must hold " + arch.inputs() + " means and as many "
                    + "standard deviations");
        }
        if (featureNames != null && featureNames.size() != arch.inputs()) {
            throw new IllegalArgumentException(featureNames.size() + " feature names for " + arch.inputs()
                    + " inputs");
        }
        List<String> names = featureNames == null ? Dataset.defaultNames(arch.inputs()) : featureNames;
        install(arch, names, copy(parameters), scaling, null, trainedOn, "fp32");
        this.history = history;
        this.resume = null;
        installed(arch);
        return self();
    }

    /** Called after {@link #installTrained}, for a model to set what it derives from its architecture. */
    protected void installed(Architecture arch) {
    }

    private void checkResumable(Checkpoint.Contents r, Architecture arch, Dataset data) {
        String from = "cannot resume from " + resumeFile + ": ";
        if (!r.card().architecture().equals(arch)) {
            throw new IllegalArgumentException(from + "it holds " + r.card().architecture().describe()
                    + " but this model and data make " + arch.describe());
        }
        if (!r.card().features().equals(data.featureNames())) {
            throw new IllegalArgumentException(from + "it was trained on features " + r.card().features()
                    + ", this data has " + data.featureNames());
        }
        if (!classLabels.isEmpty() && !r.card().classes().isEmpty() && !r.card().classes().equals(classLabels)) {
            throw new IllegalArgumentException(from + "it has classes " + r.card().classes() + ", this data has "
                    + classLabels);
        }
        if (r.state() == null && !config.optimizer().fullBatch()) {
            throw new IllegalArgumentException(from + "it holds no training state (optimizer, step): it was not "
                    + "written during a mini-batch fit");
        }
    }

    private static List<float[]> interleave(List<float[]> w, List<float[]> b) {
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < w.size(); i++) {
            out.add(w.get(i));
            out.add(b.get(i));
        }
        return out;
    }

    private static boolean allFinite(List<float[]> arrays) {
        for (float[] a : arrays) {
            for (float v : a) {
                if (!Float.isFinite(v)) {
                    return false;
                }
            }
        }
        return true;
    }

    // ---- saving and loading ----

    /**
     * Saves the fitted model as a LogitNet safetensors checkpoint, atomically: the weights in raw feature units as
     * {@code layers.{i}.weight/bias}, the metadata, and (after a fit) what resuming needs.
     */
    public void save(Path file) {
        requireFitted();
        Checkpoint.Card card = new Checkpoint.Card(kind(), architecture, featureNames, classLabels(), target,
                precision, trainedOn, config.seed(), version);
        if (scaling != null && trainingParameters != null) {
            List<float[]> w = new ArrayList<>();
            List<float[]> b = new ArrayList<>();
            for (int i = 0; i < architecture.layerCount(); i++) {
                w.add(trainingParameters.get(2 * i));
                b.add(trainingParameters.get(2 * i + 1));
            }
            Checkpoint.save(file, card, w, b, config, state, scaling, extraMetadata);
        } else {
            Checkpoint.save(file, card, weights, biases, config, state, null, extraMetadata);
        }
    }

    /** Restores what a loaded checkpoint says besides the parameters (which the caller installed). */
    void restore(Checkpoint.Contents c) {
        Checkpoint.Card card = c.card();
        this.featureNames = card.features();
        this.classLabels = card.classes();
        this.target = card.target();
        this.trainedOn = card.backend();
        this.precision = card.precision();
        this.version = card.version();
        if (c.config() != null) {
            this.config = c.config();
        } else {
            this.config = config.withSeed(card.seed());
        }
        this.state = c.state();
        this.scaling = c.scaling();
        this.trainingParameters = c.trainingParameters() == null ? null : copy(c.trainingParameters());
        for (Map.Entry<String, String> e : c.metadata().entrySet()) {
            if (!Checkpoint.isReservedKey(e.getKey())) {
                extraMetadata.put(e.getKey(), e.getValue());
            }
        }
    }

    /** The extra metadata strings (see {@link #metadata(String, String)}). */
    public Map<String, String> extraMetadata() {
        return Collections.unmodifiableMap(extraMetadata);
    }

    // ---- predicting ----

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
     * The model's output for row-major features: probabilities for classifiers (one per output unit), the mean for
     * regressions.
     *
     * @return {@code [rows, outputs]} row-major
     * @throws NonFiniteOutputException if the output of a row is not a finite number (with the row and the cause)
     */
    public float[] predictRaw(float[] x, int rows) {
        return finite(run(x, rows, OUTPUT), x);
    }

    /**
     * The output layer's values before its activation, for row-major features: the logits of a classifier (one per
     * output unit, so a single one for logistic regression) and the linear predictor η of a regression.
     *
     * @return {@code [rows, outputs]} row-major
     * @throws NonFiniteOutputException if the output of a row is not a finite number (with the row and the cause)
     */
    public float[] logits(float[] x, int rows) {
        return finite(run(x, rows, LOGITS), x);
    }

    private float[] finite(float[] out, float[] x) {
        int width = architecture.outputs();
        for (int i = 0; i < out.length; i++) {
            if (!Float.isFinite(out[i])) {
                int row = i / width;
                throw new NonFiniteOutputException(row, diagnose(x, row));
            }
        }
        return out;
    }

    /**
     * Class probabilities {@code [rows, K]} for row-major features: softmax rows, or {1 - p, p} for one sigmoid
     * output.
     */
    public float[] classProbabilities(float[] x, int rows) {
        if (!isClassifierModel()) {
            throw new IllegalStateException("a " + kind() + " model is a regression; it has no class probabilities");
        }
        float[] raw = predictRaw(x, rows);
        if (architecture.loss() == Loss.SOFTMAX_CROSS_ENTROPY) {
            return raw;
        }
        float[] p = new float[rows * 2];
        for (int i = 0; i < rows; i++) {
            p[2 * i] = 1f - raw[i];
            p[2 * i + 1] = raw[i];
        }
        return p;
    }

    /**
     * Scores the model on labelled data, on its backend: accuracy and log loss (natural log, probabilities clipped at
     * 1e-15 as scikit-learn) for classifiers, mean squared error for linear regression, mean Poisson deviance for
     * Poisson regression; in that order.
     */
    public Map<String, Double> score(Dataset data) {
        requireFitted();
        Map<String, Double> m = new LinkedHashMap<>();
        int rows = data.rows();
        if (isClassifierModel()) {
            int k = classTotal();
            float[] p = classProbabilities(data.x(), rows);
            m.put("accuracy", Metrics.softmaxAccuracy(p, data.y(), rows, k));
            m.put("log_loss", Metrics.logLoss(p, data.y(), rows, k));
        } else if (architecture.loss() == Loss.POISSON) {
            float[] mu = predictRaw(data.x(), rows);
            double[] md = new double[mu.length];
            for (int i = 0; i < mu.length; i++) {
                md[i] = mu[i];
            }
            m.put("poisson_deviance", Metrics.poissonDeviance(md, data.y()));
        } else {
            m.put("mse", Metrics.mse(predictRaw(data.x(), rows), data.y()));
        }
        return m;
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
        return onBackend(b -> run(b, x, rows, hiddenLayer, out, width));
    }

    private float[] run(Backend b, float[] x, int rows, int hiddenLayer, float[] out, int width) {
        int d = architecture.inputs();
        try (Network net = Network.of(b, architecture, weights, biases)) {
            for (int start = 0; start < rows; start += PREDICT_BATCH) {
                int n = Math.min(PREDICT_BATCH, rows - start);
                float[] part = java.util.Arrays.copyOfRange(x, start * d, (start + n) * d);
                try (Tensor t = b.upload(part, n, d)) {
                    Tensor y = hiddenLayer == OUTPUT ? net.predict(t) : hiddenLayer == LOGITS ? net.forward(t)
                            : net.hiddenOutput(t, hiddenLayer);
                    b.download(y, out, start * width);
                }
            }
        }
        return out;
    }

    /** Which layer of this row's forward pass first stops being finite, in words. */
    private String diagnose(float[] x, int row) {
        int d = architecture.inputs();
        float[] one = java.util.Arrays.copyOfRange(x, row * d, (row + 1) * d);
        for (int l = 0; l + 1 < architecture.layerCount(); l++) {
            float[] h = run(one, 1, l);
            for (float v : h) {
                if (!Float.isFinite(v)) {
                    return "hidden layer " + (l + 1) + " (" + architecture.activation(l).name().toLowerCase(Locale.ROOT)
                            + ") gives " + v + ": the inputs are outside the range this model computes in float32";
                }
            }
        }
        return switch (architecture.loss()) {
            case POISSON -> "the Poisson mean exp(η) overflows float32 for these inputs";
            case SQUARED_ERROR -> "the prediction overflows float32 for these inputs";
            default -> "the output layer's logits overflow float32 for these inputs";
        };
    }

    protected static float[][] rows(float[] flat, int rows, int cols) {
        float[][] out = new float[rows][cols];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(flat, i * cols, out[i], 0, cols);
        }
        return out;
    }

    /** Builds the "b + w1·x1 − w2·x2 ..." right-hand side of a fitted linear predictor. */
    protected static String linearPredictor(float intercept, float[] w, int offset, List<String> names) {
        StringBuilder sb = new StringBuilder(format(intercept));
        for (int j = 0; j < names.size(); j++) {
            float v = w[offset + j];
            sb.append(v < 0 ? " − " : " + ").append(format(Math.abs(v))).append('·').append(names.get(j));
        }
        return sb.toString();
    }

    private static String format(float v) {
        return String.format(Locale.ROOT, "%.4g", v);
    }
}
