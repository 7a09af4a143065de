package io.logitnet.opencl;

import io.logitnet.backend.Backend;
import io.logitnet.backend.BackendTestSupport;
import io.logitnet.backend.Backends;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code auto} takes what is expected to be fastest: an OpenCL CPU device (PoCL) only when asked for by name. */
class OpenClAutoSelectionTest {
    @Test
    void autoPassesOverOpenClOnCpuDevicesForTheCpuBackend() {
        BackendTestSupport.openOrSkip("opencl").close();
        boolean cpuOnly = ClDevice.enumerate().stream().filter(d -> d.unusableReason() == null).allMatch(ClDevice::isCpu);
        Assumptions.assumeTrue(cpuOnly, "this machine has an OpenCL GPU or accelerator, which auto takes");
        Backends.Selection s = Backends.select("auto");
        try (Backend b = s.backend()) {
            assertEquals("cpu", b.name(), s.summary());
            assertTrue(s.brief().contains("opencl: CPU device only"), s.brief());
            assertTrue(s.summary().contains("opencl passed over: only CPU devices"), s.summary());
            assertTrue(s.brief().length() <= 100, s.brief());
        }
        try (Backend named = Backends.open("opencl")) {
            assertEquals("opencl", named.name(), "asked for by name, the CPU device is used");
        }
    }
}
