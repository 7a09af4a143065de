package io.logitnet.cuda;

import io.logitnet.model.GlmInferenceConformanceTest;

/**
 * GLM inference (IRLS products on the device) on CUDA against the CPU and the double reference. Skipped with the
 * reason where no GPU is usable, unless {@code LOGITNET_REQUIRE} names cuda.
 */
class CudaGlmInferenceTest extends GlmInferenceConformanceTest {
    @Override
    protected String selection() {
        return "cuda";
    }
}
