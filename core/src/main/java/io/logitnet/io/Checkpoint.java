package io.logitnet.io;

import com.fasterxml.jackson.core.JsonLocation;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A trained model as a safetensors file: tensors {@code layers.{i}.weight} {@code [out, in]} and
 * {@code layers.{i}.bias} {@code [out]} (so PyTorch {@code nn.Linear} layers load them), and in
 * {@code __metadata__} the architecture, the feature names, the class labels, precision, backend, seed and library
 * version. A checkpoint written during training also holds the optimizer state ({@code optimizer.*}) and the
 * trainer's state, from which training resumes exactly.
 *
 * <p>{@link #load} checks everything a model needs before anything uses it: the format version, every metadata
 * field (each error names the field), that the model kind, the architecture, the class labels and the tensors agree,
 * and that every parameter is a finite number.
 */
public final class Checkpoint {
    /** The format this version writes and reads. */
    public static final String FORMAT = "logitnet-1";
    /** The model kinds, as stored in the {@code model} field. */
    public static final List<String> MODEL_KINDS = List.of("logistic", "softmax", "linear", "poisson", "mlp");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OPTIMIZER_PREFIX = "optimizer.";
    private static final String BEST_PREFIX = "trainer.best.";
    private static final String TRAINING_PREFIX = "trainer.params.";
    /** Metadata keys this class writes itself; callers' extra metadata may not use them. */
    private static final Set<String> RESERVED = Set.of("format", "model", "architecture", "features", "classes",
            "target", "precision", "backend", "seed", "version", "train_config", "input_scaling", "train_state");

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
     * {@code metadata} is every metadata string, including the extra fields a caller stored.
     */
    public record Contents(Card card, List<float[]> weights, List<float[]> biases, TrainConfig config,
                           TrainingState state, double[][] scaling, List<float[]> trainingParameters,
                           Map<String, String> metadata) {
    }

    /**
     * Writes atomically (see {@link AtomicFile}). With {@code scaling} (means, standard deviations) the given
     * parameters are those of a network trained on standardized inputs: the file's {@code layers.*} get them folded
     * into raw-input form, and the exact training-space parameters are kept beside them for resuming.
     *
     * @param extra further metadata strings (e.g. a feature encoding or a GLM summary); keys must not be ones this
     *              class writes itself
     * @throws IllegalArgumentException if a parameter is not finite: a model with NaN or infinite weights is never
     *                                  written
     */
    public static void save(Path file, Card card, List<float[]> weights, List<float[]> biases, TrainConfig config,
                            TrainingState state, double[][] scaling, Map<String, String> extra) {
        Architecture arch = card.architecture();
        Map<String, TensorData> tensors = new TreeMap<>();
        for (int i = 0; i < weights.size(); i++) {
            requireFinite("layers." + i + ".weight", weights.get(i));
            requireFinite("layers." + i + ".bias", biases.get(i));
        }
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
            requireFinite("layers.0.weight (folded)", weights.get(0));
            requireFinite("layers.0.bias (folded)", biases.get(0));
        }
        for (int i = 0; i < arch.layerCount(); i++) {
            int in = arch.sizes().get(i);
            int out = arch.sizes().get(i + 1);
            tensors.put("layers." + i + ".weight", TensorData.of(weights.get(i), out, in));
            tensors.put("layers." + i + ".bias", TensorData.of(biases.get(i), out));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
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
                requireFinite(OPTIMIZER_PREFIX + e.getKey(), e.getValue());
                tensors.put(OPTIMIZER_PREFIX + e.getKey(), TensorData.of(e.getValue(), e.getValue().length));
            }
            if (state.bestParameters() != null) {
                for (int i = 0; i < state.bestParameters().size(); i++) {
                    float[] p = state.bestParameters().get(i);
                    tensors.put(BEST_PREFIX + i, TensorData.of(p, p.length));
                }
            }
        }
        if (extra != null) {
            for (Map.Entry<String, String> e : extra.entrySet()) {
                if (RESERVED.contains(e.getKey())) {
                    throw new IllegalArgumentException("extra metadata may not use the reserved key '" + e.getKey()
                            + "'");
                }
                meta.put(e.getKey(), e.getValue());
            }
        }
        SafeTensors.write(file, tensors, meta);
    }

    /** Whether a metadata key is one this class writes itself (the rest are callers' extra metadata). */
    public static boolean isReservedKey(String key) {
        return RESERVED.contains(key);
    }

    private static void requireFinite(String tensor, float[] values) {
        int i = firstNonFinite(values);
        if (i >= 0) {
            throw new IllegalArgumentException("refusing to save a model whose tensor '" + tensor + "' holds "
                    + values[i] + " at index " + i + ": parameters must be finite numbers");
        }
    }

    private static int firstNonFinite(float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Reads and validates a LogitNet checkpoint.
     *
     * @throws CheckpointFormatException if the file is not valid safetensors, or not a valid LogitNet model: each
     *                                   message names the metadata field or tensor at fault
     */
    public static Contents load(Path file) {
        TensorFile tf = SafeTensors.read(file);
        Fields f = new Fields(file, tf.metadata());
        String format = tf.metadata().get("format");
        if (format == null) {
            throw bad(file, "not a LogitNet model: its metadata has no 'format' field (it has "
                    + tf.metadata().keySet() + ")");
        }
        if (!format.equals(FORMAT)) {
            throw bad(file, format.startsWith("logitnet-")
                    ? "metadata field 'format' is '" + format + "', a newer format than this LogitNet ("
                            + LogitNet.VERSION + ") reads (" + FORMAT + "): use a newer LogitNet"
                    : "metadata field 'format' is '" + format + "', not a LogitNet format (" + FORMAT + ")");
        }
        String kind = f.text("model");
        if (!MODEL_KINDS.contains(kind)) {
            throw bad(file, "metadata field 'model' is '" + kind + "'; expected one of " + MODEL_KINDS);
        }
        Architecture arch = f.architecture();
        checkKind(file, kind, arch);
        List<String> features = f.strings("features");
        if (features.size() != arch.inputs()) {
            throw bad(file, "metadata field 'features' names " + features.size() + " columns but the first layer "
                    + "takes " + arch.inputs());
        }
        f.noDuplicates("features", features);
        List<String> classes = f.has("classes") ? f.strings("classes") : List.of();
        f.noDuplicates("classes", classes);
        checkClasses(file, arch, classes);
        Card card = new Card(kind, arch, features, classes, f.optionalText("target", ""),
                f.optionalText("precision", "fp32"), f.optionalText("backend", "unknown"), f.integer("seed", 0),
                f.optionalText("version", "unknown"));
        List<float[]> w = new ArrayList<>();
        List<float[]> b = new ArrayList<>();
        for (int i = 0; i < arch.layerCount(); i++) {
            int in = arch.sizes().get(i);
            int out = arch.sizes().get(i + 1);
            w.add(finite(file, "layers." + i + ".weight", tf.tensor("layers." + i + ".weight", out, in).data(), in));
            b.add(finite(file, "layers." + i + ".bias", tf.tensor("layers." + i + ".bias", out).data(), out));
        }
        TrainConfig config = f.has("train_config") ? f.config() : null;
        TrainingState state = null;
        if (f.has("train_state")) {
            JsonNode s = f.json("train_state");
            Map<String, float[]> opt = new LinkedHashMap<>();
            List<float[]> best = new ArrayList<>();
            for (Map.Entry<String, TensorData> e : tf.tensors().entrySet()) {
                if (e.getKey().startsWith(OPTIMIZER_PREFIX)) {
                    opt.put(e.getKey().substring(OPTIMIZER_PREFIX.length()),
                            finite(file, e.getKey(), e.getValue().data(), 0));
                }
            }
            for (int i = 0; tf.tensors().containsKey(BEST_PREFIX + i); i++) {
                best.add(finite(file, BEST_PREFIX + i, tf.tensors().get(BEST_PREFIX + i).data(), 0));
            }
            state = new TrainingState(f.nonNegativeInt(s, "train_state", "epochs_done"),
                    f.nonNegativeLong(s, "train_state", "optimizer_steps"), opt,
                    f.doubleText(s, "train_state", "best_value"), f.nonNegativeInt(s, "train_state", "best_epoch"),
                    f.nonNegativeInt(s, "train_state", "since_best"), best.isEmpty() ? null : best, List.of());
        }
        double[][] scaling = null;
        List<float[]> trainingParams = null;
        if (f.has("input_scaling")) {
            scaling = f.scaling(arch.inputs());
            trainingParams = new ArrayList<>();
            for (int i = 0; i < 2 * arch.layerCount(); i++) {
                TensorData t = tf.tensors().get(TRAINING_PREFIX + i);
                if (t == null) {
                    throw bad(file, "metadata field 'input_scaling' is set but tensor " + TRAINING_PREFIX + i
                            + " is missing");
                }
                trainingParams.add(finite(file, TRAINING_PREFIX + i, t.data(), 0));
            }
        }
        return new Contents(card, w, b, config, state, scaling, trainingParams, tf.metadata());
    }

    /** The model kind must match what the architecture is. */
    private static void checkKind(Path file, String kind, Architecture arch) {
        Loss loss = arch.loss();
        String problem = switch (kind) {
            case "logistic" -> arch.layerCount() == 1 && loss == Loss.SIGMOID_BINARY_CROSS_ENTROPY
                    && arch.outputs() == 1 ? null : "a logistic regression is one layer with 1 sigmoid output";
            case "softmax" -> arch.layerCount() == 1 && loss == Loss.SOFTMAX_CROSS_ENTROPY ? null
                    : "a softmax regression is one layer with a softmax output";
            case "linear" -> arch.layerCount() == 1 && loss == Loss.SQUARED_ERROR && arch.outputs() == 1 ? null
                    : "a linear regression is one layer with 1 identity output";
            case "poisson" -> arch.layerCount() == 1 && loss == Loss.POISSON && arch.outputs() == 1 ? null
                    : "a Poisson regression is one layer with 1 exp output";
            default -> arch.layerCount() >= 2 ? null : "an mlp has at least one hidden layer";
        };
        if (problem != null) {
            throw bad(file, "metadata field 'model' is '" + kind + "' but the architecture is "
                    + arch.describe() + ": " + problem);
        }
        if (loss == Loss.SIGMOID_BINARY_CROSS_ENTROPY && arch.outputs() != 1) {
            throw bad(file, "metadata field 'architecture': a sigmoid classifier has 1 output, not "
                    + arch.outputs());
        }
    }

    /** Class labels must match the output layer: 2 for a sigmoid output, one per unit for softmax, none else. */
    private static void checkClasses(Path file, Architecture arch, List<String> classes) {
        Loss loss = arch.loss();
        if (loss == Loss.SIGMOID_BINARY_CROSS_ENTROPY) {
            if (!classes.isEmpty() && classes.size() != 2) {
                throw bad(file, "metadata field 'classes' lists " + classes.size() + " classes but the output is "
                        + "one sigmoid unit (2 classes)");
            }
        } else if (loss == Loss.SOFTMAX_CROSS_ENTROPY) {
            if (!classes.isEmpty() && classes.size() != arch.outputs()) {
                throw bad(file, "metadata field 'classes' lists " + classes.size() + " classes but the softmax "
                        + "output has " + arch.outputs() + " units");
            }
        } else if (!classes.isEmpty()) {
            throw bad(file, "metadata field 'classes' lists " + classes.size() + " classes but the model is a "
                    + "regression (" + loss.outputName() + " output)");
        }
    }

    /** The tensor's values, refused if one is not finite (naming the tensor and the index). */
    private static float[] finite(Path file, String tensor, float[] values, int cols) {
        int i = firstNonFinite(values);
        if (i >= 0) {
            String at = cols > 0 ? " (row " + i / cols + ", column " + i % cols + ")" : "";
            throw new CheckpointFormatException(file, tensor, CheckpointFormatException.Problem.NON_FINITE,
                    "holds " + values[i] + " at index " + i + at + ": a model's parameters must be finite numbers"
                            + " (was it saved from a diverged run?)");
        }
        return values;
    }

    private static CheckpointFormatException bad(Path file, String detail) {
        return new CheckpointFormatException(file, null, CheckpointFormatException.Problem.BAD_METADATA, detail);
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

    private static String json(List<String> list) {
        ArrayNode a = JSON.createArrayNode();
        list.forEach(a::add);
        return a.toString();
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

    /** Typed reads of metadata fields; every error names the field and never quotes a JSON library. */
    private static final class Fields {
        private final Path file;
        private final Map<String, String> meta;

        Fields(Path file, Map<String, String> meta) {
            this.file = file;
            this.meta = meta;
        }

        boolean has(String key) {
            return meta.containsKey(key);
        }

        String text(String key) {
            String v = meta.get(key);
            if (v == null) {
                throw bad(file, "not a LogitNet model: its metadata has no '" + key + "' field (it has "
                        + meta.keySet() + ")");
            }
            return v;
        }

        String optionalText(String key, String otherwise) {
            return meta.getOrDefault(key, otherwise);
        }

        long integer(String key, long otherwise) {
            String v = meta.get(key);
            if (v == null) {
                return otherwise;
            }
            try {
                return Long.parseLong(v.trim());
            } catch (NumberFormatException e) {
                throw bad(file, "metadata field '" + key + "' must be an integer, not \"" + shorten(v) + "\"");
            }
        }

        JsonNode json(String key) {
            String v = text(key);
            try {
                JsonNode n = JSON.readTree(v);
                if (n == null || n.isMissingNode()) {
                    throw bad(file, "metadata field '" + key + "' is empty; it must hold JSON");
                }
                return n;
            } catch (JsonProcessingException e) {
                JsonLocation at = e.getLocation();
                throw bad(file, "metadata field '" + key + "' is not valid JSON"
                        + (at == null ? "" : " (at character " + at.getColumnNr() + ")") + ": \"" + shorten(v) + "\"");
            }
        }

        List<String> strings(String key) {
            JsonNode n = json(key);
            if (!n.isArray()) {
                throw bad(file, "metadata field '" + key + "' must be a JSON array of strings");
            }
            List<String> out = new ArrayList<>();
            for (JsonNode e : n) {
                if (!e.isTextual()) {
                    throw bad(file, "metadata field '" + key + "' must be a JSON array of strings; it holds "
                            + shorten(e.toString()));
                }
                out.add(e.textValue());
            }
            return out;
        }

        void noDuplicates(String key, List<String> values) {
            Set<String> seen = new HashSet<>();
            for (String s : values) {
                if (!seen.add(s)) {
                    throw bad(file, "metadata field '" + key + "' lists '" + s + "' twice");
                }
            }
        }

        Architecture architecture() {
            JsonNode o = json("architecture");
            String where = "metadata field 'architecture'";
            if (!o.isObject() || !o.path("sizes").isArray() || !o.path("activations").isArray()
                    || !o.path("loss").isTextual()) {
                throw bad(file, where + " must be an object with 'sizes', 'activations' and 'loss'");
            }
            List<Integer> sizes = new ArrayList<>();
            for (JsonNode n : o.get("sizes")) {
                if (!n.canConvertToInt() || !n.isIntegralNumber() || n.intValue() <= 0) {
                    throw bad(file, where + ": 'sizes' must hold positive integers, not " + shorten(n.toString()));
                }
                sizes.add(n.intValue());
            }
            List<Activation> acts = new ArrayList<>();
            for (JsonNode n : o.get("activations")) {
                try {
                    acts.add(Activation.parse(n.asText()));
                } catch (IllegalArgumentException e) {
                    throw bad(file, where + ": " + e.getMessage());
                }
            }
            Loss loss = null;
            for (Loss l : Loss.values()) {
                if (l.name().equalsIgnoreCase(o.get("loss").asText())) {
                    loss = l;
                }
            }
            if (loss == null) {
                throw bad(file, where + ": unknown loss '" + shorten(o.get("loss").asText()) + "'");
            }
            try {
                return new Architecture(sizes, acts, loss);
            } catch (IllegalArgumentException e) {
                throw bad(file, where + ": " + e.getMessage());
            }
        }

        TrainConfig config() {
            JsonNode o = json("train_config");
            String k = "train_config";
            JsonNode opt = o.path("optimizer");
            if (!opt.isObject()) {
                throw bad(file, "metadata field 'train_config' has no 'optimizer' object");
            }
            OptimizerSpec.Kind kind;
            try {
                kind = OptimizerSpec.Kind.valueOf(opt.path("kind").asText().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw bad(file, "metadata field 'train_config': unknown optimizer '" + shorten(opt.path("kind")
                        .asText()) + "'");
            }
            try {
                OptimizerSpec spec = new OptimizerSpec(kind, (float) number(opt, k, "optimizer.lr"),
                        (float) number(opt, k, "optimizer.momentum"), bool(opt, k, "optimizer.nesterov"),
                        (float) number(opt, k, "optimizer.beta1"), (float) number(opt, k, "optimizer.beta2"),
                        (float) number(opt, k, "optimizer.eps"), (float) number(opt, k, "optimizer.weight_decay"),
                        nonNegativeInt(opt, k, "optimizer.history"));
                TrainConfig.Schedule schedule;
                try {
                    schedule = TrainConfig.Schedule.valueOf(o.path("schedule").asText());
                } catch (IllegalArgumentException e) {
                    throw bad(file, "metadata field 'train_config': unknown schedule '"
                            + shorten(o.path("schedule").asText()) + "'");
                }
                return new TrainConfig(nonNegativeInt(o, k, "epochs"), nonNegativeInt(o, k, "batch_size"),
                        (long) number(o, k, "seed"), number(o, k, "validation_split"), nonNegativeInt(o, k,
                        "patience"), number(o, k, "min_delta"), spec, (float) number(o, k, "l2"),
                        nonNegativeInt(o, k, "max_iterations"), number(o, k, "tolerance"), bool(o, k, "restore_best"),
                        schedule);
            } catch (IllegalArgumentException e) {
                throw bad(file, "metadata field 'train_config': " + e.getMessage());
            }
        }

        double[][] scaling(int inputs) {
            JsonNode sc = json("input_scaling");
            JsonNode mean = sc.path("mean");
            JsonNode std = sc.path("std");
            if (!mean.isArray() || !std.isArray() || mean.size() != inputs || std.size() != inputs) {
                throw bad(file, "metadata field 'input_scaling' must hold 'mean' and 'std' arrays of " + inputs
                        + " numbers (one per input)");
            }
            double[][] out = new double[2][inputs];
            for (int j = 0; j < inputs; j++) {
                out[0][j] = mean.get(j).asDouble(Double.NaN);
                out[1][j] = std.get(j).asDouble(Double.NaN);
                if (!mean.get(j).isNumber() || !std.get(j).isNumber() || !Double.isFinite(out[0][j])
                        || !(out[1][j] > 0) || Double.isInfinite(out[1][j])) {
                    throw bad(file, "metadata field 'input_scaling': input " + j + " has mean "
                            + shorten(mean.get(j).toString()) + " and std " + shorten(std.get(j).toString())
                            + "; both must be finite numbers, the std > 0");
                }
            }
            return out;
        }

        private double number(JsonNode o, String key, String name) {
            JsonNode n = o.path(name.contains(".") ? name.substring(name.indexOf('.') + 1) : name);
            if (!n.isNumber()) {
                throw bad(file, "metadata field '" + key + "': '" + name + "' must be a number");
            }
            return n.asDouble();
        }

        private boolean bool(JsonNode o, String key, String name) {
            JsonNode n = o.path(name.contains(".") ? name.substring(name.indexOf('.') + 1) : name);
            if (!n.isBoolean()) {
                throw bad(file, "metadata field '" + key + "': '" + name + "' must be true or false");
            }
            return n.asBoolean();
        }

        int nonNegativeInt(JsonNode o, String key, String name) {
            JsonNode n = o.path(name.contains(".") ? name.substring(name.indexOf('.') + 1) : name);
            if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 0) {
                throw bad(file, "metadata field '" + key + "': '" + name + "' must be an integer >= 0");
            }
            return n.intValue();
        }

        long nonNegativeLong(JsonNode o, String key, String name) {
            JsonNode n = o.path(name);
            if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
                throw bad(file, "metadata field '" + key + "': '" + name + "' must be an integer >= 0");
            }
            return n.longValue();
        }

        double doubleText(JsonNode o, String key, String name) {
            JsonNode n = o.path(name);
            try {
                return Double.parseDouble(n.asText());
            } catch (NumberFormatException e) {
                throw bad(file, "metadata field '" + key + "': '" + name + "' must be a number");
            }
        }

        private static String shorten(String s) {
            return s.length() > 60 ? s.substring(0, 57) + "..." : s;
        }
    }
}
