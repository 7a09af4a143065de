package io.logitnet.cli;

import io.logitnet.model.Glm;
import io.logitnet.model.Models;
import io.logitnet.model.NetworkModel;
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

    @Override
    public Integer call() {
        NetworkModel<?> m = Models.load(model);
        PrintStream o = System.out;
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

    private static String abbreviate(List<String> names) {
        return names.size() <= 12 ? names.toString()
                : names.subList(0, 10) + " ... " + names.get(names.size() - 1);
    }
}
