package io.logitnet.cuda;

import io.logitnet.backend.BackendConformanceTest;

/**
 * The CUDA backend against the double-precision reference: every operation of the shared suite. Skipped with the
 * reason where no usable GPU is present, unless {@code LOGITNET_REQUIRE} names cuda.
 */
class CudaConformanceTest extends BackendConformanceTest {
    @Override
    protected String selection() {
        return "cuda";
    }
}
