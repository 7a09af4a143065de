package io.logitnet.opencl;

import io.logitnet.train.MemoryPlanConformanceTest;

/** The memory plan on the OpenCL backend (PoCL where no GPU is present): its buffers and its reduction scratch. */
class OpenClMemoryPlanTest extends MemoryPlanConformanceTest {
    @Override
    protected String selection() {
        return "opencl";
    }
}
