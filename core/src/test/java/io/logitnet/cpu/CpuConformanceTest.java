package io.logitnet.cpu;

import io.logitnet.backend.BackendConformanceTest;

/** The CPU backend against the double-precision reference. */
class CpuConformanceTest extends BackendConformanceTest {
    @Override
    protected String selection() {
        return "cpu";
    }
}
