package io.logitnet.backend;

import java.util.ArrayList;
import java.util.List;

/**
 * Element-wise comparison with a per-element tolerance; on failure reports the largest difference, where it is,
 * and the first few mismatches.
 */
public final class Compare {
    private Compare() {
    }

    /**
     * |actual - expected| ≤ tol for every element; infinities must match exactly; NaN passes only where the
     * reference is NaN too (IEEE results of non-finite inputs), and nowhere else.
     */
    public static void assertClose(String what, float[] actual, double[] expected, double[] tol, int cols) {
        if (actual.length != expected.length) {
            throw new AssertionError(what + ": length " + actual.length + " != expected " + expected.length);
        }
        List<String> mismatches = new ArrayList<>();
        int count = 0;
        double worst = -1;
        int worstAt = -1;
        for (int i = 0; i < actual.length; i++) {
            double a = actual[i];
            double e = expected[i];
            boolean ok;
            double diff;
            if (Double.isNaN(a) || Double.isNaN(e)) {
                ok = Double.isNaN(a) && Double.isNaN(e);
                diff = ok ? 0 : Double.POSITIVE_INFINITY;
            } else if (Double.isInfinite(e) || Double.isInfinite(a)) {
                ok = a == e;
                diff = ok ? 0 : Double.POSITIVE_INFINITY;
            } else {
                diff = Math.abs(a - e);
                ok = diff <= tol[i];
            }
            if (!ok) {
                count++;
                if (mismatches.size() < 5) {
                    mismatches.add(String.format("[%d,%d] got %s expected %s (diff %.3g, tol %.3g)",
                            i / cols, i % cols, a, e, diff, tol[i]));
                }
            }
            if (diff > worst) {
                worst = diff;
                worstAt = i;
            }
        }
        if (count > 0) {
            throw new AssertionError(String.format("%s: %d of %d elements outside tolerance; largest difference"
                            + " %.3g at [%d,%d]; first mismatches: %s", what, count, actual.length, worst,
                    worstAt / cols, worstAt % cols, String.join("; ", mismatches)));
        }
    }

    /** Same tolerance for every element: abs + rel·|expected|. */
    public static void assertClose(String what, float[] actual, double[] expected, double rel, double abs, int cols) {
        double[] tol = new double[expected.length];
        for (int i = 0; i < tol.length; i++) {
            tol[i] = abs + rel * Math.abs(expected[i]);
        }
        assertClose(what, actual, expected, tol, cols);
    }

    public static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }
}
