package io.logitnet.train;

import io.logitnet.backend.Activation;
import io.logitnet.backend.Backend;
import io.logitnet.backend.BackendTestSupport;
import io.logitnet.backend.Loss;
import io.logitnet.data.Dataset;
import io.logitnet.model.Mlp;
import io.logitnet.nn.Architecture;
import io.logitnet.nn.Init;
import io.logitnet.nn.Network;
import io.logitnet.testing.TestData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A backend's {@link MemoryPlan} against the bytes its training runs actually hold ({@code memory().peakBytes()}),
 * and at the edge of a cap: a run the plan admits in exactly its bytes trains, one byte less is refused before the
 * first allocation. Each backend module subclasses it with its selection, as {@code BackendConformanceTest}.
 */
public abstract class MemoryPlanConformanceTest {
    /** 173 rows: with batches of 50 the last is partial; a validation split of 0.2 leaves 138 for training. */
    private static final Dataset DATA = TestData.circles(173, 0.2, 5);
    private static final Architecture ARCH = Architecture.of(2, List.of(64, 32), Activation.TANH, 1,
            Loss.SIGMOID_BINARY_CROSS_ENTROPY);

    /** The selection string, e.g. {@code cpu}, {@code opencl}. */
    protected abstract String selection();

    private static TrainConfig config(String optimizer) {
        TrainConfig c = TrainConfig.defaults().withEpochs(2).withBatchSize(50).withValidationSplit(0.2)
                .withMaxIterations(3);
        return c.withOptimizer(switch (optimizer) {
            case "adam" -> OptimizerSpec.adam(0.01f);
            case "momentum" -> OptimizerSpec.sgd(0.1f, 0.9f);
            case "sgd" -> OptimizerSpec.sgd(0.1f, 0f);
            default -> OptimizerSpec.lbfgs();
        });
    }

    /**
     * The plan is an upper bound of what the run holds at its peak, and every tensor in it is really held: the peak
     * is at least the total less the overhead (loss sums and the largest scratch, which some backends borrow only
     * for an instant). L-BFGS's last evaluation chunk, counted beside its vectors, is also left out of that bound.
     */
    @ParameterizedTest
    @ValueSource(strings = {"adam", "momentum", "sgd", "lbfgs"})
    void thePlanBracketsTheBytesTheRunHolds(String optimizer) {
        Backend b = BackendTestSupport.openOrSkip(selection());
        try {
            Trainer trainer = new Trainer(config(optimizer), null);
            MemoryPlan plan = trainer.plan(ARCH, DATA.rows(), 1, false, b);
            assertTrue(plan.fits(), plan.table());
            long before = b.memory().usedBytes();
            try (Network net = Network.create(b, ARCH, Init.AUTO, 1, false)) {
                trainer.fit(net, DATA);
            }
            long peak = b.memory().peakBytes() - before;
            long lower = plan.totalBytes() - plan.bytes(MemoryPlan.Category.OVERHEAD);
            if (optimizer.equals("lbfgs")) {
                lower -= plan.bytes(MemoryPlan.Category.DATA) / 2 + 1; // the evaluation chunk is the training chunk
            }
            assertTrue(peak <= plan.totalBytes(), "peak " + peak + " above the plan\n" + plan.table());
            assertTrue(peak >= lower, "peak " + peak + " below the plan's tensors " + lower + "\n" + plan.table());
            for (MemoryPlan.Category c : new MemoryPlan.Category[] {MemoryPlan.Category.PARAMETERS,
                MemoryPlan.Category.GRADIENTS, MemoryPlan.Category.ACTIVATIONS, MemoryPlan.Category.DATA}) {
                assertTrue(plan.bytes(c) > 0, c + " counted: " + plan.table());
            }
            assertEquals(optimizer.equals("sgd"), plan.bytes(MemoryPlan.Category.OPTIMIZER_STATE) == 0,
                    "only plain sgd keeps no state: " + plan.table());
        } finally {
            b.close();
        }
    }

    /**
     * Capped at exactly what the plan says (beyond what the backend holds already), the run trains; one byte less, it
     * is refused with the plan, one line saying it is 1 byte short and what would fit, and nothing was allocated.
     */
    @ParameterizedTest
    @ValueSource(longs = {0, -1})
    void atTheEdgeOfACapTheRunTrainsOrIsRefusedBeforeAllocating(long slack) {
        Backend b = BackendTestSupport.openOrSkip(selection());
        try {
            Mlp m = Mlp.classifier(64, 32).activation(Activation.TANH).classes(2);
            m.config(config("adam")).backend(b);
            MemoryPlan plan = m.memoryPlan(b, 2, 2, DATA.rows(), false);
            long peak = b.memory().peakBytes();
            b.setMemoryLimit(b.memory().usedBytes() + plan.totalBytes() + slack);
            if (slack == 0) {
                assertTrue(m.memoryPlan(b, 2, 2, DATA.rows(), false).fits());
                History h = m.fit(DATA);
                assertEquals(2, h.epochs().size(), "trained both epochs within the cap");
                return;
            }
            MemoryPlanException e = assertThrows(MemoryPlanException.class, () -> m.fit(DATA));
            assertEquals(1, e.plan().shortBytes(), e.getMessage());
            assertFalse(e.plan().fits());
            assertTrue(e.getMessage().contains("--batch-size") && e.getMessage().contains("1 bytes short"),
                    e.getMessage());
            assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
            assertEquals(peak, b.memory().peakBytes(), "refused before the first allocation");
            assertFalse(m.isFitted());
        } finally {
            b.close();
        }
    }

    /**
     * L-BFGS on more rows than the device holds: with a cap one byte below what keeping every row on the device
     * needs, the plan keeps them on the host and copies one chunk at a time, the run stays within the cap, and its
     * parameters are the bits of the run that kept every row on the device (the same sums in the same order).
     */
    @org.junit.jupiter.api.Test
    void lbfgsCopiesChunksFromTheHostWhenTheRowsDoNotFit() {
        int rows = 40_000;
        int cols = 30;
        java.util.SplittableRandom r = new java.util.SplittableRandom(11);
        float[] x = new float[rows * cols];
        float[] y = new float[rows];
        for (int i = 0; i < rows; i++) {
            double z = 0;
            for (int j = 0; j < cols; j++) {
                x[i * cols + j] = (float) r.nextGaussian();
                z += (j % 3 - 1) * 0.3 * x[i * cols + j];
            }
            y[i] = z + r.nextGaussian() > 0 ? 1f : 0f;
        }
        Dataset data = new Dataset(x, rows, cols, y, 1, null);
        Architecture glm = new Architecture(List.of(cols, 1), List.of(), Loss.SIGMOID_BINARY_CROSS_ENTROPY);
        Trainer trainer = new Trainer(TrainConfig.defaults().withOptimizer(OptimizerSpec.lbfgs())
                .withMaxIterations(4), null);
        List<float[]> resident;
        Backend b = BackendTestSupport.openOrSkip(selection());
        try (Network net = Network.create(b, glm, Init.ZEROS, 1, false)) {
            MemoryPlan all = trainer.plan(glm, rows, 1, false, b);
            assertTrue(all.rowsOnDevice() && all.fits(), all.table());
            trainer.fit(net, data);
            resident = net.parameterArrays();
        } finally {
            b.close();
        }
        Backend capped = BackendTestSupport.openOrSkip(selection());
        try {
            long need = trainer.plan(glm, rows, 1, false, capped).totalBytes();
            long limit = capped.memory().usedBytes() + need - 1;
            capped.setMemoryLimit(limit);
            MemoryPlan plan = trainer.plan(glm, rows, 1, false, capped);
            assertTrue(plan.fits() && !plan.rowsOnDevice(), plan.table());
            assertTrue(plan.table().contains("copied from the host"), plan.table());
            try (Network net = Network.create(capped, glm, Init.ZEROS, 1, false)) {
                trainer.fit(net, data);
                List<float[]> chunked = net.parameterArrays();
                for (int i = 0; i < resident.size(); i++) {
                    org.junit.jupiter.api.Assertions.assertArrayEquals(resident.get(i), chunked.get(i),
                            "parameter " + i + ": the same sums in the same order");
                }
            }
            assertTrue(capped.memory().peakBytes() <= limit, capped.memory().toString());
        } finally {
            capped.close();
        }
    }
}
