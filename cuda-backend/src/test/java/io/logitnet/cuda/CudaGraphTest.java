package io.logitnet.cuda;

import io.logitnet.backend.Activation;
import io.logitnet.backend.Backend;
import io.logitnet.backend.BackendTestSupport;
import io.logitnet.backend.Loss;
import io.logitnet.backend.StepRunner;
import io.logitnet.backend.Tensor;
import io.logitnet.data.Dataset;
import io.logitnet.nn.Architecture;
import io.logitnet.nn.Init;
import io.logitnet.nn.Network;
import io.logitnet.train.OptimizerSpec;
import io.logitnet.train.TrainConfig;
import io.logitnet.train.Trainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training steps captured in CUDA graphs and replayed ({@link StepGraphs}) give the bits of the same steps run call by
 * call. On the emulated driver (run-with-emulated-gpu.sh), which records captured operations and replays them in
 * order, the driver's counters also show that graphs were captured and launched and are destroyed on close.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CudaGraphTest {
    private CudaBackend backend;

    @BeforeAll
    void open() {
        backend = (CudaBackend) BackendTestSupport.openForClass("cuda");
    }

    @BeforeEach
    void skipWithoutTheBackend() {
        BackendTestSupport.skipUnless(backend, "cuda");
    }

    @AfterAll
    void close() {
        if (backend != null) {
            backend.setCudaGraphs(false);
            backend.close();
        }
    }

    /** 150 rows of 6 features, 3 classes: batches of 32 leave a partial batch of 22 every epoch. */
    private static Dataset data() {
        Random r = new Random(7);
        int n = 150;
        int d = 6;
        float[] x = new float[n * d];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) r.nextGaussian();
                s += (j + 1) * x[i * d + j];
            }
            y[i] = s < -1 ? 0 : s < 1 ? 1 : 2;
        }
        return new Dataset(x, n, d, y, 1, null);
    }

    private List<float[]> train(boolean graphs, OptimizerSpec optimizer, float l2) {
        backend.setCudaGraphs(graphs);
        Architecture arch = Architecture.of(6, List.of(16), Activation.TANH, 3, Loss.SOFTMAX_CROSS_ENTROPY);
        TrainConfig config = TrainConfig.defaults().withEpochs(4).withBatchSize(32).withValidationSplit(0)
                .withSeed(3).withOptimizer(optimizer).withL2(l2).withSchedule(TrainConfig.Schedule.COSINE);
        try (Network net = Network.create(backend, arch, Init.AUTO, 11, false)) {
            net.setL2(l2);
            new Trainer(config, null).fit(net, data());
            return net.parameterArrays();
        } finally {
            backend.setCudaGraphs(false);
        }
    }

    private void sameBits(OptimizerSpec optimizer, float l2) {
        boolean emulated = EmulatedDriver.present();
        long launches = emulated ? EmulatedDriver.counter(EmulatedDriver.GRAPH_LAUNCHES) : 0;
        long captures = emulated ? EmulatedDriver.counter(EmulatedDriver.CAPTURES) : 0;
        // graphs first: the cuBLAS workspace they set then serves the call-by-call run too, as on a GPU it must
        List<float[]> replayed = train(true, optimizer, l2);
        if (emulated) {
            // per epoch 4 steps of 32 rows and 1 of 22; each size: a warm-up, a capture (launched), then replays; a
            // size whose warm-up allocated the optimizer's state (Adam's moments took blocks its scratch had used) is
            // recorded once more call by call before its capture
            assertEquals(2, EmulatedDriver.counter(EmulatedDriver.CAPTURES) - captures, "graphs captured");
            long launched = EmulatedDriver.counter(EmulatedDriver.GRAPH_LAUNCHES) - launches;
            assertTrue(launched >= 4 * 5 - 4 && launched <= 4 * 5 - 2, "graph launches of 20 steps: " + launched);
            assertEquals(0, EmulatedDriver.counter(EmulatedDriver.LIVE_GRAPH_EXECS), "graphs left after the fit");
        }
        List<float[]> eager = train(false, optimizer, l2);
        assertEquals(eager.size(), replayed.size());
        for (int i = 0; i < eager.size(); i++) {
            assertArrayEquals(eager.get(i), replayed.get(i), "parameter " + i + " (" + optimizer.describe() + ")");
        }
    }

    @Test
    void sgdWithMomentumAndACosineScheduleGivesTheSameBits() {
        sameBits(OptimizerSpec.sgd(0.1f, 0.9f), 0f);
    }

    @Test
    void adamWithACosineScheduleAndL2GivesTheSameBits() {
        sameBits(OptimizerSpec.adam(0.01f), 1e-3f);
    }

    @Test
    void aStepThatDiffersFromItsGraphRunsCallByCallAndIsRecaptured() {
        float[] p0 = {1, 2, 3, 4, 5, 6};
        float[] g0 = {0.5f, -1, 0.25f, 2, -0.125f, 1};
        float[] want;
        try (Tensor p = backend.upload(p0, 2, 3); Tensor g = backend.upload(g0, 2, 3)) {
            for (int step = 0; step < 8; step++) {
                stepOf(p, g, step);
            }
            want = p.toArray();
        }
        backend.setCudaGraphs(true);
        try (StepRunner steps = backend.stepRunner(); Tensor p = backend.upload(p0, 2, 3);
             Tensor g = backend.upload(g0, 2, 3)) {
            for (int step = 0; step < 8; step++) {
                int s = step;
                steps.run(2, () -> stepOf(p, g, s));
            }
            assertArrayEquals(want, p.toArray());
            assertEquals("graph", ((StepGraphs) steps).describe().get(2), "captured again after the differing step");
        } finally {
            backend.setCudaGraphs(false);
        }
    }

    /** An SGD step whose learning rate changes every step (a graph scalar) and whose scale changes at step 4 (not). */
    private void stepOf(Tensor p, Tensor g, int step) {
        backend.sgdUpdate(p, g, null, 0.1f / (step + 1), 0f, false);
        backend.scale(step < 4 ? 1f : 0.5f, g);
    }

    @Test
    void aStepThatReadsBackRunsCallByCall() {
        backend.setCudaGraphs(true);
        try (StepRunner steps = backend.stepRunner(); Tensor p = backend.upload(new float[] {3, 4}, 1, 2)) {
            double[] norms = new double[4];
            for (int step = 0; step < 4; step++) {
                int s = step;
                steps.run(1, () -> {
                    backend.scale(2f, p);
                    norms[s] = backend.norm2(p);
                });
            }
            assertArrayEquals(new double[] {10, 20, 40, 80}, norms);
            assertTrue(((StepGraphs) steps).describe().get(1).startsWith("call by call"),
                    ((StepGraphs) steps).describe().toString());
        } finally {
            backend.setCudaGraphs(false);
        }
    }

    @Test
    void aBadClassIndexInACapturedStepIsReportedAtTheNextWait() {
        backend.setCudaGraphs(true);
        try (StepRunner steps = backend.stepRunner(); Tensor z = backend.upload(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
             Tensor t = backend.upload(new float[] {0, 2}, 2, 1); Tensor grad = backend.allocate(2, 3);
             Tensor rowLoss = backend.allocate(2, 1)) {
            Runnable step = () -> backend.lossForwardBackward(Loss.SOFTMAX_CROSS_ENTROPY, z, t, grad, rowLoss, 0.5f);
            for (int i = 0; i < 3; i++) { // warm-up, capture, replay
                steps.run(2, step);
            }
            backend.synchronize(); // good labels: nothing to report
            backend.upload(new float[] {0, 7}, 0, t);
            steps.run(2, step); // a replay: the step does not wait, so it cannot throw yet
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, backend::synchronize);
            assertTrue(e.getMessage().contains("row 1") && e.getMessage().contains("[0, 3)"), e.getMessage());
            backend.synchronize(); // reported once
        } finally {
            backend.setCudaGraphs(false);
        }
    }

    @Test
    void graphsAreDestroyedWhenTheirBackendCloses() {
        long execs = EmulatedDriver.counter(EmulatedDriver.LIVE_GRAPH_EXECS);
        Backend other = BackendTestSupport.openForClass("cuda");
        CudaBackend b = (CudaBackend) other;
        b.setCudaGraphs(true);
        StepRunner steps = b.stepRunner();
        Tensor x = b.upload(new float[] {1, 2, 3}, 1, 3);
        for (int i = 0; i < 3; i++) {
            steps.run(1, () -> b.scale(2f, x));
        }
        assertArrayEquals(new float[] {8, 16, 24}, x.toArray());
        assertEquals(execs + 1, EmulatedDriver.counter(EmulatedDriver.LIVE_GRAPH_EXECS));
        b.close(); // the runner is still open
        assertEquals(execs, EmulatedDriver.counter(EmulatedDriver.LIVE_GRAPH_EXECS));
        steps.close(); // after the backend: harmless
    }
}
