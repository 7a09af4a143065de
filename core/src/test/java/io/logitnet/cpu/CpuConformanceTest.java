package io.logitnet.cpu;

import io.logitnet.backend.BackendConformanceTest;

/** The CPU backend against the double-precision reference. */
class CpuConformanceTest extends BackendConformanceTest {
    @Override
    protected String selection() {
        return "cpu";
    }

    /** The CPU sums blocks of rows on separate threads and adds the blocks' sums: another order than columnSums'. */
    @Override
    protected boolean fusedColumnSumsAreColumnSums() {
        return false;
    }
}
