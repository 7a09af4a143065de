package io.logitnet.nn;

import io.logitnet.backend.Activation;
import io.logitnet.backend.Backend;
import io.logitnet.backend.Compare;
import io.logitnet.backend.Loss;
import io.logitnet.backend.Tensor;
import io.logitnet.cpu.CpuBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Backpropagation against central finite differences of the objective computed in double precision
 * ({@link DoubleNetwork}), for every activation, every loss, and random multi-layer networks.
 */
class GradientCheckTest {
    private static Backend backend;

    @BeforeAll
    static void open() {
        backend = new CpuBackend();
    }

    @AfterAll
    static void close() {
        backend.close();
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void everyHiddenActivation(Activation f) {
        Loss[] losses = Loss.values();
        // each activation behind a different loss, and each under softmax cross-entropy
        check(new Architecture(List.of(5, 4, 3), List.of(f), losses[f.ordinal() % losses.length]), 11, 0f, 1 + f.ordinal());
        check(new Architecture(List.of(4, 6, 3), List.of(f), Loss.SOFTMAX_CROSS_ENTROPY), 9, 0.01f, 17 + f.ordinal());
    }

    @ParameterizedTest
    @EnumSource(Loss.class)
    void everyLossAsAGlmAndBehindAHiddenLayer(Loss loss) {
        int out = loss == Loss.SOFTMAX_CROSS_ENTROPY ? 4 : (loss == Loss.SIGMOID_BINARY_CROSS_ENTROPY ? 2 : 1);
        check(new Architecture(List.of(6, out), List.of(), loss), 13, 0f, 100 + loss.ordinal());
        check(new Architecture(List.of(6, out), List.of(), loss), 13, 0.05f, 200 + loss.ordinal());
        check(new Architecture(List.of(3, 7, out), List.of(Activation.TANH), loss), 8, 0f, 300 + loss.ordinal());
    }

    @Test
    void randomDeepNetworks() {
        Random r = new Random(2024);
        Activation[] acts = {Activation.SIGMOID, Activation.TANH, Activation.RELU, Activation.IDENTITY};
        for (int trial = 0; trial < 6; trial++) {
            int depth = 2 + r.nextInt(3);
            List<Integer> sizes = new ArrayList<>();
            List<Activation> hidden = new ArrayList<>();
            sizes.add(1 + r.nextInt(6));
            for (int i = 0; i < depth; i++) {
                sizes.add(1 + r.nextInt(7));
                hidden.add(acts[r.nextInt(acts.length)]);
            }
            Loss loss = Loss.values()[r.nextInt(Loss.values().length)];
            sizes.add(loss == Loss.SOFTMAX_CROSS_ENTROPY ? 2 + r.nextInt(4) : 1 + r.nextInt(3));
            check(new Architecture(sizes, hidden, loss), 1 + r.nextInt(20), r.nextBoolean() ? 0f : 0.02f, 1000 + trial);
        }
    }

    private static void check(Architecture arch, int rows, float l2, long seed) {
        Random r = new Random(seed);
        int in = arch.inputs();
        int out = arch.outputs();
        float[] x = new float[rows * in];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        float[] y;
        if (arch.loss() == Loss.SOFTMAX_CROSS_ENTROPY) {
            y = new float[rows];
            for (int i = 0; i < rows; i++) {
                y[i] = r.nextInt(out);
            }
        } else {
            y = new float[rows * out];
            for (int i = 0; i < y.length; i++) {
                y[i] = switch (arch.loss()) {
                    case SIGMOID_BINARY_CROSS_ENTROPY -> r.nextInt(2);
                    case POISSON -> r.nextInt(4);
                    default -> (float) r.nextGaussian();
                };
            }
        }
        try (Network net = Network.create(backend, arch, Init.AUTO, seed, false);
             Tensor xt = backend.upload(x, rows, in);
             Tensor yt = backend.upload(y, rows, arch.loss().targetsAreClassIndices() ? 1 : out)) {
            // non-zero biases so that they matter
            for (int l = 0; l < arch.layerCount(); l++) {
                float[] b = new float[arch.sizes().get(l + 1)];
                for (int i = 0; i < b.length; i++) {
                    b[i] = (float) (0.1 * r.nextGaussian());
                }
                net.setParameters(l, net.weight(l), b);
            }
            net.setL2(l2);
            net.forwardBackward(xt, yt, null);
            List<double[]> params = new ArrayList<>();
            for (float[] p : net.parameterArrays()) {
                params.add(Compare.toDouble(p));
            }
            double[] xd = Compare.toDouble(x);
            double h = 1e-6;
            for (int p = 0; p < params.size(); p++) {
                double[] theta = params.get(p);
                float[] analytic = net.gradients().get(p).toArray();
                double[] numeric = new double[theta.length];
                double scale = 0;
                for (int i = 0; i < theta.length; i++) {
                    double saved = theta[i];
                    theta[i] = saved + h;
                    double fp = DoubleNetwork.objective(arch, params, xd, rows, y, l2);
                    theta[i] = saved - h;
                    double fm = DoubleNetwork.objective(arch, params, xd, rows, y, l2);
                    theta[i] = saved;
                    numeric[i] = (fp - fm) / (2 * h);
                    scale = Math.max(scale, Math.abs(numeric[i]));
                }
                for (int i = 0; i < analytic.length; i++) {
                    assertTrue(Float.isFinite(analytic[i]));
                }
                // float32 backprop against double finite differences: relative 1e-4 of the largest component
                Compare.assertClose(arch.describe() + " l2=" + l2 + " parameter " + p, analytic, numeric, 2e-4,
                        1e-4 * scale + 1e-7, Math.max(1, net.parameters().get(p).cols()));
            }
        }
    }
}
