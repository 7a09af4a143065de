package io.logitnet.cuda;

import io.logitnet.NetworkConformanceTest;

/**
 * Whole networks on CUDA against the CPU (forward, backward, updates, full training runs): the shared suite of core's
 * test jar. Skipped with the reason where no GPU is usable, unless {@code LOGITNET_REQUIRE} names cuda.
 */
class CudaNetworkTest extends NetworkConformanceTest {
    @Override
    protected String selection() {
        return "cuda";
    }
}
