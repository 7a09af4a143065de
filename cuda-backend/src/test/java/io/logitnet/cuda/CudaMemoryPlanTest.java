package io.logitnet.cuda;

import io.logitnet.train.MemoryPlanConformanceTest;

/** The memory plan on the CUDA backend: blocks as its caching allocator rounds them, cached blocks included. */
class CudaMemoryPlanTest extends MemoryPlanConformanceTest {
    @Override
    protected String selection() {
        return "cuda";
    }
}
