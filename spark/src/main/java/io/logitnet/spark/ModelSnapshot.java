package io.logitnet.spark;

import io.logitnet.LogitNet;
import io.logitnet.io.Checkpoint;
import io.logitnet.model.Models;
import io.logitnet.model.NetworkModel;
import io.logitnet.nn.Architecture;
import org.apache.spark.ml.linalg.Vector;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A fitted core model as the Spark models hold it: the model itself on the driver (with its training history), and
 * a serializable copy of what scoring needs (kind, network, parameters in raw-feature units, feature names, class
 * labels) that Spark ships to the executors, where {@link #model()} turns it back into the core model.
 */
final class ModelSnapshot implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String kind;
    private final Architecture architecture;
    private final ArrayList<float[]> weights = new ArrayList<>();
    private final ArrayList<float[]> biases = new ArrayList<>();
    private final ArrayList<String> features;
    private final ArrayList<String> classes;
    private final String target;
    /** The fitted (or loaded) core model; rebuilt from the copy where it did not travel. */
    private transient NetworkModel<?> fitted;
    /** A core model for scoring single rows on this JVM. */
    private transient NetworkModel<?> scorer;

    ModelSnapshot(NetworkModel<?> m) {
        this.fitted = m;
        this.kind = m.kind();
        this.architecture = m.architecture();
        for (int i = 0; i < architecture.layerCount(); i++) {
            weights.add(m.weight(i));
            biases.add(m.bias(i));
        }
        this.features = new ArrayList<>(m.featureNames());
        this.classes = new ArrayList<>(m.classLabels());
        this.target = m.target();
    }

    /** A new core model of these parameters (without training history or configuration). */
    NetworkModel<?> model() {
        Checkpoint.Card card = new Checkpoint.Card(kind, architecture, features, classes, target, "fp32", "", 0,
                LogitNet.VERSION);
        return Models.from(new Checkpoint.Contents(card, weights, biases, null, null, null, null, Map.of()));
    }

    /** The fitted core model: the one fit made or load read, on the driver. */
    NetworkModel<?> networkModel() {
        if (fitted == null) {
            fitted = model();
        }
        return fitted;
    }

    /** The outputs of one feature vector ({@code [outputs]}), on this JVM's device under the backend param. */
    float[] scoreOne(Vector features, String backend, BatchScoring.Output output) {
        float[] x = new float[architecture.inputs()];
        if (features.size() != x.length) {
            throw new IllegalArgumentException("a vector of " + features.size() + " features; the model takes "
                    + x.length);
        }
        TrainingData.copy(features, x, 0, "features", 1);
        return BatchScoring.outputs(scorer(), x, 1, backend, output);
    }

    private synchronized NetworkModel<?> scorer() {
        if (scorer == null) {
            scorer = model();
        }
        return scorer;
    }

    /** The network, checked to be a GLM (no hidden layer) for {@code what}. */
    Architecture requireGlm(String what) {
        if (architecture.layerCount() != 1) {
            throw new IllegalStateException(what + " is for a model without hidden layers; this one is "
                    + architecture.describe() + " (networkModel() gives every layer)");
        }
        return architecture;
    }

    Architecture architecture() {
        return architecture;
    }

    List<String> classes() {
        return classes;
    }
}
