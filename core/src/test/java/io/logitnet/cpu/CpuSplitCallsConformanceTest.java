package io.logitnet.cpu;

import io.logitnet.backend.Backend;

/**
 * The CPU backend's conformance again with every element-wise call split across threads (blocks of rows, of columns,
 * of elements) whatever its size: the default splits only calls of several milliseconds, larger than any the
 * conformance test makes, so without this the split paths would go untested. On a machine with one core there is
 * nothing to split, and this runs the same paths as {@link CpuConformanceTest}.
 */
class CpuSplitCallsConformanceTest extends CpuConformanceTest {
    @Override
    protected Backend openBackend() {
        return new CpuBackend(0);
    }
}
