package io.logitnet;

import io.logitnet.backend.Activation;
import io.logitnet.backend.Backend;
import io.logitnet.backend.BackendTestSupport;
import io.logitnet.backend.Loss;
import io.logitnet.backend.Precision;
import io.logitnet.backend.Tensor;
import io.logitnet.check.CrossCheck;
import io.logitnet.cpu.CpuBackend;
import io.logitnet.data.Dataset;
import io.logitnet.model.LogisticRegression;
import io.logitnet.model.Mlp;
import io.logitnet.nn.Architecture;
import io.logitnet.testing.TestData;
import io.logitnet.train.OptimizerSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole networks on a backend against the CPU: forward, backward and optimizer updates through {@link CrossCheck},
 * training runs composed from the {@link Backend} primitives alone (an MLP with Adam, a logistic regression with
 * momentum), and full training runs of the models. The first two run in every precision the backend supports, with
 * tolerances set by it. Each backend module subclasses it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class NetworkConformanceTest {
    protected Backend backend;
    protected Backend cpu;

    protected abstract String selection();

    @BeforeAll
    void open() {
        backend = BackendTestSupport.openForClass(selection());
        cpu = new CpuBackend();
    }

    @BeforeEach
    void skipWithoutTheBackend() {
        BackendTestSupport.skipUnless(backend, selection());
    }

    @AfterAll
    void close() {
        if (backend != null) {
            backend.close();
        }
        if (cpu != null) {
            cpu.close();
        }
    }

    /** Every precision the backend supports (FP32 where it is not available: those tests then skip). */
    Stream<Precision> precisions() {
        return backend == null ? Stream.of(Precision.FP32) : backend.supportedPrecisions().stream().sorted();
    }

    /** Runs {@code body} with the backend's matrix products in {@code p}, and puts FP32 back after. */
    private <T> T inPrecision(Precision p, Supplier<T> body) {
        backend.setPrecision(p);
        try {
            return body.get();
        } finally {
            backend.setPrecision(Precision.FP32);
        }
    }

    /**
     * How far two training runs from the same start may drift apart, relatively: float32 round-off in different
     * summation orders amplified over the steps (1e-4), plus the rounding of the precision's own products (100 u;
     * TF32's 10-bit mantissa makes that 0.05).
     */
    static double runTolerance(Precision p) {
        return 1e-4 + 100 * p.unitRoundoff();
    }

    @ParameterizedTest
    @MethodSource("precisions")
    void forwardBackwardAndUpdatesMatchTheCpu(Precision p) {
        int batch = 129;
        inPrecision(p, () -> {
            for (Architecture arch : CrossCheck.standardShapes()) {
                for (OptimizerSpec opt : List.of(OptimizerSpec.adam(1e-2f), OptimizerSpec.sgd(0.1f, 0.9f))) {
                    CrossCheck.Report r = CrossCheck.run(backend, cpu, arch, batch, opt, 17);
                    assertTrue(r.passed(), () -> p + " " + arch.describe() + ":\n" + r.entries().stream()
                            .map(CrossCheck.Entry::format).collect(Collectors.joining("\n")));
                    // one output per layer, then a gradient and an updated value per parameter
                    assertEquals(arch.layerCount() + 2 * 2 * arch.layerCount(), r.entries().size());
                }
            }
            return null;
        });
    }

    @Test
    void precisionsNotOfferedAreRefusedAndChangeNothing() {
        assertTrue(backend.supportedPrecisions().contains(Precision.FP32));
        for (Precision p : Precision.values()) {
            if (!backend.supportedPrecisions().contains(p)) {
                assertThrows(IllegalArgumentException.class, () -> backend.setPrecision(p), p.toString());
                assertEquals(Precision.FP32, backend.precision());
            }
        }
    }

    // ---- training runs composed from the Backend primitives, on the backend and on the CPU from one start ----

    /** The result of one run: the mean loss of every step and the final parameters. */
    record Run(double[] losses, float[] w1, float[] w2) {
    }

    @ParameterizedTest
    @MethodSource("precisions")
    void anMlpBuiltFromThePrimitivesTrainsWithAdamAsOnTheCpu(Precision p) {
        for (Activation hidden : new Activation[] {Activation.TANH, Activation.RELU}) {
            Run ref = mlp(cpu, hidden, 25);
            Run got = inPrecision(p, () -> mlp(backend, hidden, 25));
            assertTrue(ref.losses()[24] < ref.losses()[0], "the reference run must learn");
            assertTrue(got.losses()[24] < got.losses()[0], "the " + p + " run must learn");
            assertRunsAgree("mlp " + hidden + " " + p, ref, got, runTolerance(p));
        }
    }

    @ParameterizedTest
    @MethodSource("precisions")
    void aLogisticRegressionBuiltFromThePrimitivesTrainsWithMomentumAsOnTheCpu(Precision p) {
        double[] ref = logistic(cpu);
        double[] got = inPrecision(p, () -> logistic(backend));
        double tol = runTolerance(p);
        for (int i = 0; i < ref.length; i++) {
            assertEquals(ref[i], got[i], tol * ref[i] + 1e-6, p + " loss at step " + (i + 1));
        }
        assertTrue(ref[ref.length - 1] < 0.5 * ref[0], "the reference must learn");
    }

    /** A two-layer network with softmax cross-entropy and AdamW, step by step from gemm, bias, activation calls. */
    private static Run mlp(Backend b, Activation hidden, int steps) {
        int batch = 97;
        int in = 13;
        int width = 33;
        int classes = 5;
        Random r = new Random(42);
        float[] x = new float[batch * in];
        float[] y = new float[batch];
        for (int i = 0; i < batch; i++) {
            double s = 0;
            for (int j = 0; j < in; j++) {
                x[i * in + j] = (float) r.nextGaussian();
                s += x[i * in + j] * (j % 3 - 1);
            }
            y[i] = Math.floorMod((int) Math.floor(s), classes);
        }
        float[] w1 = new float[width * in];
        float[] w2 = new float[classes * width];
        for (int i = 0; i < w1.length; i++) {
            w1[i] = (float) (r.nextGaussian() * Math.sqrt(2.0 / in));
        }
        for (int i = 0; i < w2.length; i++) {
            w2[i] = (float) (r.nextGaussian() * Math.sqrt(1.0 / width));
        }
        double[] losses = new double[steps];
        try (Tensor X = b.upload(x, batch, in); Tensor Y = b.upload(y, batch, 1);
             Tensor W1 = b.upload(w1, width, in); Tensor B1 = b.allocate(1, width);
             Tensor W2 = b.upload(w2, classes, width); Tensor B2 = b.allocate(1, classes);
             Tensor H = b.allocate(batch, width); Tensor Z = b.allocate(batch, classes);
             Tensor G = b.allocate(batch, classes); Tensor L = b.allocate(batch, 1);
             Tensor DH = b.allocate(batch, width);
             Tensor dW1 = b.allocate(width, in); Tensor dB1 = b.allocate(1, width);
             Tensor dW2 = b.allocate(classes, width); Tensor dB2 = b.allocate(1, classes);
             Tensor mW1 = b.allocate(width, in); Tensor vW1 = b.allocate(width, in);
             Tensor mB1 = b.allocate(1, width); Tensor vB1 = b.allocate(1, width);
             Tensor mW2 = b.allocate(classes, width); Tensor vW2 = b.allocate(classes, width);
             Tensor mB2 = b.allocate(1, classes); Tensor vB2 = b.allocate(1, classes)) {
            for (int step = 1; step <= steps; step++) {
                // forward: H = f(X W1ᵀ + b1), Z = H W2ᵀ + b2
                b.gemm(false, true, 1f, X, W1, 0f, H);
                b.addRowVector(H, B1);
                b.activationForward(hidden, H, H);
                b.gemm(false, true, 1f, H, W2, 0f, Z);
                b.addRowVector(Z, B2);
                b.lossForwardBackward(Loss.SOFTMAX_CROSS_ENTROPY, Z, Y, G, L, 1f / batch);
                double sum = 0;
                for (float v : L.toArray()) {
                    sum += v;
                }
                losses[step - 1] = sum / batch;
                // backward
                b.gemm(true, false, 1f, G, H, 0f, dW2);
                b.columnSums(G, dB2);
                b.gemm(false, false, 1f, G, W2, 0f, DH);
                b.activationBackward(hidden, H, DH, DH);
                b.gemm(true, false, 1f, DH, X, 0f, dW1);
                b.columnSums(DH, dB1);
                // update
                b.adamUpdate(W1, dW1, mW1, vW1, 1e-2f, 0.9f, 0.999f, 1e-8f, 0.01f, step);
                b.adamUpdate(B1, dB1, mB1, vB1, 1e-2f, 0.9f, 0.999f, 1e-8f, 0f, step);
                b.adamUpdate(W2, dW2, mW2, vW2, 1e-2f, 0.9f, 0.999f, 1e-8f, 0.01f, step);
                b.adamUpdate(B2, dB2, mB2, vB2, 1e-2f, 0.9f, 0.999f, 1e-8f, 0f, step);
            }
            b.synchronize();
            return new Run(losses, W1.toArray(), W2.toArray());
        }
    }

    private static void assertRunsAgree(String what, Run expected, Run got, double rel) {
        for (int i = 0; i < expected.losses().length; i++) {
            assertEquals(expected.losses()[i], got.losses()[i], rel * Math.abs(expected.losses()[i]) + 1e-6,
                    what + " loss at step " + (i + 1));
        }
        float[][] e = {expected.w1(), expected.w2()};
        float[][] g = {got.w1(), got.w2()};
        for (int k = 0; k < 2; k++) {
            double diff = 0;
            double norm = 0;
            for (int i = 0; i < e[k].length; i++) {
                diff += (e[k][i] - g[k][i]) * (double) (e[k][i] - g[k][i]);
                norm += e[k][i] * (double) e[k][i];
            }
            double err = Math.sqrt(diff / norm);
            assertTrue(err < rel, what + " layer " + (k + 1) + " weights differ by " + err + " (normwise)");
        }
    }

    /** Logistic regression by SGD with momentum (Nesterov every other step), from gemm, bias, loss and dot calls. */
    private static double[] logistic(Backend b) {
        int n = 513;
        int d = 7;
        Random r = new Random(3);
        float[] x = new float[n * d];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            double s = 0.5;
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) r.nextGaussian();
                s += x[i * d + j] * (j - 3) * 0.7;
            }
            y[i] = r.nextDouble() < 1 / (1 + Math.exp(-s)) ? 1f : 0f;
        }
        double[] losses = new double[40];
        try (Tensor X = b.upload(x, n, d); Tensor Y = b.upload(y, n, 1); Tensor W = b.allocate(1, d);
             Tensor B = b.allocate(1, 1); Tensor Z = b.allocate(n, 1); Tensor G = b.allocate(n, 1);
             Tensor L = b.allocate(n, 1); Tensor dW = b.allocate(1, d); Tensor dB = b.allocate(1, 1);
             Tensor vW = b.allocate(1, d); Tensor vB = b.allocate(1, 1); Tensor ones = b.allocate(n, 1)) {
            b.fill(ones, 1f);
            for (int step = 0; step < losses.length; step++) {
                b.gemm(false, true, 1f, X, W, 0f, Z);
                b.addRowVector(Z, B);
                b.lossForwardBackward(Loss.SIGMOID_BINARY_CROSS_ENTROPY, Z, Y, G, L, 1f / n);
                losses[step] = b.dot(L, ones) / n;
                b.gemm(true, false, 1f, G, X, 0f, dW);
                b.columnSums(G, dB);
                b.sgdUpdate(W, dW, vW, 0.5f, 0.9f, step % 2 == 0);
                b.sgdUpdate(B, dB, vB, 0.5f, 0.9f, step % 2 == 0);
            }
        }
        return losses;
    }

    @Test
    void extremeLogitsTrainWithoutNaN() {
        Architecture arch = new Architecture(List.of(4, 3), List.of(), Loss.SOFTMAX_CROSS_ENTROPY);
        CrossCheck.Report r = CrossCheck.run(backend, cpu, arch, 7, OptimizerSpec.sgd(0.1f, 0f), 5);
        assertTrue(r.passed());
        float[][] x = {{1e4f, -1e4f, 90f, -90f}, {1e30f, 0f, 0f, 0f}, {0f, 0f, 0f, 0f}};
        int[] y = {0, 1, 2};
        Mlp m = Mlp.classifier(3).activation(Activation.TANH).epochs(3).backend(backend);
        m.fit(x, y);
        for (float[] p : m.predictProba(x)) {
            for (float v : p) {
                assertTrue(Float.isFinite(v), "probability " + v);
            }
        }
    }

    @Test
    void logisticRegressionTrainsToTheCpuAnswer() {
        TestData.Table t = TestData.csv("breast_cancer.csv");
        float[][] x = TestData.toFloat(TestData.standardize(t.x()));
        int[] y = java.util.Arrays.stream(t.target()).mapToInt(s -> s.equals("malignant") ? 1 : 0).toArray();
        LogisticRegression onCpu = new LogisticRegression().backend(cpu).l2(0.01f).tolerance(1e-6);
        onCpu.fit(x, y);
        LogisticRegression onDevice = new LogisticRegression().backend(backend).l2(0.01f).tolerance(1e-6);
        onDevice.fit(x, y);
        float[] a = onCpu.coefficients();
        float[] b = onDevice.coefficients();
        double scale = 0;
        for (float v : a) {
            scale = Math.max(scale, Math.abs(v));
        }
        assertArrayEquals(a, b, (float) (1e-3 * scale), "coefficients on " + backend.name() + " vs cpu");
        assertEquals(onCpu.intercept(), onDevice.intercept(), 1e-3 * scale);
    }

    @Test
    void mlpTrainsAsWellAsOnTheCpu() {
        Dataset all = TestData.mnist();
        Dataset train = all.range(0, 2000);
        Dataset test = all.range(2000, 2500);
        float[][] xt = TestData.rows(test);
        int[] yt = TestData.labels(test);
        double[] acc = new double[2];
        Backend[] bs = {cpu, backend};
        for (int i = 0; i < 2; i++) {
            Mlp m = Mlp.classifier(128).activation(Activation.SIGMOID).optimizer(OptimizerSpec.adam(1e-3f))
                    .batchSize(50).epochs(8).seed(3).backend(bs[i]);
            m.fit(train);
            acc[i] = accuracy(m.predict(xt), yt);
        }
        assertTrue(acc[1] > 0.85, backend.name() + " accuracy " + acc[1]);
        // float32 summation order differs between devices, so trajectories drift apart slightly
        assertEquals(acc[0], acc[1], 0.02, "accuracy on " + backend.name() + " vs cpu");
    }

    /**
     * BF16 (operands of every matrix product rounded to bfloat16, sums, weights, optimizer and loss in float32), where
     * the backend supports it: a 784-256 sigmoid-10 MLP trained on 8,000 digits of the MNIST sample (SGD with momentum
     * and cosine decay, 8 epochs; about 96% in FP32) reaches at least 94% on the other 2,000 in BF16, within a point of
     * FP32 on the CPU (a different trajectory). On a backend instance of its own.
     */
    @Test
    void mnistTrainsTo94PercentInBf16AsInFp32() {
        Backend bf16 = BackendTestSupport.openOrSkip(selection());
        try {
            org.junit.jupiter.api.Assumptions.assumeTrue(bf16.supportedPrecisions().contains(Precision.BF16),
                    bf16.instanceName() + " supports " + bf16.supportedPrecisions() + ": no BF16");
            bf16.setPrecision(Precision.BF16);
            Dataset all = io.logitnet.data.Mnist.normalize(TestData.mnist());
            Dataset test = all.range(8000, 10000);
            double[] acc = new double[2];
            Backend[] bs = {cpu, bf16};
            for (int i = 0; i < 2; i++) {
                Mlp m = Mlp.classifier(256).activation(Activation.SIGMOID).backend(bs[i])
                        .optimizer(OptimizerSpec.sgd(0.2f, 0.9f)).l2(5e-4f).batchSize(32).epochs(8).seed(7);
                m.config(m.trainConfig().withSchedule(io.logitnet.train.TrainConfig.Schedule.COSINE));
                m.fit(all.range(0, 8000));
                acc[i] = accuracy(m.predict(TestData.rows(test)), TestData.labels(test));
                if (i == 1) {
                    assertEquals("bf16", m.precision(), "the precision is stored with the model");
                }
            }
            assertTrue(acc[0] >= 0.94, "fp32 on the cpu: " + acc[0]);
            assertTrue(acc[1] >= 0.94, bf16.name() + " bf16 accuracy " + acc[1]);
            assertEquals(acc[0], acc[1], 0.01, "bf16 on " + bf16.name() + " vs fp32 on the cpu");
        } finally {
            bf16.close();
        }
    }

    private static double accuracy(int[] predicted, int[] labels) {
        int c = 0;
        for (int j = 0; j < predicted.length; j++) {
            c += predicted[j] == labels[j] ? 1 : 0;
        }
        return c / (double) predicted.length;
    }
}
