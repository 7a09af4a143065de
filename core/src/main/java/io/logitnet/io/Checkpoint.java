package io.logitnet.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitnet.LogitNet;
import io.logitnet.backend.Activation;
import io.logitnet.backend.Loss;
import io.logitnet.nn.Architecture;
import io.logitnet.train.OptimizerSpec;
import io.logitnet.train.TrainConfig;
import io.logitnet.train.TrainingState;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A trained model as a safetensors file: tensors {@code layers.{i}.weight} {@code [out, in]} and
 * {@code layers.{i}.bias} {@code [out]} (so PyTorch {@code nn.Linear} layers load them), and in
 * {@code __metadata__} the architecture, the feature names, the class labels, precision, backend, seed and library
 * version. A checkpoint written during training also holds the optimizer state ({@code optimizer.*}) and the
 * trainer's state, from which training resumes exactly.
 */
public final class Checkpoint {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OPTIMIZER_PREFIX = "optimizer.";
    private static final String BEST_PREFIX = "trainer.best.";
    private static final String TRAINING_PREFIX = "trainer.params.";

    private Checkpoint() {
    }

    /**
     * What a checkpoint holds besides tensors.
     *
     * @param model     logistic, softmax, linear, poisson or mlp
     * @param features  feature column names, in input order
     * @param classes   class labels in class-index order (empty for regressions)
     * @param target    the target column's name (may be empty)
     * @param precision fp32, tf32, bf16
     * @param backend   backend and device the model was trained on
     */
    public record Card(String model, Architecture architecture, List<String> features, List<String> classes,
                       String target, String precision, String backend, long seed, String version) {
        public Card {
            features = List.copyOf(features);
            classes = List.copyOf(classes);
        }
    }

    /**
     * A loaded checkpoint. {@code config} and {@code state} are null for a finished model without them;
     * {@code scaling} and {@code trainingParameters} are null unless the model was trained on standardized inputs,
     * in which case they hold the scaling and the exact parameters in the standardized space (to resume from).
     */
    public record Contents(Card card, List<float[]> weights, List<float[]> biases, TrainConfig config,
                           TrainingState state, double[][] scaling, List<float[]> trainingParameters,
                           Map<String, String> metadata) {
    }

    /** Writes atomically (see {@link SafeTensors#write}); the weights are those the model applies to its inputs. */
    public static void save(Path file, Card card, List<float[]> weights, List<float[]> biases, TrainConfig config,
                            TrainingState state) {
        save(file, card, weights, biases, config, state, null);
    }

    /**
     * Writes atomically. With {@code scaling} (means, standard deviations) the given parameters are those of a
     * network trained on standardized inputs: the file's {@code layers.*} get them folded into raw-input form, and
     * the exact training-space parameters are kept beside them for resuming.
     */
    public static void save(Path file, Card card, List<float[]> weights, List<float[]> biases, TrainConfig config,
                            TrainingState state, double[][] scaling) {
        Architecture arch = card.architecture();
        Map<String, TensorData> tensors = new TreeMap<>();
        if (scaling != null) {
            List<float[]> foldedW = new ArrayList<>();
            List<float[]> foldedB = new ArrayList<>();
            for (int i = 0; i < weights.size(); i++) {
                tensors.put(TRAINING_PREFIX + (2 * i), TensorData.of(weights.get(i), weights.get(i).length));
                tensors.put(TRAINING_PREFIX + (2 * i + 1), TensorData.of(biases.get(i), biases.get(i).length));
                foldedW.add(weights.get(i).clone());
                foldedB.add(biases.get(i).clone());
            }
            io.logitnet.data.Standardizer.fold(foldedW.get(0), foldedB.get(0), arch.inputs(), scaling);
            weights = foldedW;
            biases = foldedB;
        }
        for (int i = 0; i < arch.layerCount(); i++) {
            int in = arch.sizes().get(i);
            int out = arch.sizes().get(i + 1);
            tensors.put("layers." + i + ".weight", TensorData.of(weights.get(i), out, in));
            tensors.put("layers." + i + ".bias", TensorData.of(biases.get(i), out));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "logitnet-1");
        meta.put("model", card.model());
        meta.put("architecture", architectureJson(arch));
        meta.put("features", json(card.features()));
        meta.put("classes", json(card.classes()));
        meta.put("target", card.target());
        meta.put("precision", card.precision());
        meta.put("backend", card.backend());
        meta.put("seed", Long.toString(card.seed()));
        meta.put("version", card.version() == null ? LogitNet.VERSION : card.version());
        if (config != null) {
            meta.put("train_config", configJson(config));
        }
        if (scaling != null) {
            ObjectNode sc = JSON.createObjectNode();
            ArrayNode m = sc.putArray("mean");
            ArrayNode sd = sc.putArray("std");
            for (int j = 0; j < scaling[0].length; j++) {
                m.add(scaling[0][j]);
                sd.add(scaling[1][j]);
            }
            meta.put("input_scaling", sc.toString());
        }
        if (state != null) {
            ObjectNode s = JSON.createObjectNode();
            s.put("epochs_done", state.epochsDone());
            s.put("optimizer_steps", state.optimizerSteps());
            s.put("best_value", Double.toString(state.bestValue()));
            s.put("best_epoch", state.bestEpoch());
            s.put("since_best", state.sinceBest());
            meta.put("train_state", s.toString());
            for (Map.Entry<String, float[]> e : state.optimizerState().entrySet()) {
                tensors.put(OPTIMIZER_PREFIX + e.getKey(), TensorData.of(e.getValue(), e.getValue().length));
            }
            if (state.bestParameters() != null) {
                for (int i = 0; i < state.bestParameters().size(); i++) {
                    float[] p = state.bestParameters().get(i);
                    tensors.put(BEST_PREFIX + i, TensorData.of(p, p.length));
                }
            }
        }
        SafeTensors.write(file, tensors, meta);
    }

    /**
     * Reads a LogitNet checkpoint.
     *
     * @throws CheckpointFormatException if the file is not valid safetensors or lacks what a LogitNet model needs
     */
    public static Contents load(Path file) {
        TensorFile tf = SafeTensors.read(file);
        Map<String, String> meta = tf.metadata();
        try {
            Architecture arch = parseArchitecture(require(file, meta, "architecture"));
            List<String> features = strings(require(file, meta, "features"));
            if (features.size() != arch.inputs()) {
                throw bad(file, "metadata 'features' names " + features.size() + " columns but the first layer takes "
                        + arch.inputs());
            }
            List<String> classes = strings(meta.getOrDefault("classes", "[]"));
            Card card = new Card(meta.getOrDefault("model", "mlp"), arch, features, classes,
                    meta.getOrDefault("target", ""), meta.getOrDefault("precision", "fp32"),
                    meta.getOrDefault("backend", "unknown"), Long.parseLong(meta.getOrDefault("seed", "0")),
                    meta.getOrDefault("version", "unknown"));
            List<float[]> w = new ArrayList<>();
            List<float[]> b = new ArrayList<>();
            for (int i = 0; i < arch.layerCount(); i++) {
                int in = arch.sizes().get(i);
                int out = arch.sizes().get(i + 1);
                w.add(tf.tensor("layers." + i + ".weight", out, in).data());
                b.add(tf.tensor("layers." + i + ".bias", out).data());
            }
            TrainConfig config = meta.containsKey("train_config") ? parseConfig(meta.get("train_config")) : null;
            TrainingState state = null;
            if (meta.containsKey("train_state")) {
                JsonNode s = JSON.readTree(meta.get("train_state"));
                Map<String, float[]> opt = new LinkedHashMap<>();
                List<float[]> best = new ArrayList<>();
                for (Map.Entry<String, TensorData> e : tf.tensors().entrySet()) {
                    if (e.getKey().startsWith(OPTIMIZER_PREFIX)) {
                        opt.put(e.getKey().substring(OPTIMIZER_PREFIX.length()), e.getValue().data());
                    }
                }
                for (int i = 0; tf.tensors().containsKey(BEST_PREFIX + i); i++) {
                    best.add(tf.tensors().get(BEST_PREFIX + i).data());
                }
                state = new TrainingState(s.get("epochs_done").asInt(), s.get("optimizer_steps").asLong(), opt,
                        Double.parseDouble(s.get("best_value").asText()), s.get("best_epoch").asInt(),
                        s.get("since_best").asInt(), best.isEmpty() ? null : best, List.of());
            }
            double[][] scaling = null;
            List<float[]> trainingParams = null;
            if (meta.containsKey("input_scaling")) {
                JsonNode sc = JSON.readTree(meta.get("input_scaling"));
                scaling = new double[2][arch.inputs()];
                for (int j = 0; j < arch.inputs(); j++) {
                    scaling[0][j] = sc.get("mean").get(j).asDouble();
                    scaling[1][j] = sc.get("std").get(j).asDouble();
                }
                trainingParams = new ArrayList<>();
                for (int i = 0; i < 2 * arch.layerCount(); i++) {
                    TensorData t = tf.tensors().get(TRAINING_PREFIX + i);
                    if (t == null) {
                        throw bad(file, "input_scaling is set but tensor " + TRAINING_PREFIX + i + " is missing");
                    }
                    trainingParams.add(t.data());
                }
            }
            return new Contents(card, w, b, config, state, scaling, trainingParams, meta);
        } catch (JsonProcessingException | RuntimeException e) {
            if (e instanceof CheckpointFormatException c) {
                throw c;
            }
            throw bad(file, "not a LogitNet model: " + e.getMessage());
        }
    }

    private static CheckpointFormatException bad(Path file, String detail) {
        return new CheckpointFormatException(file, null, CheckpointFormatException.Problem.BAD_METADATA, detail);
    }

    private static String require(Path file, Map<String, String> meta, String key) {
        String v = meta.get(key);
        if (v == null) {
            throw bad(file, "metadata has no '" + key + "': not a LogitNet model (it has " + meta.keySet() + ")");
        }
        return v;
    }

    public static String architectureJson(Architecture arch) {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode sizes = o.putArray("sizes");
        arch.sizes().forEach(sizes::add);
        ArrayNode acts = o.putArray("activations");
        arch.hiddenActivations().forEach(a -> acts.add(a.name().toLowerCase(Locale.ROOT)));
        o.put("output", arch.loss().outputName());
        o.put("loss", arch.loss().name().toLowerCase(Locale.ROOT));
        return o.toString();
    }

    static Architecture parseArchitecture(String json) throws JsonProcessingException {
        JsonNode o = JSON.readTree(json);
        List<Integer> sizes = new ArrayList<>();
        o.get("sizes").forEach(n -> sizes.add(n.intValue()));
        List<Activation> acts = new ArrayList<>();
        o.get("activations").forEach(n -> acts.add(Activation.parse(n.asText())));
        Loss loss = Loss.valueOf(o.get("loss").asText().toUpperCase(Locale.ROOT));
        return new Architecture(sizes, acts, loss);
    }

    private static String json(List<String> list) {
        ArrayNode a = JSON.createArrayNode();
        list.forEach(a::add);
        return a.toString();
    }

    private static List<String> strings(String json) throws JsonProcessingException {
        List<String> out = new ArrayList<>();
        JsonNode n = JSON.readTree(json);
        if (!n.isArray()) {
            throw new IllegalArgumentException("expected a JSON array of strings: " + json);
        }
        n.forEach(e -> out.add(e.asText()));
        return out;
    }

    private static String configJson(TrainConfig c) {
        ObjectNode o = JSON.createObjectNode();
        o.put("epochs", c.epochs());
        o.put("batch_size", c.batchSize());
        o.put("seed", c.seed());
        o.put("validation_split", c.validationSplit());
        o.put("patience", c.patience());
        o.put("min_delta", c.minDelta());
        o.put("l2", c.l2());
        o.put("max_iterations", c.maxIterations());
        o.put("tolerance", c.tolerance());
        o.put("restore_best", c.restoreBest());
        o.put("schedule", c.schedule().name());
        OptimizerSpec s = c.optimizer();
        ObjectNode opt = o.putObject("optimizer");
        opt.put("kind", s.kind().name());
        opt.put("lr", s.learningRate());
        opt.put("momentum", s.momentum());
        opt.put("nesterov", s.nesterov());
        opt.put("beta1", s.beta1());
        opt.put("beta2", s.beta2());
        opt.put("eps", s.eps());
        opt.put("weight_decay", s.weightDecay());
        opt.put("history", s.lbfgsHistory());
        return o.toString();
    }

    private static TrainConfig parseConfig(String json) throws JsonProcessingException {
        JsonNode o = JSON.readTree(json);
        JsonNode opt = o.get("optimizer");
        OptimizerSpec spec = new OptimizerSpec(OptimizerSpec.Kind.valueOf(opt.get("kind").asText()),
                (float) opt.get("lr").asDouble(), (float) opt.get("momentum").asDouble(), opt.get("nesterov").asBoolean(),
                (float) opt.get("beta1").asDouble(), (float) opt.get("beta2").asDouble(),
                (float) opt.get("eps").asDouble(), (float) opt.get("weight_decay").asDouble(), opt.get("history").asInt());
        return new TrainConfig(o.get("epochs").asInt(), o.get("batch_size").asInt(), o.get("seed").asLong(),
                o.get("validation_split").asDouble(), o.get("patience").asInt(), o.get("min_delta").asDouble(), spec,
                (float) o.get("l2").asDouble(), o.get("max_iterations").asInt(), o.get("tolerance").asDouble(),
                o.get("restore_best").asBoolean(), TrainConfig.Schedule.valueOf(o.get("schedule").asText()));
    }
}
