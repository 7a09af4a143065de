package io.logitnet.opencl;

import io.logitnet.BackendUnavailableException;
import io.logitnet.DeviceOutOfMemoryException;
import io.logitnet.KernelBuildException;
import io.logitnet.backend.Backend;
import io.logitnet.backend.BackendTestSupport;
import io.logitnet.backend.LogCapture;
import io.logitnet.backend.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What is particular to the OpenCL backend: build errors, out of memory, selection, release. Threads and closing are
 * the shared suite's (BackendConformanceTest).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenClBackendTest {
    private OpenClBackend backend;

    @BeforeAll
    void open() {
        Backend b = BackendTestSupport.openOrSkip("opencl");
        backend = assertInstanceOf(OpenClBackend.class, b);
    }

    @AfterAll
    void close() {
        if (backend != null) {
            backend.close();
        }
    }

    /** A 2x3 by 3x2 product checked exactly (small integers): proves the backend still computes. */
    private void assertStillComputes() {
        try (Tensor a = backend.upload(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
             Tensor b = backend.upload(new float[] {7, 8, 9, 10, 11, 12}, 3, 2);
             Tensor c = backend.allocate(2, 2)) {
            backend.gemm(false, false, 1f, a, b, 0f, c);
            assertArrayEquals(new float[] {58, 64, 139, 154}, c.toArray());
        }
    }

    @Test
    void brokenKernelSourceThrowsWithDeviceAndBuildLog() {
        String source = "__kernel void broken(__global float* x) {\n    x[0] = undefined_symbol_q7;\n}\n";
        KernelBuildException e = assertThrows(KernelBuildException.class,
                () -> backend.buildProgram("broken", source, "").close());
        assertTrue(e.buildLog().contains("undefined_symbol_q7"), "build log names the error: " + e.buildLog());
        assertTrue(e.device().contains(backend.clDevice().name()), e.device());
        assertTrue(e.getMessage().contains("broken"), e.getMessage());
        assertStillComputes();
    }

    @Test
    void shippedKernelsBuildWithTheBackendsOptionsAndTheirDefaults() {
        for (Kernels.Source source : Kernels.Source.values()) {
            backend.buildProgram(source.programName(), source.text(), "").close();
        }
    }

    @Test
    void overLargeAllocationThrowsOutOfMemoryAndTheBackendStaysUsable() {
        ClDevice d = backend.clDevice();
        int cols = 1 << 16;
        long rows = d.maxAllocBytes() / 4 / cols + 1; // one row more than the device allows in one buffer
        Assumptions.assumeTrue(rows * cols <= Integer.MAX_VALUE,
                "the device allows buffers larger than a tensor can be (" + d.maxAllocBytes() + " bytes)");
        DeviceOutOfMemoryException e = assertThrows(DeviceOutOfMemoryException.class,
                () -> backend.allocate((int) rows, cols));
        assertEquals(4L * rows * cols, e.requestedBytes());
        assertEquals(d.globalMemBytes(), e.totalBytes());
        assertEquals(-1, e.freeBytes());
        assertStillComputes();
    }

    @Test
    void aHandleThatFailsToReleaseIsLoggedNotDropped() {
        List<String> warnings = LogCapture.warnings(() -> Cl.released(-38, "clReleaseMemObject(test)"));
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("clReleaseMemObject(test)")
                && warnings.get(0).contains("CL_INVALID_MEM_OBJECT"), warnings.get(0));
    }

    @Test
    void copyOntoItselfIsHarmless() {
        try (Tensor t = backend.upload(new float[] {1, 2, 3}, 3, 1)) {
            backend.copy(t, t);
            assertArrayEquals(new float[] {1, 2, 3}, t.toArray());
        }
    }

    @Test
    void closeReleasesOpenTensorsAndNeverThrows() {
        OpenClBackend b = (OpenClBackend) new OpenClBackendProvider().create("");
        Tensor t = b.allocate(3, 3);
        Tensor u = b.upload(new float[] {1, 2}, 1, 2);
        u.close();
        b.close();
        assertTrue(t.isClosed(), "tensors still open are released with the backend");
        t.close();
        b.close();
        assertThrows(IllegalStateException.class, () -> b.allocate(1, 1));
    }

    @Test
    void devicesAreSelectedByIdOrEnvironment() {
        String id = backend.clDevice().id();
        OpenClBackendProvider plain = new OpenClBackendProvider(ClLibrary.system(), k -> null);
        try (OpenClBackend b = (OpenClBackend) plain.create(id)) {
            assertEquals("opencl:" + id, b.device().id());
        }
        OpenClBackendProvider viaEnv = new OpenClBackendProvider(ClLibrary.system(),
                k -> k.equals(OpenClBackendProvider.DEVICE_ENV) ? id : null);
        try (OpenClBackend b = (OpenClBackend) viaEnv.create("")) {
            assertEquals("opencl:" + id, b.device().id());
        }
        BackendUnavailableException missing = assertThrows(BackendUnavailableException.class,
                () -> plain.create("97:3"));
        assertTrue(missing.reason().contains("97:3") && missing.reason().contains(id), missing.reason());
        OpenClBackendProvider badEnv = new OpenClBackendProvider(ClLibrary.system(),
                k -> k.equals(OpenClBackendProvider.DEVICE_ENV) ? "5:5" : null);
        BackendUnavailableException fromEnv = assertThrows(BackendUnavailableException.class, () -> badEnv.create(""));
        assertTrue(fromEnv.reason().contains(OpenClBackendProvider.DEVICE_ENV), fromEnv.reason());
        assertThrows(IllegalArgumentException.class, () -> plain.create("gpu0"));
    }

    @Test
    void probeListsDevicesWithSelectableIds() {
        var a = new OpenClBackendProvider().probe();
        assertTrue(a.available(), a.reason());
        assertTrue(a.devices().stream().anyMatch(d -> d.id().equals(backend.device().id())), a.toString());
    }
}
