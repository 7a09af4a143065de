package io.logitnet.cli;

import io.logitnet.backend.Backend;
import io.logitnet.backend.Backends;
import io.logitnet.backend.Loss;
import io.logitnet.backend.Precision;
import io.logitnet.backend.Tensor;
import io.logitnet.data.CsvReader;
import io.logitnet.data.CsvTable;
import io.logitnet.io.Checkpoint;
import io.logitnet.nn.Network;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/** What the commands share: backend selection, reading data, running a saved model. */
final class Cli {
    private Cli() {
    }

    /** Opens a backend by selection, prints which one was taken and why, and sets the precision. */
    static Backend openBackend(String selection, String precision, PrintStream err) {
        Backends.Selection s = Backends.select(selection);
        Backend b = s.backend();
        try {
            if (precision != null) {
                b.setPrecision(Precision.parse(precision));
            }
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
        err.println("backend: " + s.summary() + "; precision " + b.precision().name().toLowerCase(Locale.ROOT));
        return b;
    }

    static CsvTable readCsv(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!(name.endsWith(".csv") || name.endsWith(".csv.gz"))) {
            throw new Main.UserException(file + ": expected a .csv or .csv.gz file");
        }
        return CsvReader.read(file);
    }

    static boolean isIdx(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.contains("idx") || name.endsWith(".idx") || name.endsWith(".idx.gz");
    }

    /**
     * The outputs of a saved model for row-major features: probabilities (softmax rows; sigmoid probability of
     * class 1) or the mean (linear, Poisson), in batches on the backend.
     */
    static float[] outputs(Checkpoint.Contents model, Backend backend, float[] x, int rows) {
        int d = model.card().architecture().inputs();
        int out = model.card().architecture().outputs();
        float[] result = new float[rows * out];
        int batch = 4096;
        try (Network net = Network.of(backend, model.card().architecture(), model.weights(), model.biases())) {
            for (int start = 0; start < rows; start += batch) {
                int n = Math.min(batch, rows - start);
                float[] part = java.util.Arrays.copyOfRange(x, start * d, (start + n) * d);
                try (Tensor t = backend.upload(part, n, d)) {
                    backend.download(net.predict(t), result, start * out);
                }
            }
        }
        return result;
    }

    /** Class probabilities {@code [rows, K]} from a classifier's outputs. */
    static float[] classProbabilities(Loss loss, float[] outputs, int rows, int classes) {
        if (loss == Loss.SOFTMAX_CROSS_ENTROPY) {
            return outputs;
        }
        float[] p = new float[rows * 2];
        for (int i = 0; i < rows; i++) {
            p[2 * i] = 1f - outputs[i];
            p[2 * i + 1] = outputs[i];
        }
        return p;
    }

    static boolean isClassifier(Loss loss) {
        return loss == Loss.SOFTMAX_CROSS_ENTROPY || loss == Loss.SIGMOID_BINARY_CROSS_ENTROPY;
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.6g", v);
    }
}
