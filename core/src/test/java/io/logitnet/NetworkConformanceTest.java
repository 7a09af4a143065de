package io.logitnet;

import io.logitnet.backend.Activation;
import io.logitnet.backend.Backend;
import io.logitnet.backend.BackendTestSupport;
import io.logitnet.backend.Loss;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole networks on a backend against the CPU: forward, backward and optimizer updates through {@link CrossCheck},
 * then full training runs of a logistic regression and an MLP. Each backend module subclasses it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class NetworkConformanceTest {
    protected Backend backend;
    protected Backend cpu;

    protected abstract String selection();

    @BeforeAll
    void open() {
        backend = BackendTestSupport.openOrSkip(selection());
        cpu = new CpuBackend();
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

    @Test
    void forwardBackwardAndUpdatesMatchTheCpu() {
        int batch = 129;
        for (Architecture arch : CrossCheck.standardShapes()) {
            for (OptimizerSpec opt : List.of(OptimizerSpec.adam(1e-2f), OptimizerSpec.sgd(0.1f, 0.9f))) {
                CrossCheck.Report r = CrossCheck.run(backend, cpu, arch, batch, opt, 17);
                assertTrue(r.passed(), () -> arch.describe() + ":\n" + r.entries().stream()
                        .map(CrossCheck.Entry::format).collect(Collectors.joining("\n")));
                // one output per layer, then a gradient and an updated value per parameter
                assertEquals(arch.layerCount() + 2 * 2 * arch.layerCount(), r.entries().size());
            }
        }
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
            int[] p = m.predict(xt);
            int c = 0;
            for (int j = 0; j < p.length; j++) {
                c += p[j] == yt[j] ? 1 : 0;
            }
            acc[i] = c / (double) p.length;
        }
        assertTrue(acc[1] > 0.85, backend.name() + " accuracy " + acc[1]);
        // float32 summation order differs between devices, so trajectories drift apart slightly
        assertEquals(acc[0], acc[1], 0.02, "accuracy on " + backend.name() + " vs cpu");
    }
}
