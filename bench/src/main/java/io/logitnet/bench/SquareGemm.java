package io.logitnet.bench;

import io.logitnet.backend.Backend;
import io.logitnet.backend.Backends;
import io.logitnet.backend.Tensor;
import io.logitnet.cpu.CpuBackend;

import java.util.Locale;
import java.util.Random;

/**
 * GEMM throughput of a backend (the OpenCL one unless {@code -Dlogitnet.backend} names another) beside the CPU
 * backend, in one run: C = A·B for square sizes (default 1024 and 2048), each timed over repeated calls after
 * warm-up, with the device synchronized before the clock stops. Prints GFLOP/s (2·n³ flops per call), e.g.
 * {@code java -cp bench/target/benchmarks.jar io.logitnet.bench.SquareGemm 1024 2048}.
 */
public final class SquareGemm {
    private SquareGemm() {
    }

    public static void main(String[] args) {
        int[] sizes = args.length == 0 ? new int[] {1024, 2048} : java.util.Arrays.stream(args)
                .mapToInt(Integer::parseInt).toArray();
        try (Backend cl = Backends.open(System.getProperty("logitnet.backend", "opencl"));
             CpuBackend cpu = new CpuBackend()) {
            System.out.println(cl.name() + ": " + cl.deviceName());
            System.out.println("        " + cl.device().details());
            System.out.println("cpu:    " + cpu.deviceName());
            System.out.printf(Locale.ROOT, "%6s %14s %14s %8s%n", "n", cl.name() + " GFLOP/s", "cpu GFLOP/s", "ratio");
            for (int n : sizes) {
                double g1 = gflops(cl, n);
                double g2 = gflops(cpu, n);
                System.out.printf(Locale.ROOT, "%6d %14.1f %14.1f %8.2f%n", n, g1, g2, g1 / g2);
            }
        }
    }

    /** Best of five timed rounds, each at least ~1 s or 3 calls, after two warm-up calls. */
    static double gflops(Backend b, int n) {
        Random r = new Random(n);
        float[] a = new float[n * n];
        float[] c = new float[n * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (r.nextDouble() - 0.5);
            c[i] = (float) (r.nextDouble() - 0.5);
        }
        try (Tensor A = b.upload(a, n, n); Tensor B = b.upload(c, n, n); Tensor C = b.allocate(n, n)) {
            for (int i = 0; i < 2; i++) {
                b.gemm(false, false, 1f, A, B, 0f, C);
            }
            b.synchronize();
            double best = 0;
            for (int round = 0; round < 5; round++) {
                int calls = 0;
                long t0 = System.nanoTime();
                long t1;
                do {
                    b.gemm(false, false, 1f, A, B, 0f, C);
                    calls++;
                    b.synchronize();
                    t1 = System.nanoTime();
                } while (calls < 3 || t1 - t0 < 1_000_000_000L && calls < 50);
                double seconds = (t1 - t0) / 1e9;
                best = Math.max(best, 2.0 * n * n * (double) n * calls / seconds / 1e9);
            }
            return best;
        }
    }
}
