package io.logitnet.cli;

import io.logitnet.model.Glm;
import io.logitnet.model.Models;
import io.logitnet.model.NetworkModel;
import io.logitnet.model.inference.InferenceUnavailableException;
import io.logitnet.train.TrainingState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code logitnet inspect}. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show a saved model: architecture, precision, backend, seed, and a GLM's coefficients and "
                + "equation in the features' raw units.")
final class InspectCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "a .safetensors model from logitnet train")
    Path model;

    @Option(names = "--summary", description = "a GLM's inference, as R's summary(glm(...)): per coefficient the "
            + "estimate, standard error, z or t, p-value and 95% interval; deviance, AIC, BIC")
    boolean summary;

    @Option(names = "--json", description = "with --summary: the summary as one JSON object")
    boolean json;

    @Override
    public Integer call() {
        if (json && !summary) {
            throw new Main.UserException("--json applies to --summary");
        }
        NetworkModel<?> m = Models.load(model);
        PrintStream o = System.out;
        if (summary) {
            if (!(m instanceof Glm<?> glm)) {
                throw new Main.UserException("--summary applies to GLMs (logistic, softmax, linear, poisson); "
                        + model + " holds an " + m.kind());
            }
            if (json) {
                try {
                    o.println(glm.summary().toJson());
                } catch (InferenceUnavailableException e) {
                    throw new Main.UserException("no inference for " + model + ": " + e.getMessage());
                }
            } else {
                o.println(summaryText(glm));
            }
            return 0;
        }
        o.println("model: " + m.kind());
        o.println("architecture: " + m.architecture().describe());
        o.println("layers: " + m.architecture().sizes());
        o.println("output: " + m.architecture().loss().outputName());
        o.println("features: " + m.featureNames().size() + " " + abbreviate(m.featureNames()));
        if (m.isClassifierModel()) {
            o.println("classes: " + m.classLabels());
        }
        if (!m.target().isEmpty()) {
            o.println("target: " + m.target());
        }
        o.println("precision: " + m.precision());
        o.println("backend: " + m.trainedOn());
        o.println("seed: " + m.trainConfig().seed());
        o.println("version: " + m.version());
        TrainingState s = m.trainingState();
        if (s != null) {
            o.println("epochs_done: " + s.epochsDone());
            o.println("optimizer_steps: " + s.optimizerSteps());
        }
        o.println("optimizer: " + m.trainConfig().optimizer().describe());
        if (m instanceof Glm<?> glm) {
            float[] w = m.weight(0);
            float[] b = m.bias(0);
            int d = m.architecture().inputs();
            List<String> labels = m.classLabels();
            for (int k = 0; k < b.length; k++) {
                String prefix = b.length == 1 ? "" : "[" + labels.get(k) + "] ";
                o.println(prefix + "intercept: " + Cli.fmt(b[k]));
                for (int j = 0; j < d; j++) {
                    o.println(prefix + "coefficient " + m.featureNames().get(j) + ": " + Cli.fmt(w[k * d + j]));
                }
            }
            o.println("equation: " + glm.equation());
        }
        return 0;
    }

    /** The GLM's inference table, or the one-line reason there is none (penalized, separated, collinear...). */
    static String summaryText(Glm<?> glm) {
        try {
            return glm.summary().toString();
        } catch (InferenceUnavailableException e) {
            return "inference: none (" + e.getMessage() + ")";
        }
    }

    private static String abbreviate(List<String> names) {
        return names.size() <= 12 ? names.toString()
                : names.subList(0, 10) + " ... " + names.get(names.size() - 1);
    }
}
