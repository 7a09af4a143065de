package io.logitnet.cli;

import io.logitnet.InvalidDataException;
import io.logitnet.backend.Backend;
import io.logitnet.data.CsvTable;
import io.logitnet.data.Dataset;
import io.logitnet.io.AtomicFile;
import io.logitnet.model.Models;
import io.logitnet.model.NetworkModel;
import io.logitnet.model.NonFiniteOutputException;
import io.logitnet.train.Metrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code logitnet predict}. */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Predict with a saved model. Writes CSV: column 'prediction' (the class label as in the "
                + "training data, or the predicted value) and, for classifiers, one column p_<label> per class.",
                "Feature columns are picked by name; extra columns (such as the target) are ignored. Numbers are "
                        + "written in plain decimal notation that reads back as the same float32."})
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "a .safetensors model from logitnet train")
    Path model;

    @Option(names = "--data", required = true, description = "CSV file (gzipped or not) with the model's feature "
            + "columns")
    Path data;

    @Option(names = "--out", description = "output CSV (default: standard output); written atomically")
    Path out;

    @Mixin
    BackendOptions backendOptions;

    @Override
    public Integer call() {
        if (out != null) {
            Map<String, Path> inputs = new LinkedHashMap<>();
            inputs.put("--model", model);
            inputs.put("--data", data);
            Cli.checkOutput("--out", out, inputs);
        }
        NetworkModel<?> m = Models.load(model);
        Dataset d = DataOptions.readFor(m, data, null);
        float[] x = d.x();
        int rows = d.rows();
        StringBuilder sb = new StringBuilder("prediction");
        try (Backend b = Cli.openBackend(backendOptions, backendOptions.verbose ? System.err : null)) {
            m.backend(b);
            if (m.isClassifierModel()) {
                List<String> classes = m.classLabels();
                for (String c : classes) {
                    sb.append(',').append(csvCell("p_" + c));
                }
                sb.append('\n');
                int k = classes.size();
                float[] p = probabilities(m, x, rows, data);
                for (int i = 0; i < rows; i++) {
                    sb.append(csvCell(classes.get(Metrics.argmax(p, i * k, k))));
                    for (int j = 0; j < k; j++) {
                        sb.append(',').append(Cli.plain(p[i * k + j]));
                    }
                    sb.append('\n');
                }
            } else {
                sb.append('\n');
                float[] y = outputs(m, x, rows, data);
                int o = m.architecture().outputs();
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < o; j++) {
                        sb.append(j == 0 ? "" : ",").append(Cli.plain(y[i * o + j]));
                    }
                    sb.append('\n');
                }
            }
        }
        if (out == null) {
            System.out.print(sb);
        } else {
            write(out, sb.toString());
            PrintStream err = System.err;
            err.println("wrote " + rows + " rows to " + out);
        }
        return 0;
    }

    /** Class probabilities; a row whose output is not finite is an error naming its line. */
    static float[] probabilities(NetworkModel<?> m, float[] x, int rows, Path file) {
        try {
            return m.classProbabilities(x, rows);
        } catch (NonFiniteOutputException e) {
            throw located(e, file);
        }
    }

    /** A regression's outputs; a row whose output is not finite is an error naming its line. */
    static float[] outputs(NetworkModel<?> m, float[] x, int rows, Path file) {
        try {
            return m.predictRaw(x, rows);
        } catch (NonFiniteOutputException e) {
            throw located(e, file);
        }
    }

    /** The row's line in the file (read again only on this error path: rows and lines differ after blank lines). */
    static InvalidDataException located(NonFiniteOutputException e, Path file) {
        CsvTable t = Cli.readCsv(file);
        return new InvalidDataException(t.source(), t.line(e.row()), 0, null, "no prediction for this row: the "
                + "model's output is not a finite number (" + e.why() + ")");
    }

    static String csvCell(String s) {
        if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
            return '"' + s.replace("\"", "\"\"") + '"';
        }
        return s;
    }

    static void write(Path file, String content) {
        AtomicFile.write(file, ch -> {
            Writer w = new BufferedWriter(new OutputStreamWriter(Channels.newOutputStream(ch), StandardCharsets.UTF_8));
            w.write(content);
            w.flush();
        });
    }
}
