package io.logitnet.cli;

import io.logitnet.backend.Backend;
import io.logitnet.data.Dataset;
import io.logitnet.model.Models;
import io.logitnet.model.NetworkModel;
import io.logitnet.model.NonFiniteOutputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code logitnet evaluate}. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Score a saved model on labelled data: accuracy and log loss for classifiers, mean squared "
                + "error for linear regression, mean Poisson deviance for Poisson regression.")
final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "a .safetensors model from logitnet train")
    Path model;

    @Option(names = "--data", required = true, description = "CSV file (gzipped or not) with the model's feature "
            + "columns and the target column")
    Path data;

    @Option(names = "--target", description = "the target column (default: the one the model was trained on)")
    String target;

    @Option(names = "--json", description = "print one JSON object instead of name: value lines")
    boolean json;

    @Mixin
    BackendOptions backendOptions;

    @Override
    public Integer call() {
        NetworkModel<?> m = Models.load(model);
        String tgt = target != null ? target : m.target();
        if (tgt.isEmpty()) {
            throw new Main.UserException("the model does not name its target column: give --target COLUMN");
        }
        Dataset d = DataOptions.readFor(m, data, tgt);
        Map<String, Double> metrics;
        try (Backend b = Cli.openBackend(backendOptions, backendOptions.verbose ? System.err : null)) {
            m.backend(b);
            metrics = m.score(d);
        } catch (NonFiniteOutputException e) {
            throw PredictCommand.located(e, data);
        }
        PrintStream o = System.out;
        if (json) {
            StringBuilder sb = new StringBuilder("{");
            metrics.forEach((k, v) -> sb.append(sb.length() > 1 ? ", " : "").append('"').append(k).append("\": ")
                    .append(v));
            sb.append(", \"rows\": ").append(d.rows());
            o.println(sb.append('}'));
        } else {
            metrics.forEach((k, v) -> o.println(k + ": " + Cli.fmt(v)));
            o.println("rows: " + d.rows());
        }
        return 0;
    }
}
