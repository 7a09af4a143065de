package io.logitnet.model;

/** The GLM inference suite on the CPU against itself and the reference: checks the suite's own plumbing. */
class CpuGlmInferenceTest extends GlmInferenceConformanceTest {
    @Override
    protected String selection() {
        return "cpu";
    }
}
