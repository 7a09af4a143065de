package io.logitnet.cpu;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class BlasThreadsTest {

    @Test
    void aBadSettingIsRefusedNamingIt() {
        for (String bad : new String[] {"0", "-2", "many", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BlasThreads.create(bad));
            assertTrue(e.getMessage().startsWith("-Dlogitnet.blasThreads=" + bad + ": expected auto, default"),
                    e.getMessage());
        }
    }

    @Test
    void defaultLeavesTheBlasAlone() {
        BlasThreads d = BlasThreads.create("default");
        assertEquals(BlasThreads.Mode.DEFAULT, d.mode());
        assertEquals(0, d.threadsFor(128, 10, 256));
        int[] ran = {0};
        d.run(2, 2, 2, () -> ran[0]++);
        assertEquals(1, ran[0]);
    }

    @Test
    void smallProductsRunOnOneThreadLargeOnTheDefaultAndTheCountIsRestored() {
        assumeTrue(BlasThreads.OpenBlas.available(), () -> "skipped: " + BlasThreads.OpenBlas.why());
        int before = BlasThreads.OpenBlas.threads();
        assumeTrue(before > 1, "skipped: the BLAS uses one thread here, there is nothing to choose");
        BlasThreads auto = BlasThreads.create("auto");
        assertEquals(BlasThreads.Mode.AUTO, auto.mode());
        assertEquals(1, auto.threadsFor(128, 10, 256));
        assertEquals(1, auto.threadsFor(64, 64, (int) BlasThreads.SMALL / 4096 - 1));
        assertEquals(before, auto.threadsFor(64, 64, (int) BlasThreads.SMALL / 4096));
        assertEquals(before, auto.threadsFor(128, 256, 784));
        // narrow products (an output layer's 10 columns) stay on one thread up to NARROW_LARGE multiply-adds
        assertEquals(1, auto.threadsFor(1024, 10, 1024));
        assertEquals(1, auto.threadsFor(BlasThreads.NARROW - 1, 1024, 1024));
        assertEquals(before, auto.threadsFor(BlasThreads.NARROW, 1024, 1024));
        assertEquals(1, auto.threadsFor(1024, 10, (int) (BlasThreads.NARROW_LARGE / 10240) - 1));
        assertEquals(before, auto.threadsFor(1024, 10, (int) (BlasThreads.NARROW_LARGE / 10240) + 1));
        int[] inside = {0, 0};
        auto.run(128, 10, 256, () -> inside[0] = BlasThreads.OpenBlas.threads());
        auto.run(128, 256, 784, () -> inside[1] = BlasThreads.OpenBlas.threads());
        assertArrayEquals(new int[] {1, before}, inside);
        assertEquals(before, BlasThreads.OpenBlas.threads());
        // a product that throws still restores the count
        assertThrows(IllegalStateException.class, () -> auto.run(1, 1, 1, () -> {
            throw new IllegalStateException("boom");
        }));
        assertEquals(before, BlasThreads.OpenBlas.threads());
        BlasThreads two = BlasThreads.create(Integer.toString(before + 5));
        assertEquals(before, two.threadsFor(1, 1, 1), "never more than the BLAS's default");
        assertTrue(two.describe().startsWith(before + " BLAS threads for every product"), two.describe());
    }

    /**
     * Why the count must be a function of the shape and never change under a running product: one thread and many
     * may give different bits, so small (one-thread) and large (default-count) products run from two threads at once
     * must give exactly what they give run one after the other.
     */
    @Test
    void concurrentSmallAndLargeProductsGiveTheBitsOfSerialRuns() throws Exception {
        assumeTrue(BlasThreads.OpenBlas.available(), () -> "skipped: " + BlasThreads.OpenBlas.why());
        assumeTrue(BlasThreads.OpenBlas.threads() > 1, "skipped: the BLAS uses one thread here");
        BlasThreads auto = BlasThreads.create("auto");
        int[][] shapes = {{512, 512, 512}, {160, 160, 160}, {1024, 10, 256}, {333, 257, 1031}, {100, 100, 100}};
        Random r = new Random(7);
        float[][][] in = new float[shapes.length][][];
        float[][] serial = new float[shapes.length][];
        for (int i = 0; i < shapes.length; i++) {
            int[] s = shapes[i];
            in[i] = new float[][] {gaussian(r, s[0] * s[2]), gaussian(r, s[2] * s[1])};
            serial[i] = product(auto, false, i % 2 == 1, s[0], s[1], s[2], in[i][0], in[i][1]);
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            java.util.List<java.util.concurrent.Future<?>> runs = new java.util.ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int offset = t;
                runs.add(pool.submit(() -> {
                    for (int rep = 0; rep < 20; rep++) {
                        for (int j = 0; j < shapes.length; j++) {
                            int i = (j + offset * 2 + rep) % shapes.length;
                            int[] s = shapes[i];
                            float[] c = product(auto, false, i % 2 == 1, s[0], s[1], s[2], in[i][0], in[i][1]);
                            assertArrayEquals(serial[i], c, "product " + s[0] + "x" + s[1] + "x" + s[2]);
                        }
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : runs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static float[] gaussian(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    private static float[] product(BlasThreads policy, boolean ta, boolean tb, int m, int n, int k, float[] a,
                                   float[] b) {
        float[] c = new float[m * n];
        int lda = ta ? m : k;
        int ldb = tb ? k : n;
        policy.run(m, n, k, () -> Netlib.blas().sgemm(tb ? "T" : "N", ta ? "T" : "N", n, m, k, 1f, b, 0, ldb,
                a, 0, lda, 0f, c, 0, n));
        return c;
    }
}
