package io.logitnet.bench.djl;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Utils;
import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The DJL side of LogitNet's training-step benchmark (bench/README.md), the counterpart of {@code bench.py}: DJL's
 * PyTorch engine times the step that {@code io.logitnet.bench.StepBench} and PyTorch time, on the same shapes.
 *
 * <p>The step, in DJL's own training API: a {@link SequentialBlock} of {@link Linear} layers with
 * {@link Activation#sigmoidBlock()} between them, {@link Loss#softmaxCrossEntropyLoss()} on the logits (log-softmax,
 * the target's term, mean over the batch: {@code F.cross_entropy}), {@link GradientCollector#backward}, and
 * {@link Trainer#step()} with plain SGD (lr 0.01, no momentum, no weight decay). Inputs are uniform in [-1, 1),
 * targets random class indices (int64), float32 on the CPU. Each step is timed alone after warm-up steps; the median
 * is reported, as on the other sides.
 *
 * <p>Run with DJL's jars and libtorch (pytorch-native-cpu) on the class path and {@code -Dai.djl.offline=true}: the
 * harness ({@code io.logitnet.bench.DjlRunner}) does that. {@code --serve} reads one JSON request per line on stdin
 * ({@code {"op": "info"}} or {@code {"op": "step", "batch": .., "layers": [..], "warmup": .., "warm_s": ..,
 * "reps": .., "min_reps": .., "budget_s": .., "min_time_s": .., "threads": [..]}}) and answers one JSON line on stdout; an error
 * is answered as {@code {"error": "..."}}. Everything else that is printed goes to stderr.
 */
public final class DjlStep {
    private static final Gson GSON = new Gson();

    private DjlStep() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1 || !args[0].equals("--serve")) {
            System.err.println("usage: java -Dai.djl.offline=true -cp DJL_DIR/*:DJL_DIR/classes "
                    + DjlStep.class.getName() + " --serve");
            System.exit(2);
        }
        // stdout carries the answers and nothing else: whatever a library prints goes to stderr
        PrintStream answers = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        System.setOut(System.err);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        int defaultThreads = -1;
        for (String line; (line = in.readLine()) != null; ) {
            if (line.isBlank()) {
                continue;
            }
            JsonObject res;
            try {
                JsonObject req = JsonParser.parseString(line).getAsJsonObject();
                if (defaultThreads < 0) {
                    Engine.getEngine("PyTorch"); // loads libtorch, before any thread count is set
                    defaultThreads = JniUtils.getNumThreads();
                }
                String op = req.has("op") ? req.get("op").getAsString() : "step";
                res = switch (op) {
                    case "info" -> info(defaultThreads);
                    case "step" -> measureStep(req);
                    default -> throw new IllegalArgumentException("unknown op '" + op + "'");
                };
            } catch (Throwable e) { // reported to the harness, which records it as a note
                res = new JsonObject();
                Throwable root = e;
                while (root.getCause() != null && root.getCause() != root) {
                    root = root.getCause();
                }
                res.addProperty("error", e + (root == e ? "" : " (cause: " + root + ")"));
            }
            answers.println(GSON.toJson(res));
        }
    }

    /** DJL's and libtorch's versions, where libtorch was loaded from, and its default intra-op threads. */
    static JsonObject info(int defaultThreads) {
        Engine engine = Engine.getEngine("PyTorch");
        JsonObject d = new JsonObject();
        d.addProperty("djl_version", Engine.getDjlVersion());
        d.addProperty("engine", engine.getEngineName());
        d.addProperty("libtorch_version", engine.getVersion());
        d.addProperty("libtorch_path", LibUtils.getLibtorchPath());
        d.addProperty("threads", defaultThreads);
        d.addProperty("interop_threads", JniUtils.getNumInteropThreads());
        d.addProperty("offline", Utils.isOfflineMode());
        d.addProperty("java", System.getProperty("java.runtime.version"));
        JsonArray features = new JsonArray();
        JniUtils.getFeatures().stream().sorted().forEach(features::add);
        d.add("features", features);
        return d;
    }

    /**
     * One shape; with {@code "threads": [a, b, ...]}, timed with each intra-op thread count and the fastest kept (a
     * later count is skipped when the first one's steps already took over half the budget), as {@code bench.py}.
     */
    static JsonObject measureStep(JsonObject req) {
        List<Integer> threads = new ArrayList<>();
        if (req.has("threads")) {
            req.getAsJsonArray("threads").forEach(t -> threads.add(t.getAsInt()));
        }
        if (threads.isEmpty()) {
            threads.add(JniUtils.getNumThreads());
        }
        JsonObject best = null;
        JsonArray tried = new JsonArray();
        for (int n : threads) {
            JniUtils.setNumThreads(n);
            JsonObject res = measureStepOnce(req);
            JsonObject t = new JsonObject();
            t.addProperty("threads", n);
            t.addProperty("step_ms", res.get("step_ms").getAsDouble());
            tried.add(t);
            if (best == null || res.get("step_ms").getAsDouble() < best.get("step_ms").getAsDouble()) {
                best = res;
            }
            int warmAndMin = intOr(req, "warmup", 3) + intOr(req, "min_reps", 3);
            if (res.get("step_ms").getAsDouble() / 1000.0 * warmAndMin > doubleOr(req, "budget_s", 30.0) / 2) {
                break;
            }
        }
        best.add("threads_tried", tried);
        JniUtils.setNumThreads(best.get("threads").getAsInt());
        return best;
    }

    /** Warm-up, then timed steps until {@code reps} or the time budget (at least {@code min_reps}). */
    static JsonObject measureStepOnce(JsonObject req) {
        int batch = req.get("batch").getAsInt();
        List<Integer> layers = new ArrayList<>();
        req.getAsJsonArray("layers").forEach(w -> layers.add(w.getAsInt()));
        if (layers.size() < 2) {
            throw new IllegalArgumentException("layers needs at least an input and an output width: " + layers);
        }
        int warmup = intOr(req, "warmup", 3);
        int reps = intOr(req, "reps", 10);
        int minReps = intOr(req, "min_reps", 3);
        double budget = doubleOr(req, "budget_s", 30.0);
        double minTime = doubleOr(req, "min_time_s", 0.0);
        double warmS = doubleOr(req, "warm_s", 0.0);
        Engine.getEngine("PyTorch").setRandomSeed(intOr(req, "seed", 42));

        SequentialBlock net = new SequentialBlock();
        for (int i = 1; i < layers.size(); i++) {
            net.add(Linear.builder().setUnits(layers.get(i)).optBias(true).build());
            if (i + 1 < layers.size()) {
                net.add(Activation.sigmoidBlock());
            }
        }
        Loss loss = Loss.softmaxCrossEntropyLoss();
        DefaultTrainingConfig config = new DefaultTrainingConfig(loss)
                .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.01f)).build())
                .optDevices(new Device[] {Device.cpu()});
        try (Model model = Model.newInstance("logitnet-bench", Device.cpu(), "PyTorch")) {
            model.setBlock(net);
            try (Trainer trainer = model.newTrainer(config);
                 NDManager data = model.getNDManager().newSubManager()) {
                trainer.initialize(new Shape(batch, layers.get(0)));
                NDArray x = data.randomUniform(-1f, 1f, new Shape(batch, layers.get(0)), DataType.FLOAT32);
                NDArray y = data.randomInteger(0, layers.get(layers.size() - 1), new Shape(batch), DataType.INT64);
                NDList xs = new NDList(x);
                NDList ys = new NDList(y);
                // warm-up as LogitNet's: at least `warmup` steps, and on until warm_s has passed (up to 50 steps), for
                // the JIT; the first step's loss is read, off the clock
                long warmStart = System.nanoTime();
                double lossFirst = step(trainer, xs, ys, true);
                for (int w = 1; w < warmup || (seconds(warmStart) < warmS && w < 50); w++) {
                    step(trainer, xs, ys, false);
                }
                double[] times = new double[Math.max(reps, 200)];
                int n = 0;
                long start = System.nanoTime();
                while (n < reps || (seconds(start) < minTime && n < 200)) {
                    long t0 = System.nanoTime();
                    step(trainer, xs, ys, false);
                    times[n++] = (System.nanoTime() - t0) / 1e6;
                    if (n >= minReps && seconds(start) > budget) {
                        break;
                    }
                }
                double lossAfter = step(trainer, xs, ys, true); // untimed: the step after the timed ones
                double[] sorted = Arrays.copyOf(times, n);
                Arrays.sort(sorted);
                double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
                double macs = 0;
                for (int i = 0; i + 1 < layers.size(); i++) {
                    macs += (double) layers.get(i) * layers.get(i + 1);
                }
                JsonObject out = new JsonObject();
                out.addProperty("backend", "djl");
                out.addProperty("device", "CPU (" + JniUtils.getNumThreads() + " threads)");
                out.addProperty("precision", "fp32");
                out.addProperty("batch", batch);
                JsonArray ls = new JsonArray();
                layers.forEach(ls::add);
                out.add("layers", ls);
                out.addProperty("steps", n);
                out.addProperty("step_ms", median);
                out.addProperty("step_ms_min", sorted[0]);
                out.addProperty("step_ms_max", sorted[n - 1]);
                out.addProperty("tflops", 6.0 * batch * macs / (median / 1e3) / 1e12);
                out.addProperty("examples_per_s", batch / (median / 1e3));
                out.addProperty("threads", JniUtils.getNumThreads());
                out.addProperty("loss_first", lossFirst);
                out.addProperty("loss_after", lossAfter);
                out.addProperty("djl_version", Engine.getDjlVersion());
                out.addProperty("libtorch_version", Engine.getEngine("PyTorch").getVersion());
                return out;
            }
        }
    }

    /**
     * One training step: forward, softmax cross-entropy, backward, SGD update. Every array the step makes is freed
     * at its end (the scope), as PyTorch frees them when they go out of reference.
     *
     * @param readLoss whether to copy the loss to the host (untimed steps only)
     * @return the loss before the update, or NaN when not read
     */
    static double step(Trainer trainer, NDList x, NDList y, boolean readLoss) {
        double value = Double.NaN;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            try (GradientCollector gc = trainer.newGradientCollector()) {
                NDList logits = trainer.forward(x);
                NDArray l = trainer.getLoss().evaluate(y, logits);
                gc.backward(l);
                if (readLoss) {
                    value = l.getFloat();
                }
            }
            trainer.step();
        }
        return value;
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static int intOr(JsonObject o, String key, int fallback) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? fallback : e.getAsInt();
    }

    private static double doubleOr(JsonObject o, String key, double fallback) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? fallback : e.getAsDouble();
    }
}
