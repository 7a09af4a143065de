package io.logitnet.opencl;

import io.logitnet.BackendUnavailableException;
import io.logitnet.DeviceOutOfMemoryException;
import io.logitnet.KernelBuildException;
import io.logitnet.backend.Backend;
import io.logitnet.backend.BackendTestSupport;
import io.logitnet.backend.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What is particular to the OpenCL backend: build errors, out of memory, ownership, selection, release. */
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
        assertTrue(e.device().contains(backend.device().name()), e.device());
        assertTrue(e.getMessage().contains("broken"), e.getMessage());
        assertStillComputes();
    }

    @Test
    void shippedKernelsBuildWithTheBackendsOptions() {
        for (String name : new String[] {"gemm", "elementwise", "reduce", "softmax_loss"}) {
            backend.buildProgram(name, OpenClBackend.source(name), "").close();
        }
    }

    @Test
    void overLargeAllocationThrowsOutOfMemoryAndTheBackendStaysUsable() {
        ClDevice d = backend.device();
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
    void callsFromAnotherThreadAreRejectedNamingBothThreads() throws InterruptedException {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        try (Tensor t = backend.allocate(2, 2)) {
            Thread other = new Thread(() -> {
                try {
                    backend.fill(t, 1f);
                } catch (Throwable x) {
                    thrown.set(x);
                }
            }, "intruder-thread");
            other.start();
            other.join();
            IllegalStateException e = assertInstanceOf(IllegalStateException.class, thrown.get());
            assertTrue(e.getMessage().contains("intruder-thread"), e.getMessage());
            assertTrue(e.getMessage().contains(Thread.currentThread().getName()), e.getMessage());
            assertArrayEquals(new float[4], t.toArray(), "the rejected call did nothing");
        }
    }

    @Test
    void ownershipCanBeHandedToAnotherThread() throws InterruptedException {
        OpenClBackendProvider provider = new OpenClBackendProvider();
        try (OpenClBackend b = (OpenClBackend) provider.create(backend.deviceId())) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicReference<float[]> got = new AtomicReference<>();
            Thread worker = new Thread(() -> {
                try (Tensor t = b.upload(new float[] {1, 2, 3}, 1, 3)) {
                    b.scale(2f, t);
                    got.set(t.toArray());
                } catch (Throwable x) {
                    thrown.set(x);
                }
            }, "worker");
            b.transferOwnership(worker);
            worker.start();
            worker.join();
            assertEquals(null, thrown.get());
            assertArrayEquals(new float[] {2, 4, 6}, got.get());
            assertThrows(IllegalStateException.class, () -> b.allocate(1, 1), "the old owner lost the backend");
        }
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
        String id = backend.deviceId();
        OpenClBackendProvider plain = new OpenClBackendProvider(ClLibrary.system(), k -> null);
        try (OpenClBackend b = (OpenClBackend) plain.create(id)) {
            assertEquals(id, b.deviceId());
        }
        OpenClBackendProvider viaEnv = new OpenClBackendProvider(ClLibrary.system(),
                k -> k.equals(OpenClBackendProvider.DEVICE_ENV) ? id : null);
        try (OpenClBackend b = (OpenClBackend) viaEnv.create("")) {
            assertEquals(id, b.deviceId());
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
        assertTrue(a.devices().stream().anyMatch(d -> d.id().equals("opencl:" + backend.deviceId())), a.toString());
    }
}
