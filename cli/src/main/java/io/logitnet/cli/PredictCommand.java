package io.logitnet.cli;

import io.logitnet.backend.Backend;
import io.logitnet.backend.Loss;
import io.logitnet.data.CsvTable;
import io.logitnet.io.Checkpoint;
import io.logitnet.train.Metrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code logitnet predict}. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Predict with a saved model. Writes CSV: column 'prediction' (the class label as in the "
                + "training data, or the predicted value) and, for classifiers, one column p_<label> per class.",
                "Feature columns are picked by name; extra columns (such as the target) are ignored."})
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "a .safetensors model from logitnet train")
    Path model;

    @Option(names = "--data", required = true, description = ".csv or .csv.gz with the model's feature columns")
    Path data;

    @Option(names = "--out", description = "output CSV (default: standard output); written atomically")
    Path out;

    @Option(names = "--backend", defaultValue = "cpu", description = "backend to predict on (default: ${DEFAULT-VALUE})")
    String backend;

    @Override
    public Integer call() throws IOException {
        Checkpoint.Contents m = Checkpoint.load(model);
        CsvTable t = Cli.readCsv(data);
        float[] x = t.features(m.card().features());
        int rows = t.rowCount();
        float[] outputs;
        try (Backend b = Cli.openBackend(backend, null, new PrintStream(PrintStream.nullOutputStream()))) {
            outputs = Cli.outputs(m, b, x, rows);
        }
        Loss loss = m.card().architecture().loss();
        List<String> classes = m.card().classes();
        StringBuilder sb = new StringBuilder("prediction");
        if (Cli.isClassifier(loss)) {
            for (String c : classes) {
                sb.append(',').append(csvCell("p_" + c));
            }
        }
        sb.append('\n');
        if (Cli.isClassifier(loss)) {
            int k = classes.size();
            float[] p = Cli.classProbabilities(loss, outputs, rows, k);
            for (int i = 0; i < rows; i++) {
                sb.append(csvCell(classes.get(Metrics.argmax(p, i * k, k))));
                for (int j = 0; j < k; j++) {
                    sb.append(',').append(p[i * k + j]);
                }
                sb.append('\n');
            }
        } else {
            int o = m.card().architecture().outputs();
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < o; j++) {
                    sb.append(j == 0 ? "" : ",").append(outputs[i * o + j]);
                }
                sb.append('\n');
            }
        }
        if (out == null) {
            System.out.print(sb);
        } else {
            writeAtomically(out, sb.toString());
        }
        return 0;
    }

    static String csvCell(String s) {
        if (s.contains(",") || s.contains("\"") || s.contains("\n")) {
            return '"' + s.replace("\"", "\"\"") + '"';
        }
        return s;
    }

    static void writeAtomically(Path file, String content) {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
            try (Writer w = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(tmp),
                    StandardCharsets.UTF_8))) {
                w.write(content);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original error matters more
                }
            }
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
