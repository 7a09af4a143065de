package io.logitnet.nn;

import io.logitnet.backend.Activation;
import io.logitnet.backend.Loss;
import io.logitnet.backend.Tensor;
import io.logitnet.cpu.CpuBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The network API around the passes: architectures (validation, description, cost), initializers (centred, right
 * spread, overwrite what they are given), hidden-layer outputs, predictions, the loss-only pass, parameter access,
 * the L2 setting, and which parameters count as weights. Expected values come from double-precision arithmetic here.
 */
class NetworkApiTest {
    private static final Architecture ARCH = new Architecture(List.of(3, 4, 2, 3),
            List.of(Activation.TANH, Activation.SIGMOID), Loss.SOFTMAX_CROSS_ENTROPY);
    private static final float[] X = {0.5f, -1f, 2f, 1.5f, 0.25f, -0.75f};

    private static CpuBackend cpu;

    @BeforeAll
    static void open() {
        cpu = new CpuBackend();
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    @Test
    void architecturesAreCheckedDescribedAndCosted() {
        assertEquals("3-4(tanh)-2(sigmoid)-3 softmax_cross_entropy", ARCH.describe());
        assertEquals("5-1 poisson", new Architecture(List.of(5, 1), List.of(), Loss.POISSON).describe());
        assertEquals(3 * 4 + 4 * 2 + 2 * 3, ARCH.macsPerExample());
        assertEquals(3, ARCH.layerCount());
        assertEquals(3, ARCH.inputs());
        assertEquals(3, ARCH.outputs());
        assertEquals(Activation.SIGMOID, ARCH.activation(1));
        assertNull(ARCH.activation(2), "the output layer's activation is fused with the loss");
        Architecture of = Architecture.of(3, List.of(4, 2), Activation.RELU, 1, Loss.SQUARED_ERROR);
        assertEquals(List.of(3, 4, 2, 1), of.sizes());
        assertEquals(List.of(Activation.RELU, Activation.RELU), of.hiddenActivations());
        assertThrows(IllegalArgumentException.class, () -> new Architecture(List.of(3), List.of(), Loss.POISSON));
        assertThrows(IllegalArgumentException.class,
                () -> new Architecture(List.of(3, 0, 1), List.of(Activation.RELU), Loss.POISSON));
        assertThrows(IllegalArgumentException.class,
                () -> new Architecture(List.of(3, 2, 1), List.of(), Loss.POISSON));
        assertThrows(IllegalArgumentException.class,
                () -> new Architecture(List.of(3, 1), List.of(), Loss.SOFTMAX_CROSS_ENTROPY));
        new Architecture(List.of(3, 2), List.of(), Loss.SOFTMAX_CROSS_ENTROPY); // two classes are enough
    }

    private static double[] meanAndVariance(float[] w) {
        double s = 0;
        double s2 = 0;
        for (float v : w) {
            s += v;
            s2 += (double) v * v;
        }
        double m = s / w.length;
        return new double[] {m, s2 / w.length - m * m};
    }

    @Test
    void initializersAreCentredSpreadAndOverwriteTheirArray() {
        int in = 200;
        int out = 100;
        float[] w = new float[in * out];
        Init.GLOROT.fill(w, in, out, Activation.TANH, new SplittableRandom(3));
        double limit = Math.sqrt(6.0 / (in + out));
        double[] mv = meanAndVariance(w);
        assertEquals(0, mv[0], 0.02 * limit, "Glorot is centred on 0");
        for (float v : w) {
            assertTrue(Math.abs(v) <= limit, "inside ±" + limit + ": " + v);
        }
        Init.HE.fill(w, in, out, Activation.RELU, new SplittableRandom(3));
        mv = meanAndVariance(w);
        assertEquals(0, mv[0], 0.02 * Math.sqrt(2.0 / in), "He is centred on 0");
        assertEquals(2.0 / in, mv[1], 0.05 * 2.0 / in);
        float[] ones = new float[6];
        Arrays.fill(ones, 1f);
        Init.ZEROS.fill(ones, 3, 2, Activation.TANH, new SplittableRandom(1));
        assertArrayEquals(new float[6], ones);
        Init.CONSTANT.fill(ones, 3, 2, Activation.TANH, new SplittableRandom(1));
        for (float v : ones) {
            assertEquals(0.1f, v);
        }
        // a network picks per layer: He for a relu hidden layer, Glorot for the sigmoid output
        try (Network net = Network.create(cpu, new Architecture(List.of(in, out, 1), List.of(Activation.RELU),
                Loss.SIGMOID_BINARY_CROSS_ENTROPY), Init.AUTO, 3, false)) {
            assertEquals(2.0 / in, meanAndVariance(net.weight(0))[1], 0.05 * 2.0 / in);
            assertEquals(2.0 / (out + 1), meanAndVariance(net.weight(1))[1], 0.3 * 2.0 / (out + 1));
        }
        assertTrue(Init.ZEROS.symmetric() && Init.CONSTANT.symmetric());
        assertFalse(Init.AUTO.symmetric() || Init.HE.symmetric() || Init.GLOROT.symmetric());
    }

    @Test
    void symmetricInitializationIsRefusedForHiddenLayersOnlyAndNamesTheLayer() {
        SymmetricInitializationException e = assertThrows(SymmetricInitializationException.class,
                () -> Network.create(cpu, ARCH, Init.ZEROS, 1, false));
        assertEquals(0, e.layer());
        assertEquals(Init.ZEROS, e.init());
        try (Network allowed = Network.create(cpu, ARCH, Init.CONSTANT, 1, true)) {
            assertEquals(0.1f, allowed.weight(1)[0]);
            assertEquals(3, allowed.layers().size());
        }
        try (Network glm = Network.create(cpu, new Architecture(List.of(3, 1), List.of(), Loss.POISSON), Init.ZEROS,
                1, false)) {
            assertArrayEquals(new float[3], glm.weight(0));
        }
    }

    /** Weights that make every value below easy to recompute: layer i's weight j is (j+1)·0.1·(−1)^(i+j). */
    private static Network network() {
        Network net = Network.create(cpu, ARCH, Init.AUTO, 1, false);
        for (int layer = 0; layer < 3; layer++) {
            Dense d = net.layers().get(layer);
            float[] w = new float[d.in() * d.out()];
            for (int j = 0; j < w.length; j++) {
                w[j] = (float) ((j + 1) * 0.1 * ((layer + j) % 2 == 0 ? 1 : -1));
            }
            float[] b = new float[d.out()];
            for (int j = 0; j < b.length; j++) {
                b[j] = 0.05f * (j - layer);
            }
            net.setParameters(layer, w, b);
        }
        return net;
    }

    /** Layer outputs for X in double: the activations of each hidden layer, then the logits. */
    private static double[][] forwardInDouble(Network net) {
        double[][] out = new double[3][];
        double[] input = new double[X.length];
        for (int i = 0; i < X.length; i++) {
            input[i] = X[i];
        }
        int rows = 2;
        for (int layer = 0; layer < 3; layer++) {
            Dense d = net.layers().get(layer);
            float[] w = net.weight(layer);
            float[] b = net.bias(layer);
            double[] y = new double[rows * d.out()];
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < d.out(); o++) {
                    double z = b[o];
                    for (int k = 0; k < d.in(); k++) {
                        z += w[o * d.in() + k] * input[r * d.in() + k];
                    }
                    Activation a = ARCH.activation(layer);
                    y[r * d.out() + o] = a == Activation.TANH ? Math.tanh(z)
                            : a == Activation.SIGMOID ? 1 / (1 + Math.exp(-z)) : z;
                }
            }
            out[layer] = y;
            input = y;
        }
        return out;
    }

    private static void assertClose(double[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-6, what + " [" + i + "]");
        }
    }

    @Test
    void hiddenOutputsPredictionsAndLossesMatchADoubleForwardPass() {
        try (Network net = network(); Tensor x = cpu.upload(X, 2, 3); Tensor y = cpu.upload(new float[] {2, 0}, 2, 1);
             Tensor lossSum = cpu.allocate(1, 1)) {
            double[][] ref = forwardInDouble(net);
            assertClose(ref[0], net.hiddenOutput(x, 0).toArray(), "hidden layer 0");
            assertClose(ref[1], net.hiddenOutput(x, 1).toArray(), "hidden layer 1");
            assertThrows(IllegalArgumentException.class, () -> net.hiddenOutput(x, 2), "the output layer is not hidden");
            assertThrows(IllegalArgumentException.class, () -> net.hiddenOutput(x, -1));
            double[] logits = ref[2];
            double[] p = new double[6];
            double expectedLoss = 0;
            int[] labels = {2, 0};
            for (int r = 0; r < 2; r++) {
                double s = 0;
                for (int j = 0; j < 3; j++) {
                    s += Math.exp(logits[r * 3 + j]);
                }
                for (int j = 0; j < 3; j++) {
                    p[r * 3 + j] = Math.exp(logits[r * 3 + j]) / s;
                }
                expectedLoss += Math.log(s) - logits[r * 3 + labels[r]];
            }
            float[] accumulated = net.accumulateLoss(x, y, lossSum).toArray();
            assertClose(logits, accumulated, "logits of the loss-only pass");
            assertEquals(expectedLoss, lossSum.toArray()[0], 1e-6);
            net.accumulateLoss(x, y, lossSum);
            assertEquals(2 * expectedLoss, lossSum.toArray()[0], 2e-6, "the loss-only pass adds to the sum");
            assertClose(p, net.predict(x).toArray(), "softmax probabilities");
        }
    }

    @Test
    void parametersL2AndWhichParametersAreWeights() {
        try (Network net = network()) {
            net.setParameters(2, new float[6], new float[] {1f, 2f, 3f});
            assertArrayEquals(new float[] {1f, 2f, 3f}, net.bias(2));
            assertArrayEquals(new float[6], net.weight(2));
            assertEquals(6, net.parameters().size());
            assertEquals(6, net.gradients().size());
            assertArrayEquals(net.bias(2), net.parameterArrays().get(5));
            assertTrue(Network.isWeight(0) && Network.isWeight(2) && Network.isWeight(4));
            assertFalse(Network.isWeight(1) || Network.isWeight(3) || Network.isWeight(5));
            assertEquals(0f, net.l2());
            assertEquals(0.0, net.penalty());
            net.setL2(0.5f);
            assertEquals(0.5f, net.l2());
            double sumSquares = 0;
            for (int layer = 0; layer < 3; layer++) {
                for (float w : net.weight(layer)) {
                    sumSquares += (double) w * w;
                }
            }
            assertEquals(0.25 * sumSquares, net.penalty(), 1e-12, "(l2/2)·Σw² over weights, not biases");
            assertThrows(IllegalArgumentException.class, () -> net.setL2(-1f));
            assertThrows(IllegalArgumentException.class, () -> net.setL2(Float.NaN));
            assertThrows(IllegalArgumentException.class, () -> net.setL2(Float.POSITIVE_INFINITY));
        }
    }
}
