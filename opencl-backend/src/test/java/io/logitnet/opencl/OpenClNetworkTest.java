package io.logitnet.opencl;

import io.logitnet.NetworkConformanceTest;

/** Whole networks on OpenCL against the CPU: forward, backward, updates, and full training runs. */
class OpenClNetworkTest extends NetworkConformanceTest {
    @Override
    protected String selection() {
        return "opencl";
    }
}
