package io.logitnet.cli;

import io.logitnet.backend.Activation;
import io.logitnet.backend.Backend;
import io.logitnet.backend.Loss;
import io.logitnet.data.ClassLabels;
import io.logitnet.data.CsvTable;
import io.logitnet.data.Dataset;
import io.logitnet.data.IdxReader;
import io.logitnet.data.Standardizer;
import io.logitnet.io.Checkpoint;
import io.logitnet.nn.Architecture;
import io.logitnet.nn.Init;
import io.logitnet.nn.Network;
import io.logitnet.train.History;
import io.logitnet.train.OptimizerSpec;
import io.logitnet.train.TrainConfig;
import io.logitnet.train.Trainer;
import io.logitnet.train.TrainingState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code logitnet train}. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a model on a CSV (or IDX) file and save it as safetensors.",
                "GLMs (logistic, softmax, linear, poisson) train with full-batch L-BFGS on standardized features "
                        + "(folded back, so coefficients are in raw units); an MLP with Adam (lr 0.01, "
                        + "batches of min(200, n), 200 epochs)."})
final class TrainCommand implements Callable<Integer> {
    enum Model { logistic, softmax, linear, poisson, mlp }

    @Option(names = "--data", required = true, description = "training data: .csv, .csv.gz, or an IDX images file")
    Path data;

    @Option(names = "--labels", description = "IDX labels file (with IDX --data)")
    Path labels;

    @Option(names = "--target", description = "the target column of a CSV file")
    String target;

    @Option(names = "--model", required = true, description = "logistic, softmax, linear, poisson or mlp")
    Model model;

    @Option(names = "--task", defaultValue = "classify", description = "mlp only: classify or regress (default: ${DEFAULT-VALUE})")
    String task;

    @Option(names = "--hidden", split = ",", description = "mlp hidden layer widths, e.g. 256,128 (default: 100)")
    List<Integer> hidden;

    @Option(names = "--activation", defaultValue = "relu", split = ",",
            description = "mlp hidden activation: sigmoid, tanh, relu, identity, exp; one for all hidden layers or one per layer, e.g. relu,tanh (default: ${DEFAULT-VALUE})")
    List<String> activation;

    @Option(names = "--optimizer", description = "lbfgs, sgd or adam (default: lbfgs for GLMs, adam for mlp)")
    String optimizer;

    @Option(names = "--epochs", description = "mini-batch epochs (default: 200)")
    Integer epochs;

    @Option(names = "--max-iter", description = "L-BFGS iteration limit (default: 1000)")
    Integer maxIter;

    @Option(names = "--tol", description = "L-BFGS: stop when the gradient norm is at most this (default: 1e-6)")
    Double tol;

    @Option(names = "--batch-size", description = "mini-batch size (default: min(200, n))")
    Integer batchSize;

    @Option(names = "--lr", description = "learning rate (default: adam 0.01 for mlp, 0.001 for GLMs; sgd 0.1)")
    Float lr;

    @Option(names = "--momentum", description = "sgd momentum (default: 0.9)")
    Float momentum;

    @Option(names = "--weight-decay", description = "adam: decoupled weight decay on weights (AdamW); default 0")
    Float weightDecay;

    @Option(names = "--l2", description = "objective = mean loss + (l2/2)·Σw² over weights, not biases (default: 0)")
    Float l2;

    @Option(names = "--schedule", description = "learning-rate schedule: constant or cosine (default: constant)")
    String schedule;

    @Option(names = "--seed", description = "seed of initialization, split and shuffling (default: 42)")
    Long seed;

    @Option(names = "--validation-split", description = "fraction held out for validation and early stopping (default: 0)")
    Double validationSplit;

    @Option(names = "--patience", description = "early stopping patience in epochs, with a validation split (default: 20)")
    Integer patience;

    @Option(names = "--standardize", negatable = true, description = "train on standardized features (default: on for GLMs, off for mlp)")
    Boolean standardize;

    @Option(names = "--backend", defaultValue = "auto", description = "auto, cpu, opencl[:P:D] or cuda[:N] (default: ${DEFAULT-VALUE})")
    String backend;

    @Option(names = "--precision", description = "fp32 (default) or tf32 where the backend supports it")
    String precision;

    @Option(names = "--resume", description = "continue from this checkpoint (weights, optimizer state, step, RNG state)")
    Path resume;

    @Option(names = "--out", required = true, description = "where to save the model (.safetensors), atomically after every epoch")
    Path out;

    @Option(names = {"-q", "--quiet"}, description = "no progress output")
    boolean quiet;

    @Override
    public Integer call() {
        PrintStream err = System.err;
        Checkpoint.Contents resumed = resume == null ? null : Checkpoint.load(resume);
        Prepared p = prepare();
        Loss loss = p.loss;
        List<Integer> sizes = new ArrayList<>();
        sizes.add(p.data.cols());
        List<Activation> acts = new ArrayList<>();
        if (model == Model.mlp) {
            List<Integer> h = hidden == null || hidden.isEmpty() ? List.of(100) : hidden;
            for (int w : h) {
                if (w <= 0) {
                    throw new Main.UserException("--hidden widths must be positive, got " + h);
                }
            }
            sizes.addAll(h);
            if (activation.size() == 1) {
                acts.addAll(Collections.nCopies(h.size(), Activation.parse(activation.get(0))));
            } else if (activation.size() == h.size()) {
                activation.forEach(a -> acts.add(Activation.parse(a)));
            } else {
                throw new Main.UserException("--activation lists " + activation.size() + " activations for "
                        + h.size() + " hidden layers " + h + ": give one, or one per layer");
            }
        } else if (hidden != null) {
            throw new Main.UserException("--hidden applies to --model mlp only");
        }
        sizes.add(p.outputs);
        Architecture arch = new Architecture(sizes, acts, loss);
        TrainConfig config = config(resumed);
        boolean std = standardize != null ? standardize : model != Model.mlp;
        double[][] scaling = null;
        if (resumed != null) {
            checkResumable(resumed, arch, p);
            scaling = resumed.scaling();
        } else if (std) {
            scaling = Standardizer.fit(p.data);
        }
        Dataset trainData = scaling == null ? p.data : Standardizer.apply(p.data, scaling);

        try (Backend b = Cli.openBackend(backend, precision, err);
             Network net = Network.create(b, arch, model == Model.mlp ? Init.AUTO : Init.ZEROS, config.seed(), false)) {
            TrainingState state = null;
            if (resumed != null) {
                net.setParameterArrays(resumed.trainingParameters() != null ? resumed.trainingParameters()
                        : interleave(resumed.weights(), resumed.biases()));
                state = resumed.state();
                if (state == null && !config.optimizer().fullBatch()) {
                    throw new Main.UserException(resume + " holds no training state (optimizer, step): it was not "
                            + "written by logitnet train");
                }
                if (state != null && state.epochsDone() >= config.epochs()) {
                    throw new Main.UserException(resume + " has already trained " + state.epochsDone()
                            + " epochs; pass --epochs larger than that to continue");
                }
                err.println("resuming from " + resume + (state == null ? "" : " after epoch " + state.epochsDone()));
            }
            Checkpoint.Card card = new Checkpoint.Card(model.name(), arch, p.data.featureNames(),
                    p.classes == null ? List.of() : p.classes.labels(), target == null ? "" : target,
                    b.precision().name().toLowerCase(Locale.ROOT), b.name() + ": " + b.deviceName(), config.seed(),
                    null);
            double[][] sc = scaling;
            Trainer trainer = new Trainer(config, new Progress(err, Progress.onTerminal(), quiet));
            TrainingState[] last = {state};
            History h = trainer.fit(net, trainData, config.optimizer().fullBatch() ? null : state, s -> {
                last[0] = s;
                save(card, net, config, s, sc);
            });
            save(card, net, config, config.optimizer().fullBatch() ? null : last[0], sc);
            report(h, card, net, sc);
        }
        return 0;
    }

    private static List<float[]> interleave(List<float[]> w, List<float[]> b) {
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < w.size(); i++) {
            out.add(w.get(i));
            out.add(b.get(i));
        }
        return out;
    }

    private void save(Checkpoint.Card card, Network net, TrainConfig config, TrainingState state, double[][] scaling) {
        List<float[]> w = new ArrayList<>();
        List<float[]> bs = new ArrayList<>();
        for (int i = 0; i < net.layers().size(); i++) {
            w.add(net.weight(i));
            bs.add(net.bias(i));
        }
        Checkpoint.save(out, card, w, bs, config, state, scaling);
    }

    private void report(History h, Checkpoint.Card card, Network net, double[][] scaling) {
        PrintStream o = System.out;
        o.println("model: " + card.model() + " " + card.architecture().describe());
        o.println("stopped: " + h.stopReason());
        var last = h.last();
        o.println("objective: " + Cli.fmt(last.trainObjective()));
        if (!Double.isNaN(last.validationLoss())) {
            o.println("validation_loss: " + Cli.fmt(last.validationLoss()));
        }
        last.metrics().forEach((k, v) -> o.println(Progress.metricName(k, last) + ": " + Cli.fmt(v)));
        Double acc = last.metrics().get("accuracy");
        if (model != Model.mlp && net.l2() == 0f && acc != null && acc == 1.0 && last.trainObjective() < 1e-3) {
            System.err.println("warning: the classes are linearly separable in the training data, so maximum "
                    + "likelihood has no finite solution: the coefficients grow until the optimizer stops. Add a "
                    + "penalty (e.g. --l2 0.01) for meaningful coefficients.");
        }
        if (model != Model.mlp) {
            Checkpoint.Contents saved = Checkpoint.load(out);
            o.println("equation: " + InspectCommand.equation(saved));
        }
        o.println("saved: " + out);
    }

    private TrainConfig config(Checkpoint.Contents resumed) {
        TrainConfig c = resumed != null && resumed.config() != null ? resumed.config() : defaults();
        if (optimizer != null) {
            OptimizerSpec.Kind k = OptimizerSpec.Kind.parse(optimizer);
            c = c.withOptimizer(switch (k) {
                case LBFGS -> OptimizerSpec.lbfgs();
                case SGD -> OptimizerSpec.sgd(lr != null ? lr : 0.1f, momentum != null ? momentum : 0.9f);
                case ADAM -> weightDecay != null && weightDecay > 0
                        ? OptimizerSpec.adamW(lr != null ? lr : (model == Model.mlp ? 0.01f : 0.001f), weightDecay)
                        : OptimizerSpec.adam(lr != null ? lr : (model == Model.mlp ? 0.01f : 0.001f));
            });
        } else if (lr != null) {
            c = c.withOptimizer(c.optimizer().withLearningRate(lr));
        }
        if (epochs != null) {
            c = c.withEpochs(epochs);
        }
        if (maxIter != null) {
            c = c.withMaxIterations(maxIter);
        }
        if (tol != null) {
            c = c.withTolerance(tol);
        }
        if (batchSize != null) {
            if (batchSize < 1) {
                throw new Main.UserException("--batch-size must be >= 1, got " + batchSize);
            }
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
            c = c.withSchedule(TrainConfig.Schedule.valueOf(schedule.trim().toUpperCase(Locale.ROOT)));
        }
        return c;
    }

    private TrainConfig defaults() {
        TrainConfig d = TrainConfig.defaults().withTolerance(1e-6);
        return model == Model.mlp ? d.withOptimizer(OptimizerSpec.adam(0.01f)) : d.withOptimizer(OptimizerSpec.lbfgs());
    }

    private void checkResumable(Checkpoint.Contents r, Architecture arch, Prepared p) {
        if (!r.card().architecture().equals(arch)) {
            throw new Main.UserException("--resume " + resume + " holds " + r.card().architecture().describe()
                    + " but these options and data make " + arch.describe());
        }
        if (!r.card().features().equals(p.data.featureNames())) {
            throw new Main.UserException("--resume " + resume + " was trained on features " + r.card().features()
                    + ", this data has " + p.data.featureNames());
        }
        if (p.classes != null && !r.card().classes().equals(p.classes.labels())) {
            throw new Main.UserException("--resume " + resume + " has classes " + r.card().classes()
                    + ", this data has " + p.classes.labels());
        }
    }

    /** The training data, its classes and the output layer it implies. */
    record Prepared(Dataset data, ClassLabels classes, Loss loss, int outputs) {
    }

    private Prepared prepare() {
        boolean classify = switch (model) {
            case logistic, softmax -> true;
            case linear, poisson -> false;
            case mlp -> switch (task.toLowerCase(Locale.ROOT)) {
                case "classify" -> true;
                case "regress" -> false;
                default -> throw new Main.UserException("--task must be classify or regress, got '" + task + "'");
            };
        };
        if (Cli.isIdx(data)) {
            if (labels == null) {
                throw new Main.UserException("IDX --data " + data + " needs --labels (the IDX labels file)");
            }
            Dataset d = IdxReader.readImagesAndLabels(data, labels);
            if (!classify) {
                throw new Main.UserException("IDX data holds class labels: use a classifier model");
            }
            List<String> names = new ArrayList<>();
            int k = 0;
            for (float v : d.y()) {
                k = Math.max(k, (int) v + 1);
            }
            for (int i = 0; i < k; i++) {
                names.add(Integer.toString(i));
            }
            return classifier(d, ClassLabels.of(names));
        }
        if (target == null) {
            throw new Main.UserException("--target COLUMN is required with CSV data");
        }
        CsvTable t = Cli.readCsv(data);
        List<String> features = t.allColumnsExcept(target);
        if (classify) {
            ClassLabels cl = ClassLabels.fit(t, target);
            return classifier(t.classification(target, features, cl), cl);
        }
        if (model == Model.poisson) {
            return new Prepared(t.countRegression(target, features), null, Loss.POISSON, 1);
        }
        return new Prepared(t.regression(target, features), null, Loss.SQUARED_ERROR, 1);
    }

    private Prepared classifier(Dataset d, ClassLabels cl) {
        int k = cl.size();
        if (model == Model.logistic && k != 2) {
            throw new Main.UserException("logistic regression needs 2 classes but the target has " + k + " "
                    + cl.labels() + ": use --model softmax");
        }
        boolean binary = model == Model.logistic || (model == Model.mlp && k == 2);
        return new Prepared(d, cl, binary ? Loss.SIGMOID_BINARY_CROSS_ENTROPY : Loss.SOFTMAX_CROSS_ENTROPY,
                binary ? 1 : k);
    }
}
