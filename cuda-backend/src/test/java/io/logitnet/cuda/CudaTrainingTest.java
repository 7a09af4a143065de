package io.logitnet.cuda;

import io.logitnet.backend.Activation;
import io.logitnet.backend.Backend;
import io.logitnet.backend.BackendTestSupport;
import io.logitnet.backend.Backends;
import io.logitnet.backend.Loss;
import io.logitnet.backend.Precision;
import io.logitnet.backend.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole training runs composed from the Backend primitives, on CUDA and on the CPU from the same start: a
 * two-layer tanh/relu network with softmax cross-entropy and Adam, and a logistic regression with SGD momentum.
 * The losses and the final weights must agree to float32 round-off accumulated over the run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CudaTrainingTest {
    private Backend cuda;
    private Backend cpu;

    @BeforeAll
    void open() {
        cuda = BackendTestSupport.openOrSkip("cuda");
        cpu = Backends.open("cpu");
    }

    @AfterAll
    void close() {
        if (cuda != null) {
            cuda.close();
        }
        if (cpu != null) {
            cpu.close();
        }
    }

    /** The result of one run: the mean loss of every step and the final parameters. */
    record Run(double[] losses, float[] w1, float[] w2) {
    }

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
        double[] err = {0, 0};
        float[][] e = {expected.w1(), expected.w2()};
        float[][] g = {got.w1(), got.w2()};
        for (int k = 0; k < 2; k++) {
            double diff = 0;
            double norm = 0;
            for (int i = 0; i < e[k].length; i++) {
                diff += (e[k][i] - g[k][i]) * (double) (e[k][i] - g[k][i]);
                norm += e[k][i] * (double) e[k][i];
            }
            err[k] = Math.sqrt(diff / norm);
            assertTrue(err[k] < rel, what + " layer " + (k + 1) + " weights differ by " + err[k] + " (normwise)");
        }
    }

    @Test
    void mlpWithAdamMatchesTheCpu() {
        for (Activation hidden : new Activation[] {Activation.TANH, Activation.RELU}) {
            Run ref = mlp(cpu, hidden, 25);
            Run got = mlp(cuda, hidden, 25);
            assertTrue(ref.losses()[24] < ref.losses()[0], "the reference run must learn");
            assertRunsAgree("mlp " + hidden, ref, got, 1e-4);
        }
    }

    @Test
    void mlpInTf32LearnsAndStaysNearFp32() {
        if (!cuda.supportedPrecisions().contains(Precision.TF32)) {
            return; // pre-Ampere device: TF32 is not offered, which supportsOnlyListedPrecisions covers
        }
        cuda.setPrecision(Precision.TF32);
        try {
            Run ref = mlp(cpu, Activation.TANH, 25);
            Run got = mlp(cuda, Activation.TANH, 25);
            assertTrue(got.losses()[24] < got.losses()[0], "the TF32 run must learn");
            assertRunsAgree("mlp tf32", ref, got, 5e-2);
        } finally {
            cuda.setPrecision(Precision.FP32);
        }
    }

    @Test
    void supportsOnlyListedPrecisions() {
        assertTrue(cuda.supportedPrecisions().contains(Precision.FP32));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> cuda.setPrecision(Precision.BF16));
        assertEquals(Precision.FP32, cuda.precision());
    }

    @Test
    void logisticRegressionWithMomentumMatchesTheCpu() {
        double[] lossCpu = logistic(cpu);
        double[] lossCuda = logistic(cuda);
        for (int i = 0; i < lossCpu.length; i++) {
            assertEquals(lossCpu[i], lossCuda[i], 1e-4 * lossCpu[i] + 1e-6, "loss at step " + (i + 1));
        }
        assertTrue(lossCpu[lossCpu.length - 1] < 0.5 * lossCpu[0], "the reference must learn");
    }

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
             Tensor vW = b.allocate(1, d); Tensor vB = b.allocate(1, 1)) {
            for (int step = 0; step < losses.length; step++) {
                b.gemm(false, true, 1f, X, W, 0f, Z);
                b.addRowVector(Z, B);
                b.lossForwardBackward(Loss.SIGMOID_BINARY_CROSS_ENTROPY, Z, Y, G, L, 1f / n);
                try (Tensor ones = b.allocate(n, 1)) {
                    b.fill(ones, 1f);
                    losses[step] = b.dot(L, ones) / n;
                }
                b.gemm(true, false, 1f, G, X, 0f, dW);
                b.columnSums(G, dB);
                b.sgdUpdate(W, dW, vW, 0.5f, 0.9f, step % 2 == 0);
                b.sgdUpdate(B, dB, vB, 0.5f, 0.9f, step % 2 == 0);
            }
        }
        return losses;
    }
}
