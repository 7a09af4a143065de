package io.logitnet.cuda;

import io.logitnet.backend.Backend;
import io.logitnet.backend.BackendTestSupport;
import io.logitnet.backend.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Uploads go through a ring of pinned buffers and do not wait for the stream. On the emulated driver, whose streams
 * run their work only when the host waits, this is observable: work queued before an upload is still queued after it,
 * and no cuStreamSynchronize happened; a buffer refilled before its copy ran would upload wrong data. On a GPU the
 * data checks run and the queue checks are skipped (a real driver has no such counters).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CudaUploadTest {
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

    private static float[] randoms(int n, long seed) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    @Test
    void anUploadLeavesTheWorkQueuedBeforeItQueued() {
        float[] a = randoms(4096, 1);
        float[] b = randoms(4096, 2);
        try (Tensor ta = backend.upload(a, 64, 64); Tensor tb = backend.allocate(64, 64)) {
            backend.synchronize();
            backend.scale(2f, ta); // queued: runs when the host waits
            long syncs = EmulatedDriver.counter(EmulatedDriver.STREAM_SYNCS);
            long eventSyncs = EmulatedDriver.counter(EmulatedDriver.EVENT_SYNCS);
            long pending = EmulatedDriver.counter(EmulatedDriver.PENDING_OPS);
            assertTrue(pending >= 1, "the scale kernel is queued: " + pending);
            backend.upload(b, 0, tb);
            assertEquals(syncs, EmulatedDriver.counter(EmulatedDriver.STREAM_SYNCS), "cuStreamSynchronize calls");
            assertEquals(eventSyncs, EmulatedDriver.counter(EmulatedDriver.EVENT_SYNCS), "cuEventSynchronize calls");
            assertTrue(EmulatedDriver.counter(EmulatedDriver.PENDING_OPS) > pending,
                    "the kernel queued before the upload is still queued, the copy after it");
            float[] twice = new float[a.length];
            for (int i = 0; i < a.length; i++) {
                twice[i] = 2f * a[i];
            }
            assertArrayEquals(twice, ta.toArray());
            assertArrayEquals(b, tb.toArray());
        }
    }

    @Test
    void manyUploadsInARowEachArriveIntact() {
        // 6 uploads of 3 MiB and one of 70 MiB (18 chunks of 4 MiB: more than the ring's 16 buffers), the host array
        // overwritten after every call: a buffer refilled before its copy ran, or a copy reading the caller's array,
        // would show here.
        int n = 3 << 18;
        float[] host = new float[n];
        Tensor[] small = new Tensor[6];
        float[][] want = new float[small.length][];
        int big = 70 << 18;
        try (Tensor large = backend.allocate(big / 1024, 1024)) {
            boolean emulated = EmulatedDriver.present();
            long syncs = emulated ? EmulatedDriver.counter(EmulatedDriver.STREAM_SYNCS) : 0;
            try {
                for (int k = 0; k < small.length; k++) {
                    small[k] = backend.allocate(n / 1024, 1024);
                    want[k] = randoms(n, 10 + k);
                    System.arraycopy(want[k], 0, host, 0, n);
                    backend.upload(host, 0, small[k]);
                    Arrays.fill(host, Float.NaN);
                }
                float[] bigData = randoms(big, 99);
                float[] copy = bigData.clone();
                backend.upload(bigData, 0, large);
                Arrays.fill(bigData, Float.NaN);
                if (emulated) {
                    assertEquals(syncs, EmulatedDriver.counter(EmulatedDriver.STREAM_SYNCS),
                            "no upload waited for the whole stream");
                }
                assertArrayEquals(copy, large.toArray());
                for (int k = 0; k < small.length; k++) {
                    assertArrayEquals(want[k], small[k].toArray(), "upload " + k);
                }
            } finally {
                for (Tensor t : small) {
                    if (t != null) {
                        t.close();
                    }
                }
            }
        }
    }
}
