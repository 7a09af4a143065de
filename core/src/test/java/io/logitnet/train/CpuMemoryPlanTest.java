package io.logitnet.train;

/** The memory plan on the CPU backend, whose account is the Java heap's tensors (array headers included). */
class CpuMemoryPlanTest extends MemoryPlanConformanceTest {
    @Override
    protected String selection() {
        return "cpu";
    }
}
