package io.logitnet.opencl;

import io.logitnet.model.GlmInferenceConformanceTest;

/** GLM inference (IRLS products on the device) on OpenCL against the CPU and the double reference. */
class OpenClGlmInferenceTest extends GlmInferenceConformanceTest {
    @Override
    protected String selection() {
        return "opencl";
    }
}
