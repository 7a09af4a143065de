package io.logitnet.cuda;

import io.logitnet.backend.Activation;
import io.logitnet.backend.Backend;
import io.logitnet.backend.BackendTestSupport;
import io.logitnet.data.Dataset;
import io.logitnet.model.Mlp;
import io.logitnet.testing.TestData;
import io.logitnet.train.History;
import io.logitnet.train.MemoryPlan;
import io.logitnet.train.MemoryPlanConformanceTest;
import io.logitnet.train.OptimizerSpec;
import io.logitnet.train.TrainConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The memory plan on the CUDA backend: blocks as its caching allocator rounds them, cached blocks included. */
class CudaMemoryPlanTest extends MemoryPlanConformanceTest {
    @Override
    protected String selection() {
        return "cuda";
    }

    /**
     * With CUDA graphs on, the plan also counts what the graphs keep (cuBLAS's workspace, each graph's scratch and
     * scalars), and a run capped at exactly that plan trains with its steps replayed from graphs.
     */
    @Test
    void withCudaGraphsThePlanCountsWhatTheGraphsKeepAndTheRunFitsInIt() {
        Backend b = BackendTestSupport.openOrSkip(selection());
        try {
            CudaBackend cuda = (CudaBackend) b;
            Dataset data = TestData.circles(173, 0.2, 5);
            Mlp m = Mlp.classifier(64, 32).activation(Activation.TANH).classes(2);
            m.config(TrainConfig.defaults().withEpochs(2).withBatchSize(50).withValidationSplit(0.2)
                    .withOptimizer(OptimizerSpec.adam(0.01f))).backend(b);
            MemoryPlan off = m.memoryPlan(b, 2, 2, data.rows(), false);
            cuda.setCudaGraphs(true);
            MemoryPlan on = m.memoryPlan(b, 2, 2, data.rows(), false);
            long workspace = 4L << 20;
            assertTrue(on.totalBytes() >= off.totalBytes() + workspace,
                    "graphs add at least cuBLAS's workspace:\n" + off.table() + "\n" + on.table());
            assertTrue(on.table().contains("what the backend keeps while training"), on.table());
            b.setMemoryLimit(b.memory().usedBytes() + on.totalBytes());
            History h = m.fit(data);
            assertEquals(2, h.epochs().size(), "trained both epochs within the cap");
        } finally {
            b.close();
        }
    }
}
