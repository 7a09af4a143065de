package io.logitnet.opencl;

import io.logitnet.backend.BackendConformanceTest;

/** The OpenCL backend against the double-precision reference (on PoCL where no GPU is present). */
class OpenClConformanceTest extends BackendConformanceTest {
    @Override
    protected String selection() {
        return "opencl";
    }
}
