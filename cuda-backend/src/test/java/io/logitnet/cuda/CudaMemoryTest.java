package io.logitnet.cuda;

import io.logitnet.DeviceOutOfMemoryException;
import io.logitnet.backend.Backend;
import io.logitnet.backend.BackendTestSupport;
import io.logitnet.backend.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Device memory: out of memory is reported with the numbers and the backend stays usable; blocks are reused. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CudaMemoryTest {
    private Backend backend;

    @BeforeAll
    void open() {
        backend = BackendTestSupport.openForClass("cuda");
    }

    @BeforeEach
    void skipWithoutTheBackend() {
        BackendTestSupport.skipUnless(backend, "cuda");
    }

    @AfterAll
    void close() {
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void outOfMemoryIsReportedAndTheBackendStaysUsable() {
        // Ask for blocks of a quarter of the device (at most 4 GiB: one tensor holds at most 2^31-1 floats) until it
        // runs out; the loop bound leaves room for any GPU there is.
        long memory = new CudaBackendProvider().probe().devices().get(0).memoryBytes();
        long floats = Math.min(1L << 30, Math.max(1L << 20, memory / 4 / Float.BYTES));
        int cols = 1 << 10;
        int rows = (int) (floats / cols);
        long requested = (long) rows * cols * Float.BYTES;
        List<Tensor> held = new ArrayList<>();
        DeviceOutOfMemoryException oom = null;
        try {
            for (int i = 0; i < 1024 && oom == null; i++) {
                try {
                    held.add(backend.allocate(rows, cols));
                } catch (DeviceOutOfMemoryException e) {
                    oom = e;
                }
            }
        } finally {
            held.forEach(Tensor::close);
        }
        assertTrue(oom != null, "allocating " + held.size() + " x " + requested + " bytes never ran out of memory");
        assertEquals(requested, oom.requestedBytes());
        assertTrue(oom.totalBytes() > 0, "total " + oom.totalBytes());
        assertTrue(oom.freeBytes() >= 0 && oom.freeBytes() < requested, "free " + oom.freeBytes());
        assertTrue(oom.getMessage().contains(String.format("%,d", requested)), oom.getMessage());

        // still usable: allocate and compute
        float[] a = {1, 2, 3, 4, 5, 6};
        float[] b = {7, 8, 9, 10, 11, 12};
        try (Tensor A = backend.upload(a, 2, 3); Tensor B = backend.upload(b, 3, 2); Tensor C = backend.allocate(2, 2)) {
            backend.gemm(false, false, 1f, A, B, 0f, C);
            assertArrayEquals(new float[] {58, 64, 139, 154}, C.toArray());
        }
        try (Tensor big = backend.allocate(rows, cols)) { // the memory given back can be had again
            backend.fill(big, 1f);
            assertEquals(Math.sqrt((double) rows * cols), backend.norm2(big), 1e-9 * rows * cols);
        }
    }

    @Test
    void rejectsTooLargeAndClosedTensorsUpFront() {
        assertThrows(IllegalArgumentException.class, () -> backend.allocate(1 << 16, 1 << 16));
        Tensor t = backend.allocate(3, 3);
        t.close();
        assertThrows(IllegalStateException.class, () -> backend.fill(t, 1f));
    }

    @Test
    void callsFromAnotherThreadWorkWhenTheyDoNotOverlap() throws Exception {
        // Calls from another thread are fine when they do not overlap: the context is made current per call.
        float[][] got = new float[1][];
        Thread other = new Thread(() -> {
            try (Tensor t = backend.upload(new float[] {1, 2, 3}, 1, 3)) {
                backend.scale(2f, t);
                got[0] = t.toArray();
            }
        });
        other.start();
        other.join();
        assertArrayEquals(new float[] {2, 4, 6}, got[0]);
    }
}
