package io.logitnet.cpu;

import io.logitnet.NetworkConformanceTest;

/** The whole-network suite on the CPU against itself: checks the suite's own plumbing. */
class CpuNetworkTest extends NetworkConformanceTest {
    @Override
    protected String selection() {
        return "cpu";
    }
}
