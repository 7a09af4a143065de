package io.logitnet.opencl;

import io.logitnet.backend.BackendConformanceTest;
import org.junit.jupiter.api.BeforeAll;

/**
 * The conformance suite again with the launch parameters chosen for GPUs (2-D GEMM work-groups sharing tiles in
 * local memory, 256-wide reductions), whatever the device: on a CPU-only machine this is how the GPU-shaped
 * kernels get checked at all.
 */
class OpenClGpuShapeConformanceTest extends BackendConformanceTest {
    @Override
    protected String selection() {
        return "opencl";
    }

    /** Runs after the suite's own {@code @BeforeAll} opened the default backend; its {@code @AfterAll} closes ours. */
    @BeforeAll
    void useGpuShapedKernels() {
        OpenClBackend opened = (OpenClBackend) backend;
        ClDevice device = opened.clDevice();
        opened.close();
        backend = new OpenClBackend(device, Tuning.gpu(device));
    }
}
