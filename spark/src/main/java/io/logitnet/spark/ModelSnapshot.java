package io.logitnet.spark;

import io.logitnet.LogitNet;
import io.logitnet.io.Checkpoint;
import io.logitnet.model.Models;
import io.logitnet.model.NetworkModel;
import io.logitnet.nn.Architecture;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What an executor needs to score with a fitted model: its kind, network, parameters in raw-feature units, feature
 * names and class labels, as a serializable value that Spark ships with the model; {@link #model()} turns it back
 * into the core model.
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

    ModelSnapshot(NetworkModel<?> m) {
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

    /** The core model these parameters make (without training history or configuration). */
    NetworkModel<?> model() {
        Checkpoint.Card card = new Checkpoint.Card(kind, architecture, features, classes, target, "fp32", "", 0,
                LogitNet.VERSION);
        return Models.from(new Checkpoint.Contents(card, weights, biases, null, null, null, null, Map.of()));
    }

    Architecture architecture() {
        return architecture;
    }

    List<String> classes() {
        return classes;
    }
}
