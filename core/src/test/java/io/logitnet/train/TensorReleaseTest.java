package io.logitnet.train;

import io.logitnet.DeviceOutOfMemoryException;
import io.logitnet.ShapeMismatchException;
import io.logitnet.backend.Activation;
import io.logitnet.backend.Loss;
import io.logitnet.backend.Tensor;
import io.logitnet.data.Dataset;
import io.logitnet.nn.Architecture;
import io.logitnet.nn.Init;
import io.logitnet.nn.Network;
import io.logitnet.optim.Adam;
import io.logitnet.optim.Lbfgs;
import io.logitnet.optim.Optimizer;
import io.logitnet.optim.Sgd;
import io.logitnet.testing.TestData;
import io.logitnet.testing.TrackingBackend;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Device memory is released: every tensor that networks, optimizers, L-BFGS and the Trainer allocate is closed when
 * they are done or closed, also when an allocation fails halfway (a full device), counted by a backend that keeps a
 * ledger of open tensors.
 */
class TensorReleaseTest {
    private static final Architecture MLP = new Architecture(List.of(3, 5, 4, 1),
            List.of(Activation.TANH, Activation.RELU), Loss.SIGMOID_BINARY_CROSS_ENTROPY);
    /** Weight, bias and their gradients per layer. */
    private static final int PARAMETER_TENSORS = 4 * 3;
    /** Each layer's output and gradient, the row losses and their sum. */
    private static final int WORKSPACE_TENSORS = 2 * 3 + 2;

    private static Dataset data(int rows) {
        Dataset circles = TestData.circles(rows, 0.2, 5);
        float[] x = new float[rows * 3];
        for (int i = 0; i < rows; i++) {
            x[i * 3] = circles.x()[i * 2];
            x[i * 3 + 1] = circles.x()[i * 2 + 1];
            x[i * 3 + 2] = x[i * 3] * x[i * 3 + 1];
        }
        return new Dataset(x, rows, 3, circles.y(), 1, null);
    }

    @Test
    void aNetworkKeepsOneWorkspaceForItsLargestBatchAndReleasesEverythingOnClose() {
        try (TrackingBackend b = new TrackingBackend()) {
            Network net = Network.create(b, MLP, Init.AUTO, 1, false);
            assertEquals(PARAMETER_TENSORS, b.openTensors());
            float[] first = null;
            for (int batch : new int[] {2, 3, 6, 4, 5}) {
                try (Tensor x = b.upload(data(batch).x(), batch, 3); Tensor y = b.upload(data(batch).y(), batch, 1)) {
                    net.forwardBackward(x, y, null);
                    float[] logits = net.forward(x).toArray();
                    if (first == null) {
                        first = logits;
                    }
                }
            }
            assertEquals(PARAMETER_TENSORS + WORKSPACE_TENSORS, b.openTensors(),
                    "one workspace, for the largest batch (6); smaller batches run in views of it");
            int allocated = b.allocations();
            try (Tensor x = b.upload(data(2).x(), 2, 3)) {
                assertArrayEquals(first, net.forward(x).toArray(), "a smaller batch in views gives the same logits");
            }
            assertEquals(allocated + 1, b.allocations(), "only the input was allocated");
            net.releaseWorkspaces();
            assertEquals(PARAMETER_TENSORS, b.openTensors());
            try (Tensor x = b.upload(data(2).x(), 2, 3)) {
                assertArrayEquals(first, net.forward(x).toArray(), "workspaces are reallocated on demand");
            }
            net.close();
            assertEquals(0, b.openTensors());
            assertTrue(net.parameters().stream().allMatch(Tensor::isClosed));
        }
    }

    private static void assertLastAllocatedFirstClosed(List<Integer> order) {
        for (int i = 1; i < order.size(); i++) {
            assertTrue(order.get(i) < order.get(i - 1), "closed in the order " + order);
        }
    }

    @Test
    void aNetworksTensorsAreReleasedInReverseOrderOfAllocation() {
        try (TrackingBackend b = new TrackingBackend()) {
            Network.create(b, MLP, Init.AUTO, 1, false).close();
            assertEquals(PARAMETER_TENSORS, b.closeOrder().size());
            assertLastAllocatedFirstClosed(b.closeOrder());
        }
        try (TrackingBackend b = new TrackingBackend()) {
            b.failAfter(PARAMETER_TENSORS - 2); // the third layer's gradients cannot be allocated
            assertThrows(DeviceOutOfMemoryException.class, () -> Network.create(b, MLP, Init.AUTO, 1, false));
            assertEquals(PARAMETER_TENSORS - 2, b.closeOrder().size());
            assertLastAllocatedFirstClosed(b.closeOrder());
        }
    }

    @Test
    void aNetworkThatCannotBeBuiltLeavesNothingAllocated() {
        try (TrackingBackend b = new TrackingBackend()) {
            for (int n = 0; n < PARAMETER_TENSORS; n++) {
                b.failAfter(n);
                assertThrows(DeviceOutOfMemoryException.class, () -> Network.create(b, MLP, Init.AUTO, 1, false),
                        "allocation " + n);
                assertEquals(0, b.openTensors(), "after a failure at allocation " + n);
            }
            b.failAfter(Integer.MAX_VALUE);
            // parameters of the wrong size: refused after the layers were allocated
            List<float[]> w = List.of(new float[15], new float[20], new float[3]);
            List<float[]> bias = List.of(new float[5], new float[4], new float[1]);
            assertThrows(ShapeMismatchException.class, () -> Network.of(b, MLP, w, bias));
            assertEquals(0, b.openTensors());
        }
    }

    @Test
    void aPassWhoseWorkspaceCannotBeAllocatedLeavesOnlyTheParameters() {
        try (TrackingBackend b = new TrackingBackend(); Network net = Network.create(b, MLP, Init.AUTO, 1, false)) {
            Dataset d = data(7);
            try (Tensor x = b.upload(d.x(), 7, 3); Tensor y = b.upload(d.y(), 7, 1)) {
                for (int n = 0; n < WORKSPACE_TENSORS; n++) {
                    b.failAfter(n);
                    assertThrows(DeviceOutOfMemoryException.class, () -> net.forwardBackward(x, y, null));
                    assertEquals(PARAMETER_TENSORS + 2, b.openTensors(), "after a failure at allocation " + n);
                }
                b.failAfter(Integer.MAX_VALUE);
                net.forwardBackward(x, y, null); // the backend stays usable
            }
        }
    }

    @Test
    void optimizersReleaseTheirStateOnCloseAndWhenStateIsImported() {
        try (TrackingBackend b = new TrackingBackend(); Network net = Network.create(b, MLP, Init.AUTO, 1, false)) {
            for (Optimizer opt : new Optimizer[] {new Sgd(0.1f, 0.9f, false), new Adam(0.01f, 0.9f, 0.999f, 1e-8f, 0f)}) {
                opt.step(net.parameters(), net.gradients());
                int withState = b.openTensors();
                assertTrue(withState > PARAMETER_TENSORS, opt.describe() + " keeps state on the device");
                Map<String, float[]> state = opt.exportState();
                opt.importState(net.parameters(), state, opt.steps());
                opt.importState(net.parameters(), state, opt.steps());
                assertEquals(withState, b.openTensors(), opt.describe() + ": importing replaces the state");
                opt.close();
                assertEquals(PARAMETER_TENSORS, b.openTensors(), opt.describe());
            }
        }
    }

    @Test
    void lbfgsReleasesItsWorkVectorsAlsoWhenTheyCannotAllBeAllocated() {
        try (TrackingBackend b = new TrackingBackend(); Tensor x = b.upload(new float[] {3f, -1f}, 1, 2);
             Tensor g = b.allocate(1, 2)) {
            Lbfgs.Objective bowl = () -> {
                float[] v = x.toArray();
                b.upload(new float[] {2 * v[0], 2 * v[1]}, 0, g);
                return v[0] * v[0] + v[1] * v[1];
            };
            int before = b.allocations();
            assertTrue(new Lbfgs(3, 50, 1e-4).minimize(List.of(x), List.of(g), bowl, null).converged());
            assertEquals(2, b.openTensors());
            assertEquals(3 + 2 * 3, b.allocations() - before, "d, x0, g0 and 3 pairs (s, y) per parameter");
            for (int n = 0; n < 9; n++) {
                b.failAfter(n);
                assertThrows(DeviceOutOfMemoryException.class,
                        () -> new Lbfgs(3, 50, 1e-4).minimize(List.of(x), List.of(g), bowl, null));
                assertEquals(2, b.openTensors(), "after a failure at allocation " + n);
            }
        }
    }

    private static void assertTrainingReleasesEverything(TrainConfig config, Dataset data) {
        try (TrackingBackend b = new TrackingBackend()) {
            Network net = Network.create(b, MLP, Init.AUTO, 1, false);
            int[] during = {0};
            Consumer<TrainingState> afterEpoch = s -> during[0] = Math.max(during[0], b.openTensors());
            new Trainer(config, null).fit(net, data, null, afterEpoch);
            int kept = b.openTensors();
            assertTrue(kept <= PARAMETER_TENSORS + 4 * WORKSPACE_TENSORS, "open after fit: " + kept);
            net.close();
            assertEquals(0, b.openTensors(), config.optimizer().describe() + " left tensors open");
        }
    }

    @Test
    void trainingReleasesBatchesOptimizerStateAndEvaluationBuffers() {
        Dataset d = data(50); // 35 training rows in batches of 8 (a partial batch of 3), 15 validation rows
        TrainConfig c = TrainConfig.defaults().withEpochs(3).withBatchSize(8).withValidationSplit(0.3);
        assertTrainingReleasesEverything(c.withOptimizer(OptimizerSpec.adam(0.01f)), d);
        assertTrainingReleasesEverything(c.withOptimizer(OptimizerSpec.sgd(0.1f, 0.9f)), d);
    }

    @Test
    void fullBatchTrainingReleasesItsChunksAndWorkVectors() {
        // more rows than one full-batch chunk (16384): the data is uploaded in chunks and gradients accumulated
        Architecture glm = new Architecture(List.of(3, 1), List.of(), Loss.SIGMOID_BINARY_CROSS_ENTROPY);
        try (TrackingBackend b = new TrackingBackend()) {
            Network net = Network.create(b, glm, Init.ZEROS, 1, false);
            new Trainer(TrainConfig.defaults().withOptimizer(OptimizerSpec.lbfgs()).withMaxIterations(5), null)
                    .fit(net, data(20_000));
            net.close();
            assertEquals(0, b.openTensors());
        }
    }

    @Test
    void fullBatchTrainingThatFailsReleasesItsChunks() {
        // squared error of targets 1e30 overflows float32: L-BFGS refuses to start and the run ends diverged
        Architecture linear = new Architecture(List.of(3, 1), List.of(), Loss.SQUARED_ERROR);
        Dataset d = data(40);
        float[] y = new float[40];
        java.util.Arrays.fill(y, 1e30f);
        Dataset huge = new Dataset(d.x(), 40, 3, y, 1, null);
        try (TrackingBackend b = new TrackingBackend()) {
            Network net = Network.create(b, linear, Init.ZEROS, 1, false);
            assertTrue(new Trainer(TrainConfig.defaults().withOptimizer(OptimizerSpec.lbfgs()), null)
                    .fit(net, huge).diverged());
            net.close();
            assertEquals(0, b.openTensors());
        }
    }
}
