package io.logitnet.cli;

import io.logitnet.backend.Activation;
import io.logitnet.backend.Backend;
import io.logitnet.backend.Backends;
import io.logitnet.check.CrossCheck;
import io.logitnet.cpu.CpuBackend;
import io.logitnet.data.Dataset;
import io.logitnet.data.Mnist;
import io.logitnet.model.Mlp;
import io.logitnet.train.History;
import io.logitnet.train.OptimizerSpec;
import io.logitnet.train.TrainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code logitnet demo}: the README's main job. */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train an MLP (784-256 sigmoid-10) on the bundled MNIST sample with the fastest backend "
                + "available, print the test accuracy, and cross-check a training step on that backend against the "
                + "CPU.", "Exit status 0 when the cross-check passes, 1 when it does not."})
final class DemoCommand implements Callable<Integer> {
    @Mixin
    BackendOptions backendOptions;

    @Option(names = "--epochs", defaultValue = "12", description = "epochs, >= 1 (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--train", defaultValue = "8000", description = "training digits, the rest of the 10,000 are the "
            + "test set (default: ${DEFAULT-VALUE})")
    int trainRows;

    @Override
    public Integer call() {
        PrintStream o = System.out;
        if (epochs < 1) {
            throw new Main.UserException("--epochs must be >= 1, got " + epochs);
        }
        Dataset all = Mnist.normalize(Mnist.sample());
        if (trainRows < 100 || trainRows > all.rows() - 100) {
            throw new Main.UserException("--train must be in [100, " + (all.rows() - 100) + "], got " + trainRows);
        }
        Dataset train = all.range(0, trainRows);
        Dataset test = all.range(trainRows, all.rows());
        o.println("LogitNet demo: an MLP is logistic regressions stacked. 256 sigmoid units (each a logistic "
                + "regression on the pixels) feed a softmax regression over the 10 digits.");
        o.println("data: bundled MNIST sample, " + train.rows() + " training and " + test.rows() + " test digits");
        TrainConfig config = TrainConfig.defaults().withEpochs(epochs).withBatchSize(64).withSeed(7)
                .withOptimizer(OptimizerSpec.sgd(0.2f, 0.9f)).withL2(5e-4f)
                .withSchedule(TrainConfig.Schedule.COSINE);
        try (Backend b = Cli.openBackend(backendOptions, o); CpuBackend cpu = new CpuBackend()) {
            // the usual MNIST normalization is applied above; no further standardization
            Mlp mlp = Mlp.classifier(256).activation(Activation.SIGMOID).config(config).standardize(false)
                    .backend(b).listener(new Progress(o, Progress.onTerminal(), false));
            History h = mlp.fit(train);
            double acc = mlp.score(test).get("accuracy");
            o.println(String.format(Locale.ROOT, "test accuracy: %.4f on %d held-out digits (%d epochs on %s)",
                    acc, test.rows(), h.epochs().size(), b.name()));
            o.println();
            if (b.name().equals("cpu")) {
                if (backendOptions.backend.equalsIgnoreCase("auto")) {
                    o.println("cross-check: auto chose the CPU backend, the reference itself; the faster backends "
                            + "were not available here:");
                    for (Backends.Status s : Backends.discover()) {
                        if (!s.availability().available()) {
                            o.println("  " + s.provider().name() + ": " + s.availability().summary());
                        }
                    }
                } else {
                    o.println("cross-check: this run used the CPU backend (--backend " + backendOptions.backend
                            + "), the reference itself:");
                }
                o.println("  the step below compares the CPU backend with a second CPU instance.");
            }
            CrossCheck.Report r = CrossCheck.run(b, cpu, mlp.architecture(), 64, OptimizerSpec.sgd(0.2f, 0.9f), 11);
            o.println("cross-check of one training step (forward, backward, SGD update), " + b.name() + " vs cpu, "
                    + r.precision() + ":");
            o.println("  columns: " + CrossCheck.LEGEND);
            for (CrossCheck.Entry e : r.entries()) {
                o.println("  " + e.format());
            }
            o.println(r.passed() ? "cross-check: passed" : "cross-check: FAILED");
            return r.passed() ? 0 : 1;
        }
    }
}
