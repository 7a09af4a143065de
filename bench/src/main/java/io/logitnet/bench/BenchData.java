package io.logitnet.bench;

import io.logitnet.backend.Backend;
import io.logitnet.backend.Tensor;

import java.util.SplittableRandom;

/** Seeded random inputs for benchmarks. */
public final class BenchData {
    private BenchData() {
    }

    /** {@code n} values uniform in [-1, 1). */
    public static float[] uniform(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return a;
    }

    /** {@code n} class indices in [0, classes), as floats (the targets of softmax cross-entropy). */
    public static float[] labels(int n, int classes, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < a.length; i++) {
            a[i] = r.nextInt(classes);
        }
        return a;
    }

    /** A {@code [rows, cols]} tensor of uniform values on {@code b}. */
    public static Tensor uniform(Backend b, int rows, int cols, long seed) {
        return b.upload(uniform(Math.multiplyExact(rows, cols), seed), rows, cols);
    }

    /** Closes every non-null tensor, last first; never throws. */
    public static void closeAll(Tensor... tensors) {
        for (int i = tensors.length - 1; i >= 0; i--) {
            if (tensors[i] != null) {
                tensors[i].close();
            }
        }
    }
}
