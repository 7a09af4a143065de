package io.logitnet.cli;

import io.logitnet.backend.Activation;
import io.logitnet.backend.Backend;
import io.logitnet.model.Glm;
import io.logitnet.model.LinearRegression;
import io.logitnet.model.LogisticRegression;
import io.logitnet.model.Mlp;
import io.logitnet.model.NetworkModel;
import io.logitnet.model.PoissonRegression;
import io.logitnet.model.SoftmaxRegression;
import io.logitnet.train.EpochResult;
import io.logitnet.train.History;
import io.logitnet.train.OptimizerSpec;
import io.logitnet.train.TrainConfig;
import io.logitnet.train.TrainingState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code logitnet train}: parses the options, reads the data, and fits a model through the model API. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a model on a CSV (or IDX) file and save it as safetensors.",
                "Features are standardized for training and the scaling folded into the first layer, so the saved "
                        + "model takes raw features. GLMs (logistic, softmax, linear, poisson) train with full-batch "
                        + "L-BFGS; an MLP with Adam (lr 0.01, batches of min(200, n), 200 epochs).",
                "Every option either takes effect or is refused with the reason."})
final class TrainCommand implements Callable<Integer> {
    enum ModelKind { logistic, softmax, linear, poisson, mlp }

    enum Task { classify, regress }

    enum OptimizerKind { lbfgs, sgd, adam }

    enum ScheduleKind { constant, cosine }

    @Mixin
    DataOptions dataOptions;

    @Option(names = "--model", required = true, description = "logistic, softmax, linear, poisson or mlp")
    ModelKind model;

    @Option(names = "--task", description = "mlp only: classify (default) or regress")
    Task task;

    @Option(names = "--hidden", split = ",", paramLabel = "WIDTHS",
            description = "mlp only: hidden layer widths, e.g. 256,128 (default: 100)")
    List<Integer> hidden;

    @Option(names = "--activation", split = ",", paramLabel = "NAMES",
            description = "mlp only: hidden activation, one for all hidden layers or one per layer, e.g. relu,tanh: "
                    + "sigmoid, tanh, relu, identity or exp (default: relu)")
    List<String> activation;

    @Option(names = "--optimizer", description = "lbfgs, sgd or adam (default: lbfgs for GLMs, adam for mlp)")
    OptimizerKind optimizer;

    @Option(names = "--epochs", description = "sgd/adam: epochs to train in this run; with --resume, epochs to add "
            + "(default: 200; with --resume, the rest of an interrupted run, or as many epochs as the run planned)")
    Integer epochs;

    @Option(names = "--max-iter", description = "lbfgs: iteration limit (default: 1000)")
    Integer maxIter;

    @Option(names = "--tol", description = "lbfgs: stop when the gradient norm is at most this (default: 1e-6)")
    Double tol;

    @Option(names = "--batch-size", description = "sgd/adam: examples per step (default: min(200, n))")
    Integer batchSize;

    @Option(names = "--lr", description = "sgd/adam: learning rate (default: adam 0.01 for mlp, 0.001 for GLMs; "
            + "sgd 0.1)")
    Float lr;

    @Option(names = "--momentum", description = "sgd: momentum in [0, 1) (default: 0.9)")
    Float momentum;

    @Option(names = "--nesterov", description = "sgd: Nesterov momentum (needs --momentum > 0)")
    boolean nesterov;

    @Option(names = "--weight-decay", description = "adam: decoupled weight decay on weights (AdamW), >= 0 "
            + "(default: 0)")
    Float weightDecay;

    @Option(names = "--l2", description = "objective = mean loss + (l2/2)·Σw² over weights, not biases; >= 0 "
            + "(default: 0)")
    Float l2;

    @Option(names = "--schedule", description = "sgd/adam: learning-rate schedule, constant or cosine (default: "
            + "constant)")
    ScheduleKind schedule;

    @Option(names = "--seed", description = "seed of initialization, split and shuffling (default: 42)")
    Long seed;

    @Option(names = "--validation-split", description = "fraction in [0, 1) held out for validation metrics and "
            + "early stopping (default: 0)")
    Double validationSplit;

    @Option(names = "--patience", description = "sgd/adam with --validation-split: stop when the validation loss "
            + "has not improved for this many epochs (default: 20)")
    Integer patience;

    @Option(names = "--standardize", negatable = true,
            description = "train on standardized features, folded back into the first layer (default: on; "
                    + "--no-standardize to train on raw features)")
    Boolean standardize;

    @Option(names = "--inference", negatable = true,
            description = "GLMs: end the fit with Newton's method in double and print the inference table (standard "
                    + "errors, p-values, AIC), as R's glm does (default: on; --no-inference keeps the optimizer's "
                    + "estimates and skips the finish's time and memory, as scikit-learn does)")
    Boolean inference;

    @Mixin
    BackendOptions backendOptions;

    @Option(names = "--resume", paramLabel = "MODEL", description = "continue training from this checkpoint "
            + "(weights, optimizer state, step, shuffling state); it may be the --out file itself")
    Path resume;

    @Option(names = "--out", required = true, description = "where to save the model (.safetensors), atomically "
            + "after every epoch")
    Path out;

    @Option(names = {"-q", "--quiet"}, description = "no progress output")
    boolean quiet;

    @Option(names = "--plan", description = "print the memory plan (bytes per category against the device's free "
            + "memory) and exit without training; a run that does not fit is refused before allocating anyway")
    boolean plan;

    @Override
    public Integer call() {
        PrintStream err = System.err;
        checkOptions();
        Map<String, Path> inputs = new LinkedHashMap<>();
        inputs.put("--data", dataOptions.data);
        inputs.put("--labels", dataOptions.labels);
        Cli.checkOutput("--out", out, inputs);

        if (dataOptions.stream) {
            return stream(err);
        }
        DataOptions.Prepared p = dataOptions.prepare(model == ModelKind.mlp ? task != Task.regress
                : model == ModelKind.logistic || model == ModelKind.softmax, model == ModelKind.poisson,
                model != ModelKind.mlp);
        NetworkModel<?> m = newModel(p);
        if (resume != null) {
            m.resumeFrom(resume);
        }
        m.config(config(m.trainConfig(), m.resumeState()));
        m.standardize(standardize == null || standardize).target(p.target()).checkpointTo(out);
        if (m instanceof Glm<?> glm && inference != null) {
            glm.inference(inference);
        }
        if (p.classes() != null) {
            m.classLabels(p.classes().labels());
        }
        if (p.encoding() != null) {
            m.metadata(DataOptions.ENCODING_KEY, p.encoding());
        }
        Progress progress = new Progress(err, Progress.onTerminal(), quiet);
        m.listener(progress);
        try (Backend b = Cli.openBackend(backendOptions, err)) {
            m.backend(b);
            if (plan) {
                System.out.print(m.memoryPlan(b, p.data().cols(), p.classes() != null ? p.classes().size()
                        : p.data().targetCols(), p.data().rows(), false).table());
                return 0;
            }
            if (resume != null) {
                TrainingState s = m.resumeState();
                err.println("resuming from " + resume + (s == null ? "" : " after epoch " + s.epochsDone()
                        + ", training to epoch " + m.trainConfig().epochs()));
            }
            Interrupts.training(out);
            History h = m.fit(p.data());
            report(h, m);
        }
        return 0;
    }

    /** A fit on the CSV read in passes (a file larger than memory). */
    private Integer stream(PrintStream err) {
        refuse(resume != null, "--stream cannot be combined with --resume");
        refuse(validationSplit != null && validationSplit > 0, "--stream has no --validation-split (it would keep "
                + "rows in memory)");
        OptimizerKind kind = optimizer != null ? optimizer : model == ModelKind.mlp ? OptimizerKind.adam
                : OptimizerKind.lbfgs;
        refuse(kind == OptimizerKind.lbfgs, "--stream needs --optimizer sgd or adam: L-BFGS passes over every row "
                + "in memory each iteration");
        boolean classify = model == ModelKind.mlp ? task != Task.regress
                : model == ModelKind.logistic || model == ModelKind.softmax;
        try (DataOptions.Streamed s = dataOptions.openStream(classify, model == ModelKind.poisson,
                standardize == null || standardize)) {
            DataOptions.Prepared shape = new DataOptions.Prepared(null, s.classes(), s.target(), null);
            NetworkModel<?> m = newModel(shape);
            m.config(config(m.trainConfig(), null)).target(s.target()).checkpointTo(out);
            if (s.classes() != null) {
                m.classLabels(s.classes().labels());
            }
            if (!s.source().encoding().allNumeric()) {
                m.metadata(DataOptions.ENCODING_KEY, s.source().encoding().toJson());
            }
            m.listener(new Progress(err, Progress.onTerminal(), quiet));
            try (Backend b = Cli.openBackend(backendOptions, err)) {
                m.backend(b);
                if (plan) {
                    System.out.print(m.memoryPlan(b, s.source().cols(), s.classes() == null ? 1
                            : s.classes().size(), s.source().rows(), true).table());
                    return 0;
                }
                err.println("streaming " + dataOptions.data + ": " + s.source().rows() + " rows in passes, a window "
                        + "of " + s.source().windowRows() + " rows shuffled at a time");
                Interrupts.training(out);
                History h = m.fit(s.source(), s.classes() == null ? 1 : s.classes().size());
                report(h, m);
            }
        }
        return 0;
    }

    private NetworkModel<?> newModel(DataOptions.Prepared p) {
        return switch (model) {
            case logistic -> {
                if (p.classes().size() != 2) {
                    throw new Main.UserException("logistic regression needs 2 classes but the target has "
                            + p.classes().size() + " " + p.classes().labels() + ": use --model softmax");
                }
                yield new LogisticRegression();
            }
            case softmax -> new SoftmaxRegression().classes(p.classes().size());
            case linear -> new LinearRegression();
            case poisson -> new PoissonRegression();
            case mlp -> {
                int[] h = hidden == null ? new int[] {100} : hidden.stream().mapToInt(Integer::intValue).toArray();
                Mlp net = task == Task.regress ? Mlp.regressor(h) : Mlp.classifier(h).classes(p.classes().size());
                List<String> acts = activation == null ? List.of("relu") : activation;
                List<Activation> parsed = new ArrayList<>();
                for (String a : acts) {
                    try {
                        parsed.add(Activation.parse(a));
                    } catch (IllegalArgumentException e) {
                        throw new Main.UserException("--activation: " + e.getMessage());
                    }
                }
                if (parsed.size() == 1) {
                    net.activation(parsed.get(0));
                } else if (parsed.size() == h.length) {
                    net.activations(parsed.toArray(new Activation[0]));
                } else {
                    throw new Main.UserException("--activation lists " + parsed.size() + " activations for "
                            + h.length + " hidden layers " + hidden + ": give one, or one per layer");
                }
                yield net;
            }
        };
    }

    /** Refuses options that would do nothing, and values outside their range, before any work. */
    private void checkOptions() {
        boolean mlp = model == ModelKind.mlp;
        if (!mlp) {
            refuse(task != null, "--task applies to --model mlp only (the other models' task follows from the model)");
            refuse(hidden != null, "--hidden applies to --model mlp only");
            refuse(activation != null, "--activation applies to --model mlp only");
        } else {
            refuse(inference != null, "--inference and --no-inference apply to the GLMs (logistic, softmax, linear, "
                    + "poisson), not to --model mlp");
        }
        if (hidden != null) {
            for (int w : hidden) {
                refuse(w <= 0, "--hidden widths must be positive integers, got " + hidden);
            }
        }
        if (resume != null) {
            refuse(standardize != null, "--standardize and --no-standardize do not apply to --resume: a resumed "
                    + "run keeps the input scaling it was trained with");
            return; // the other checks need the checkpoint's optimizer: see config()
        }
        checkFor(optimizer != null ? optimizer : mlp ? OptimizerKind.adam : OptimizerKind.lbfgs);
    }

    private void checkFor(OptimizerKind kind) {
        boolean lbfgs = kind == OptimizerKind.lbfgs;
        String mini = "applies to the mini-batch optimizers (sgd, adam); L-BFGS";
        refuse(lbfgs && lr != null, "--lr " + mini + " chooses each step by a line search");
        refuse(lbfgs && epochs != null, "--epochs " + mini + " runs up to --max-iter iterations");
        refuse(lbfgs && batchSize != null, "--batch-size " + mini + " uses every row in each iteration");
        refuse(lbfgs && schedule != null, "--schedule " + mini + " has no learning rate");
        refuse(lbfgs && patience != null, "--patience " + mini + " stops by --tol");
        refuse(!lbfgs && maxIter != null, "--max-iter applies to --optimizer lbfgs; " + kind + " runs --epochs");
        refuse(!lbfgs && tol != null, "--tol applies to --optimizer lbfgs; " + kind + " runs --epochs");
        refuse(kind != OptimizerKind.sgd && momentum != null, "--momentum applies to --optimizer sgd, not "
                + kind);
        refuse(kind != OptimizerKind.sgd && nesterov, "--nesterov applies to --optimizer sgd, not " + kind);
        refuse(kind != OptimizerKind.adam && weightDecay != null, "--weight-decay applies to --optimizer adam "
                + "(AdamW), not " + kind + "; for an L2 penalty with any optimizer use --l2");
        refuse(patience != null && (validationSplit == null || validationSplit == 0), "--patience needs "
                + "--validation-split: early stopping watches the validation loss");
        refuse(lr != null && !(lr > 0 && Float.isFinite(lr)), "--lr must be a finite number > 0, got " + lr);
        refuse(momentum != null && !(momentum >= 0 && momentum < 1), "--momentum must be in [0, 1), got "
                + momentum);
        refuse(nesterov && momentum != null && momentum == 0, "--nesterov needs --momentum > 0");
        refuse(weightDecay != null && !(weightDecay >= 0 && Float.isFinite(weightDecay)),
                "--weight-decay must be a finite number >= 0, got " + weightDecay);
        refuse(l2 != null && !(l2 >= 0 && Float.isFinite(l2)), "--l2 must be a finite number >= 0, got " + l2);
        refuse(epochs != null && epochs < 1, "--epochs must be >= 1, got " + epochs);
        refuse(maxIter != null && maxIter < 1, "--max-iter must be >= 1, got " + maxIter);
        refuse(tol != null && !(tol >= 0 && Double.isFinite(tol)), "--tol must be a finite number >= 0, got " + tol);
        refuse(batchSize != null && batchSize < 1, "--batch-size must be >= 1, got " + batchSize);
        refuse(validationSplit != null && !(validationSplit >= 0 && validationSplit < 1),
                "--validation-split must be in [0, 1), got " + validationSplit);
        refuse(patience != null && patience < 1, "--patience must be >= 1, got " + patience);
    }

    private static void refuse(boolean condition, String message) {
        if (condition) {
            throw new Main.UserException(message);
        }
    }

    /** The configuration: the model's defaults (or the resumed checkpoint's), with every given option applied. */
    private TrainConfig config(TrainConfig base, TrainingState resumed) {
        TrainConfig c = base;
        OptimizerSpec spec = c.optimizer();
        if (resume != null) {
            OptimizerKind stored = OptimizerKind.valueOf(spec.kind().name().toLowerCase(java.util.Locale.ROOT));
            refuse(optimizer != null && optimizer != stored, "--optimizer " + optimizer + " differs from the "
                    + "checkpoint's " + stored + ": a resumed run continues with the optimizer (and its state) it "
                    + "was trained with");
            checkFor(stored);
        } else if (optimizer != null) {
            spec = switch (optimizer) {
                case lbfgs -> OptimizerSpec.lbfgs();
                case sgd -> OptimizerSpec.sgd(0.1f, 0.9f);
                case adam -> OptimizerSpec.adam(model == ModelKind.mlp ? 0.01f : 0.001f);
            };
        }
        if (momentum != null) {
            spec = spec.withMomentum(momentum);
        }
        if (nesterov) {
            spec = spec.withNesterov(true);
        }
        if (weightDecay != null) {
            spec = spec.withWeightDecay(weightDecay);
        }
        if (lr != null) {
            spec = spec.withLearningRate(lr);
        }
        if (spec.nesterov() && spec.momentum() == 0) {
            throw new Main.UserException("--nesterov needs --momentum > 0");
        }
        c = c.withOptimizer(spec);
        if (resumed != null) {
            int done = resumed.epochsDone();
            int planned = base.epochs();
            c = c.withEpochs(epochs != null ? done + epochs : done < planned ? planned : done + planned);
        } else if (epochs != null) {
            c = c.withEpochs(epochs);
        }
        if (maxIter != null) {
            c = c.withMaxIterations(maxIter);
        }
        if (tol != null) {
            c = c.withTolerance(tol);
        }
        if (batchSize != null) {
            c = c.withBatchSize(batchSize);
        }
        if (l2 != null) {
            c = c.withL2(l2);
        }
        if (seed != null) {
            c = c.withSeed(seed);
        }
        if (validationSplit != null) {
            c = c.withValidationSplit(validationSplit);
        }
        if (patience != null) {
            c = c.withPatience(patience);
        }
        if (schedule != null) {
            c = c.withSchedule(TrainConfig.Schedule.valueOf(schedule.name().toUpperCase(java.util.Locale.ROOT)));
        }
        return c;
    }

    private void report(History h, NetworkModel<?> m) {
        PrintStream o = System.out;
        o.println("model: " + m.kind() + " " + m.architecture().describe());
        o.println("stopped: " + h.stopReason());
        EpochResult last = h.last();
        o.println("objective: " + Cli.fmt(last.trainObjective()));
        if (!Double.isNaN(last.validationLoss())) {
            o.println("validation_loss: " + Cli.fmt(last.validationLoss()));
        }
        last.metrics().forEach((k, v) -> o.println(Progress.metricName(k, last) + ": " + Cli.fmt(v)));
        Double acc = last.metrics().get("accuracy");
        if (m instanceof Glm<?> && m.trainConfig().l2() == 0f && acc != null && acc == 1.0
                && last.trainObjective() < 1e-3) {
            System.err.println("warning: the classes are linearly separable in the training data, so maximum "
                    + "likelihood has no finite solution: the coefficients grow until the optimizer stops. Add a "
                    + "penalty (e.g. --l2 0.01) for meaningful coefficients.");
        }
        if (m instanceof Glm<?> glm) {
            o.println("equation: " + glm.equation());
            o.println();
            o.println(InspectCommand.summaryText(glm));
        }
        o.println("saved: " + out);
    }
}
