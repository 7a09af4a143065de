package io.logitnet.cli;

import io.logitnet.backend.Loss;
import io.logitnet.io.Checkpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code logitnet inspect}. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show a saved model: architecture, precision, backend, seed, and a GLM's coefficients and equation.")
final class InspectCommand implements Callable<Integer> {
    @Option(names = "--model", required = true)
    Path model;

    @Override
    public Integer call() {
        Checkpoint.Contents m = Checkpoint.load(model);
        Checkpoint.Card c = m.card();
        PrintStream o = System.out;
        o.println("model: " + c.model());
        o.println("architecture: " + c.architecture().describe());
        o.println("layers: " + c.architecture().sizes());
        o.println("output: " + c.architecture().loss().outputName());
        o.println("features: " + c.features().size() + " " + abbreviate(c.features()));
        if (!c.classes().isEmpty()) {
            o.println("classes: " + c.classes());
        }
        if (!c.target().isEmpty()) {
            o.println("target: " + c.target());
        }
        o.println("precision: " + c.precision());
        o.println("backend: " + c.backend());
        o.println("seed: " + c.seed());
        o.println("version: " + c.version());
        if (m.state() != null) {
            o.println("epochs_done: " + m.state().epochsDone());
            o.println("optimizer_steps: " + m.state().optimizerSteps());
        }
        if (m.config() != null) {
            o.println("optimizer: " + m.config().optimizer().describe());
        }
        if (c.architecture().layerCount() == 1) {
            float[] w = m.weights().get(0);
            float[] b = m.biases().get(0);
            int d = c.architecture().inputs();
            for (int k = 0; k < b.length; k++) {
                String prefix = b.length == 1 ? "" : "[" + label(c, k) + "] ";
                o.println(prefix + "intercept: " + Cli.fmt(b[k]));
                for (int j = 0; j < d; j++) {
                    o.println(prefix + "coefficient " + c.features().get(j) + ": " + Cli.fmt(w[k * d + j]));
                }
            }
            o.println("equation: " + equation(m));
        }
        return 0;
    }

    private static String label(Checkpoint.Card c, int k) {
        return k < c.classes().size() ? c.classes().get(k) : Integer.toString(k);
    }

    private static String abbreviate(List<String> names) {
        return names.size() <= 12 ? names.toString()
                : names.subList(0, 10) + " ... " + names.get(names.size() - 1);
    }

    /** A GLM's equation in raw feature units. */
    static String equation(Checkpoint.Contents m) {
        Checkpoint.Card c = m.card();
        float[] w = m.weights().get(0);
        float[] b = m.biases().get(0);
        int d = c.architecture().inputs();
        Loss loss = c.architecture().loss();
        if (loss == Loss.SOFTMAX_CROSS_ENTROPY) {
            StringBuilder sb = new StringBuilder("P(y=k|x) = softmax(s)_k with");
            for (int k = 0; k < b.length; k++) {
                sb.append("\n  s_").append(label(c, k)).append(" = ").append(rhs(b[k], w, k * d, d, c.features()));
            }
            return sb.toString();
        }
        String lhs = switch (loss) {
            case SIGMOID_BINARY_CROSS_ENTROPY -> "log(p/(1-p))" + (c.classes().size() == 2
                    ? " [p = P(" + c.target() + (c.target().isEmpty() ? "" : "=") + c.classes().get(1) + ")]" : "");
            case POISSON -> "log(μ)";
            default -> "y";
        };
        return lhs + " = " + rhs(b[0], w, 0, d, c.features());
    }

    private static String rhs(float b, float[] w, int off, int d, List<String> names) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%.4g", b));
        for (int j = 0; j < d; j++) {
            float v = w[off + j];
            sb.append(v < 0 ? " − " : " + ").append(String.format(Locale.ROOT, "%.4g", Math.abs(v))).append('·')
                    .append(names.get(j));
        }
        return sb.toString();
    }
}
