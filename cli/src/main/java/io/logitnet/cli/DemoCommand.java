package io.logitnet.cli;

import io.logitnet.backend.Activation;
import io.logitnet.backend.Backend;
import io.logitnet.backend.Backends;
import io.logitnet.backend.Loss;
import io.logitnet.backend.Tensor;
import io.logitnet.check.CrossCheck;
import io.logitnet.cpu.CpuBackend;
import io.logitnet.data.Dataset;
import io.logitnet.data.Mnist;
import io.logitnet.nn.Architecture;
import io.logitnet.nn.Init;
import io.logitnet.nn.Network;
import io.logitnet.train.History;
import io.logitnet.train.Metrics;
import io.logitnet.train.OptimizerSpec;
import io.logitnet.train.TrainConfig;
import io.logitnet.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code logitnet demo}: the README's main job. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Train an MLP (784-256 sigmoid-10) on the bundled MNIST sample with the best backend available, "
                + "print the test accuracy, and cross-check a training step on that backend against the CPU.",
                "Exit status 0 when the cross-check passes."})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--backend", defaultValue = "auto", description = "auto, cpu, opencl or cuda (default: ${DEFAULT-VALUE})")
    String backend;

    @Option(names = "--epochs", defaultValue = "12", description = "epochs (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--train", defaultValue = "8000", description = "training digits, the rest of the 10,000 are the test set (default: ${DEFAULT-VALUE})")
    int trainRows;

    @Override
    public Integer call() {
        PrintStream o = System.out;
        Dataset all = Mnist.normalize(Mnist.sample());
        if (trainRows < 100 || trainRows > all.rows() - 100) {
            throw new Main.UserException("--train must be in [100, " + (all.rows() - 100) + "], got " + trainRows);
        }
        Dataset train = all.range(0, trainRows);
        Dataset test = all.range(trainRows, all.rows());
        o.println("LogitNet demo: an MLP is logistic regressions stacked. 256 sigmoid units (each a logistic "
                + "regression on the pixels) feed a softmax regression over the 10 digits.");
        o.println("data: bundled MNIST sample, " + train.rows() + " training and " + test.rows() + " test digits");
        Architecture arch = new Architecture(List.of(784, 256, 10), List.of(Activation.SIGMOID),
                Loss.SOFTMAX_CROSS_ENTROPY);
        TrainConfig config = TrainConfig.defaults().withEpochs(epochs).withBatchSize(64).withSeed(7)
                .withOptimizer(OptimizerSpec.sgd(0.2f, 0.9f)).withL2(5e-4f)
                .withSchedule(TrainConfig.Schedule.COSINE);
        try (Backend b = Cli.openBackend(backend, null, o); CpuBackend cpu = new CpuBackend();
             Network net = Network.create(b, arch, Init.AUTO, config.seed(), false)) {
            History h = new Trainer(config, new Progress(o, Progress.onTerminal(), false)).fit(net, train);
            float[] logits = new float[test.rows() * 10];
            try (Tensor x = b.upload(test.x(), test.rows(), test.cols())) {
                b.download(net.forward(x), logits, 0);
            }
            double acc = Metrics.softmaxAccuracy(logits, test.y(), test.rows(), 10);
            o.println(String.format(Locale.ROOT, "test accuracy: %.4f on %d held-out digits (%d epochs on %s)",
                    acc, test.rows(), h.epochs().size(), b.name()));
            o.println();
            if (b.name().equals("cpu")) {
                o.println("cross-check: this run used the CPU backend itself, the reference; no GPU or OpenCL "
                        + "device was available:");
                for (Backends.Status s : Backends.discover()) {
                    if (!s.availability().available()) {
                        o.println("  " + s.provider().name() + ": " + s.availability().reason());
                    }
                }
                o.println("  the step below compares the CPU backend with a second CPU instance.");
            }
            CrossCheck.Report r = CrossCheck.run(b, cpu, arch, 64, OptimizerSpec.sgd(0.2f, 0.9f), 11);
            o.println("cross-check of one training step (forward, backward, SGD update), " + b.name() + " vs cpu, "
                    + r.precision() + ":");
            for (CrossCheck.Entry e : r.entries()) {
                o.println("  " + e.format());
            }
            o.println(r.passed() ? "cross-check: passed" : "cross-check: FAILED");
            return r.passed() ? 0 : 1;
        }
    }
}
