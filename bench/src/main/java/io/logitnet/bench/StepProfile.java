package io.logitnet.bench;

import io.logitnet.backend.Activation;
import io.logitnet.backend.Backend;
import io.logitnet.backend.Loss;
import io.logitnet.backend.Tensor;
import io.logitnet.nn.Dense;
import io.logitnet.nn.Init;
import io.logitnet.nn.Network;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a training step's time goes on one backend: the step of {@link Network#forwardBackward} plus the SGD update,
 * replayed operation by operation with the device synchronized after each, so every operation is timed alone.
 * The sum is a little above the real step (no overlap between operations, one more synchronization per op).
 */
public final class StepProfile {
    private StepProfile() {
    }

    /**
     * One operation of the step.
     *
     * @param name  e.g. {@code L0 forward GEMM [1024x784]·[784x4096]ᵀ}
     * @param ms    median time over the repetitions
     * @param flops floating-point operations (GEMMs), 0 for memory-bound operations
     */
    public record Op(String name, double ms, double flops) {
        /** GFLOP/s, or NaN for a memory-bound operation. */
        public double gflops() {
            return flops == 0 ? Double.NaN : flops / (ms / 1e3) / 1e9;
        }
    }

    /**
     * The breakdown of one shape's step on one backend.
     *
     * @param backend the backend's name
     * @param device  its device in words
     * @param shape   the shape
     * @param ops     the operations in the order the step runs them
     */
    public record Breakdown(String backend, String device, Shape shape, List<Op> ops) {
        public Breakdown {
            ops = List.copyOf(ops);
        }
    }

    /** Times every operation of a step of {@code shape} on {@code b}, {@code reps} times each (median). */
    public static List<Op> profile(Backend b, Shape shape, int reps) {
        Map<String, double[]> times = new LinkedHashMap<>();
        Map<String, Double> flops = new LinkedHashMap<>();
        int batch = shape.batch();
        try (Network net = Network.create(b, shape.architecture(), Init.AUTO, 42, false)) {
            List<Dense> layers = net.layers();
            int n = layers.size();
            Tensor[] out = new Tensor[n];
            Tensor[] grad = new Tensor[n];
            Tensor x = null;
            Tensor y = null;
            Tensor rowLoss = null;
            try {
                x = BenchData.uniform(b, batch, shape.layers().get(0), 5);
                y = b.upload(BenchData.labels(batch, shape.layers().get(n), 6), batch, 1);
                rowLoss = b.allocate(batch, 1);
                for (int i = 0; i < n; i++) {
                    out[i] = b.allocate(batch, layers.get(i).out());
                    grad[i] = b.allocate(batch, layers.get(i).out());
                }
                b.synchronize();
                for (int r = 0; r <= reps; r++) {
                    boolean record = r > 0; // the first round warms up
                    Timer t = new Timer(b, times, flops, record, reps, r - 1);
                    Tensor in = x;
                    for (int i = 0; i < n; i++) {
                        Dense d = layers.get(i);
                        Tensor input = in;
                        Tensor o = out[i];
                        t.time("L" + i + " forward GEMM " + dims(batch, d.in(), d.out()),
                                2.0 * batch * d.in() * d.out(), () -> b.gemm(false, true, 1f, input, d.weight(), 0f, o));
                        Activation f = d.activation() == null ? Activation.IDENTITY : d.activation();
                        t.time("L" + i + " bias + " + f.name().toLowerCase(java.util.Locale.ROOT) + " (one pass)", 0,
                                () -> b.biasActivation(f, o, d.bias(), o));
                        in = o;
                    }
                    Tensor logits = out[n - 1];
                    Tensor g = grad[n - 1];
                    Tensor lossOut = rowLoss;
                    Tensor targets = y;
                    t.time("softmax cross-entropy + gradient", 0, () -> b.lossForwardBackward(
                            Loss.SOFTMAX_CROSS_ENTROPY, logits, targets, g, lossOut, 1f / batch));
                    Dense top = layers.get(n - 1);
                    t.time("L" + (n - 1) + " bias-gradient column sums", 0, () -> b.columnSums(g, top.biasGrad()));
                    for (int i = n - 1; i >= 0; i--) {
                        Dense d = layers.get(i);
                        Tensor input = i == 0 ? x : out[i - 1];
                        Tensor dz = grad[i];
                        t.time("L" + i + " weight-gradient GEMM " + dims(d.out(), batch, d.in()),
                                2.0 * batch * d.in() * d.out(),
                                () -> b.gemm(true, false, 1f, dz, input, 0f, d.weightGrad()));
                        if (i > 0) {
                            Tensor dx = grad[i - 1];
                            Dense prev = layers.get(i - 1);
                            Tensor prevOut = out[i - 1];
                            t.time("L" + i + " input-gradient GEMM " + dims(batch, d.out(), d.in()),
                                    2.0 * batch * d.in() * d.out(), () -> b.gemm(false, false, 1f, dz, d.weight(), 0f, dx));
                            t.time("L" + (i - 1) + " " + name(prev) + " backward + bias gradient (one pass)", 0,
                                    () -> b.activationBackwardColumnSums(prev.activation(), prevOut, dx, dx,
                                            prev.biasGrad()));
                        }
                    }
                    List<Tensor> params = net.parameters();
                    List<Tensor> grads = net.gradients();
                    t.time("SGD update (all parameters)", 0, () -> {
                        for (int p = 0; p < params.size(); p++) {
                            b.sgdUpdate(params.get(p), grads.get(p), null, 1e-6f, 0f, false);
                        }
                    });
                }
            } finally {
                BenchData.closeAll(grad);
                BenchData.closeAll(out);
                BenchData.closeAll(x, y, rowLoss);
            }
        }
        List<Op> ops = new ArrayList<>();
        for (Map.Entry<String, double[]> e : times.entrySet()) {
            double[] v = e.getValue().clone();
            Arrays.sort(v);
            ops.add(new Op(e.getKey(), Measurement.median(v), flops.get(e.getKey())));
        }
        return ops;
    }

    private static String name(Dense d) {
        return d.activation().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String dims(int m, int k, int n) {
        return "(" + m + "×" + k + "·" + k + "×" + n + ")";
    }

    /** Runs one operation synchronized and records its time under its name. */
    private static final class Timer {
        private final Backend b;
        private final Map<String, double[]> times;
        private final Map<String, Double> flops;
        private final boolean record;
        private final int reps;
        private final int index;

        Timer(Backend b, Map<String, double[]> times, Map<String, Double> flops, boolean record, int reps,
              int index) {
            this.b = b;
            this.times = times;
            this.flops = flops;
            this.record = record;
            this.reps = reps;
            this.index = index;
        }

        void time(String name, double opFlops, Runnable op) {
            long t0 = System.nanoTime();
            op.run();
            b.synchronize();
            long t1 = System.nanoTime();
            if (record) {
                times.computeIfAbsent(name, k -> new double[reps])[index] = (t1 - t0) / 1e6;
                flops.put(name, opFlops);
            }
        }
    }
}
