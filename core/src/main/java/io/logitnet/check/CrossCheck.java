package io.logitnet.check;

import io.logitnet.backend.Backend;
import io.logitnet.backend.Loss;
import io.logitnet.backend.Precision;
import io.logitnet.backend.Tensor;
import io.logitnet.nn.Architecture;
import io.logitnet.nn.Init;
import io.logitnet.nn.Network;
import io.logitnet.optim.Optimizer;
import io.logitnet.train.OptimizerSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Runs the same forward pass, backward pass and optimizer update on a backend and on the reference (the CPU) from
 * identical parameters and inputs (the update from identical gradients), and compares every tensor: per layer output, per parameter gradient, per
 * parameter after the update. Reports max absolute, max relative and normwise relative error; a tensor passes when
 * its normwise relative error is within {@code 8·u·sqrt(K)} (at least 1e-5), u the unit round-off of the
 * precision and K the longest reduction that produced it.
 */
public final class CrossCheck {
    /** What the columns of {@link Entry#format()} mean, for a report's header. */
    public static final String LEGEND = "each tensor: max_abs and max_rel (the largest absolute and relative "
            + "difference, for information) and norm_rel = |device - cpu| / |cpu| over the whole tensor, the figure "
            + "the tolerance (8·u·sqrt(K), u the precision's unit round-off, K the reduction length) applies to. "
            + "Rows 'after <optimizer>' apply the update to identical gradients on both sides: they check the update "
            + "alone and are 0 where the device rounds it exactly as the CPU.";

    private CrossCheck() {
    }

    /** One compared tensor. */
    public record Entry(String tensor, double maxAbs, double maxRel, double normRel, double tolerance) {
        public boolean passed() {
            return normRel <= tolerance;
        }

        public String format() {
            return String.format(Locale.ROOT, "%-28s max_abs %.3e  max_rel %.3e  norm_rel %.3e <= %.1e  %s",
                    tensor, maxAbs, maxRel, normRel, tolerance, passed() ? "ok" : "FAIL");
        }
    }

    /** All comparisons of one network shape. */
    public record Report(String backend, String reference, Precision precision, Architecture architecture,
                         int batch, List<Entry> entries) {
        public Report {
            entries = List.copyOf(entries);
        }

        public boolean passed() {
            return entries.stream().allMatch(Entry::passed);
        }

    }

    /**
     * Compares {@code backend} against {@code reference}.
     *
     * @param optimizer the update to compare (mini-batch kinds)
     */
    public static Report run(Backend backend, Backend reference, Architecture arch, int batch, OptimizerSpec optimizer,
                             long seed) {
        Random r = new Random(seed);
        int in = arch.inputs();
        int out = arch.outputs();
        float[] x = new float[batch * in];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        boolean indices = arch.loss().targetsAreClassIndices();
        float[] y = new float[batch * (indices ? 1 : out)];
        for (int i = 0; i < y.length; i++) {
            y[i] = switch (arch.loss()) {
                case SOFTMAX_CROSS_ENTROPY -> r.nextInt(out);
                case SIGMOID_BINARY_CROSS_ENTROPY -> r.nextInt(2);
                case POISSON -> r.nextInt(5);
                case SQUARED_ERROR -> (float) r.nextGaussian();
            };
        }
        double u = backend.precision().unitRoundoff();
        List<Entry> entries = new ArrayList<>();
        try (Network ref = Network.create(reference, arch, Init.AUTO, seed, false);
             Network dev = Network.create(backend, arch, Init.AUTO, seed, false);
             Tensor xr = reference.upload(x, batch, in); Tensor xd = backend.upload(x, batch, in);
             Tensor yr = reference.upload(y, batch, indices ? 1 : out);
             Tensor yd = backend.upload(y, batch, indices ? 1 : out);
             Optimizer or = optimizer.create(); Optimizer od = optimizer.create()) {
            List<float[]> params = ref.parameterArrays();
            // biases that are not zero, so that their paths are exercised
            for (int i = 1; i < params.size(); i += 2) {
                for (int j = 0; j < params.get(i).length; j++) {
                    params.get(i)[j] = (float) (0.1 * r.nextGaussian());
                }
            }
            ref.setParameterArrays(params);
            dev.setParameterArrays(params);
            int maxK = in;
            for (int l = 0; l < arch.layerCount(); l++) {
                maxK = Math.max(maxK, arch.sizes().get(l));
                float[] a = l == arch.layerCount() - 1 ? ref.forward(xr).toArray() : ref.hiddenOutput(xr, l).toArray();
                float[] b = l == arch.layerCount() - 1 ? dev.forward(xd).toArray() : dev.hiddenOutput(xd, l).toArray();
                entries.add(compare("layers." + l + (l == arch.layerCount() - 1 ? ".logits" : ".output"), b, a,
                        tolerance(u, maxK)));
            }
            ref.forwardBackward(xr, yr, null);
            dev.forwardBackward(xd, yd, null);
            int kGrad = Math.max(batch, maxK);
            for (int i = 0; i < params.size(); i++) {
                String name = "layers." + (i / 2) + (i % 2 == 0 ? ".weight" : ".bias") + ".grad";
                entries.add(compare(name, dev.gradients().get(i).toArray(), ref.gradients().get(i).toArray(),
                        tolerance(u, kGrad)));
            }
            // the update is checked on its own: from identical gradients, so that a tiny gradient that rounds
            // differently (Adam divides by |g| + eps) does not count against the optimizer
            for (int i = 0; i < params.size(); i++) {
                backend.upload(ref.gradients().get(i).toArray(), 0, dev.gradients().get(i));
            }
            or.step(ref.parameters(), ref.gradients());
            od.step(dev.parameters(), dev.gradients());
            String opt = optimizer.kind().name().toLowerCase(Locale.ROOT);
            for (int i = 0; i < params.size(); i++) {
                String name = "layers." + (i / 2) + (i % 2 == 0 ? ".weight" : ".bias") + " after " + opt;
                entries.add(compare(name, dev.parameters().get(i).toArray(), ref.parameters().get(i).toArray(),
                        tolerance(u, kGrad)));
            }
        }
        return new Report(backend.name(), reference.name(), backend.precision(), arch, batch, entries);
    }

    static double tolerance(double u, int k) {
        return Math.max(1e-5, 8 * u * Math.sqrt(k));
    }

    /** max |a-b|, max |a-b|/|b| (over |b| > 0), ‖a-b‖/‖b‖; NaN anywhere makes every figure infinite. */
    public static Entry compare(String name, float[] actual, float[] expected, double tolerance) {
        double maxAbs = 0;
        double maxRel = 0;
        double diff2 = 0;
        double ref2 = 0;
        for (int i = 0; i < actual.length; i++) {
            double d = Math.abs((double) actual[i] - expected[i]);
            if (Double.isNaN(d)) {
                return new Entry(name, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY,
                        tolerance);
            }
            maxAbs = Math.max(maxAbs, d);
            if (expected[i] != 0) {
                maxRel = Math.max(maxRel, d / Math.abs(expected[i]));
            }
            diff2 += d * d;
            ref2 += (double) expected[i] * expected[i];
        }
        double normRel = ref2 == 0 ? Math.sqrt(diff2) : Math.sqrt(diff2 / ref2);
        return new Entry(name, maxAbs, maxRel, normRel, tolerance);
    }

    /** The shapes {@code logitnet verify} checks: a GLM of each loss, a wide MLP, a deep one. */
    public static List<Architecture> standardShapes() {
        return List.of(
                new Architecture(List.of(30, 1), List.of(), Loss.SIGMOID_BINARY_CROSS_ENTROPY),
                new Architecture(List.of(13, 1), List.of(), Loss.POISSON),
                new Architecture(List.of(784, 256, 10), List.of(io.logitnet.backend.Activation.SIGMOID),
                        Loss.SOFTMAX_CROSS_ENTROPY),
                new Architecture(List.of(93, 144, 65, 7), List.of(io.logitnet.backend.Activation.RELU,
                        io.logitnet.backend.Activation.TANH), Loss.SOFTMAX_CROSS_ENTROPY),
                new Architecture(List.of(17, 33, 3), List.of(io.logitnet.backend.Activation.TANH), Loss.SQUARED_ERROR));
    }
}
