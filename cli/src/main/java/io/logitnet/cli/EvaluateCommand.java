package io.logitnet.cli;

import io.logitnet.backend.Backend;
import io.logitnet.backend.Loss;
import io.logitnet.data.ClassLabels;
import io.logitnet.data.CsvTable;
import io.logitnet.io.Checkpoint;
import io.logitnet.train.Metrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code logitnet evaluate}. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Score a saved model on labelled data: accuracy and log loss for classifiers, MSE for linear, "
                + "mean Poisson deviance for Poisson.")
final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true)
    Path model;

    @Option(names = "--data", required = true)
    Path data;

    @Option(names = "--target", required = true, description = "the target column")
    String target;

    @Option(names = "--json", description = "print one JSON object instead of key: value lines")
    boolean json;

    @Option(names = "--backend", defaultValue = "cpu", description = "backend to evaluate on (default: ${DEFAULT-VALUE})")
    String backend;

    @Override
    public Integer call() {
        Checkpoint.Contents m = Checkpoint.load(model);
        CsvTable t = Cli.readCsv(data);
        Map<String, Double> metrics = evaluate(m, t, target, backend);
        metrics.put("rows", (double) t.rowCount());
        PrintStream o = System.out;
        if (json) {
            StringBuilder sb = new StringBuilder("{");
            metrics.forEach((k, v) -> sb.append(sb.length() > 1 ? ", " : "").append('"').append(k).append("\": ")
                    .append(k.equals("rows") ? Long.toString(v.longValue()) : Double.toString(v)));
            o.println(sb.append('}'));
        } else {
            metrics.forEach((k, v) -> o.println(k + ": " + (k.equals("rows") ? Long.toString(v.longValue())
                    : String.format(Locale.ROOT, "%.6f", v))));
        }
        return 0;
    }

    static Map<String, Double> evaluate(Checkpoint.Contents m, CsvTable t, String target, String backendSel) {
        float[] x = t.features(m.card().features());
        int rows = t.rowCount();
        Loss loss = m.card().architecture().loss();
        float[] out;
        try (Backend b = Cli.openBackend(backendSel, null, new PrintStream(PrintStream.nullOutputStream()))) {
            out = Cli.outputs(m, b, x, rows);
        }
        Map<String, Double> r = new LinkedHashMap<>();
        if (Cli.isClassifier(loss)) {
            ClassLabels cl = ClassLabels.of(m.card().classes());
            int[] y = cl.encode(t, target);
            int k = cl.size();
            float[] p = Cli.classProbabilities(loss, out, rows, k);
            float[] yf = new float[rows];
            int correct = 0;
            for (int i = 0; i < rows; i++) {
                yf[i] = y[i];
                correct += Metrics.argmax(p, i * k, k) == y[i] ? 1 : 0;
            }
            r.put("accuracy", correct / (double) rows);
            r.put("log_loss", Metrics.logLoss(p, yf, rows, k));
        } else if (loss == Loss.POISSON) {
            float[] y = t.countColumn(target);
            double[] mu = new double[rows];
            for (int i = 0; i < rows; i++) {
                mu[i] = out[i];
            }
            r.put("poisson_deviance", Metrics.poissonDeviance(mu, y));
        } else {
            float[] y = t.numericColumn(target);
            r.put("mse", Metrics.mse(out, y));
        }
        return r;
    }
}
