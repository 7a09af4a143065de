package io.logitnet.model.inference;

import io.logitnet.backend.Backend;
import io.logitnet.backend.Tensor;
import io.logitnet.cpu.CpuBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The device products against the same sums in double on the host: the split scheme must reach double-precision
 * accuracy where one float32 GEMM does not. Awkward sizes: 1031 rows in chunks of 100 (the last one 31), weights
 * over 12 orders of magnitude and of both signs, an outlier row.
 */
class DeviceDesignTest {
    private static Backend cpu;

    @BeforeAll
    static void open() {
        cpu = new CpuBackend();
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    private static final int N = 1031;
    private static final int P = 7;

    private static float[] features(Random r, boolean outlier) {
        float[] x = new float[N * P];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < P; j++) {
                x[i * P + j] = (float) (100 + 10 * j + r.nextGaussian() * (j + 1));
            }
        }
        if (outlier) {
            x[5 * P + 2] = 400f;
        }
        return x;
    }

    private static double[][] scaling(float[] x) {
        double[] mean = new double[P];
        double[] sd = new double[P];
        for (int j = 0; j < P; j++) {
            for (int i = 0; i < N; i++) {
                mean[j] += x[i * P + j] / (double) N;
            }
            for (int i = 0; i < N; i++) {
                sd[j] += Math.pow(x[i * P + j] - mean[j], 2) / N;
            }
            sd[j] = Math.sqrt(sd[j]);
        }
        return new double[][] {mean, sd};
    }

    /** Logistic working weights μ(1 − μ) of a moderate linear predictor: 1.3e-12 measured, one float32 GEMM 1e-7. */
    @Test
    void productsReachDoublePrecisionWithLogisticWeights() {
        Random r = new Random(7);
        double[] w = new double[N];
        for (int i = 0; i < N; i++) {
            double mu = 1 / (1 + Math.exp(-2 * r.nextGaussian()));
            w[i] = mu * (1 - mu);
        }
        double[] errors = errors(features(r, false), w, r);
        assertTrue(errors[0] < 1e-11, "weighted Gram: worst error " + errors[0] + " (one float32 GEMM: " + errors[1]
                + ")");
        assertTrue(errors[2] < 1e-11, "Dᵀr: worst error " + errors[2] + " of Σ|terms|");
    }

    /**
     * Weights over 16 orders of magnitude (log-normal, σ = 6), of both signs, and an outlier row: the slices are
     * aligned to each chunk's column maximum, so rows far below it fall into the rounded tail, whose float32 sum is
     * then a larger share of the result: 3.4e-9 measured, one float32 GEMM 1.7e-7.
     */
    @Test
    void productsStayAccurateWithExtremeWeightsAndAnOutlier() {
        Random r = new Random(7);
        double[] w = new double[N];
        for (int i = 0; i < N; i++) {
            w[i] = Math.exp(r.nextGaussian() * 6) * (i % 7 == 0 ? -1 : 1);
        }
        double[] errors = errors(features(r, true), w, r);
        assertTrue(errors[0] < 1e-8, "weighted Gram: worst error " + errors[0]);
        assertTrue(errors[0] * 20 < errors[1], "the split scheme " + errors[0] + " vs one float32 GEMM " + errors[1]);
        assertTrue(errors[2] < 1e-10, "Dᵀr: worst error " + errors[2] + " of Σ|terms| (the outlier's column)");
    }

    /**
     * {Gram error, one float32 GEMM's Gram error, Dᵀr error}: the Gram's worst entry relative to sqrt(S_jj·S_kk),
     * Dᵀr's relative to Σ|terms|.
     */
    private static double[] errors(float[] x, double[] w, Random r) {
        double[][] s = scaling(x);
        double[][] res = new double[N][2];
        for (int i = 0; i < N; i++) {
            res[i][0] = r.nextGaussian();
            res[i][1] = r.nextGaussian() * 1e-3 + 1e3;
        }
        try (DeviceDesign d = new DeviceDesign(cpu, x, N, P, s[0], s[1], 100)) {
            int cols = d.cols();
            double[][] g = d.gram(w);
            double[][] c = d.crossprod(res);
            double worstGram = 0;
            double worstCross = 0;
            for (int a = 0; a < cols; a++) {
                for (int b = 0; b < cols; b++) {
                    worstGram = Math.max(worstGram, gramError(d, w, a, b, g[a][b]));
                }
                for (int k = 0; k < 2; k++) {
                    double exact = 0;
                    double scale = 0;
                    for (int i = 0; i < N; i++) {
                        exact += res[i][k] * d.design(i, a);
                        scale += Math.abs(res[i][k] * d.design(i, a));
                    }
                    worstCross = Math.max(worstCross, Math.abs(c[a][k] - exact) / scale);
                }
            }
            return new double[] {worstGram, naiveFloat32Gram(d, w, cols), worstCross};
        }
    }

    /**
     * The CPU backend's design in double on the host: the same D element by element, its products within double
     * round-off of the sums (many chunks of {@link HostDesign#CHUNK_ROWS}, the last one partial), and the device
     * design's within its bound.
     */
    @Test
    void theHostDesignComputesTheSameProductsInDouble() {
        Random r = new Random(5);
        int n = 2 * HostDesign.CHUNK_ROWS + 77;
        float[] x = new float[n * P];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (50 + r.nextGaussian() * 3);
        }
        double[] mean = new double[P];
        double[] sd = new double[P];
        java.util.Arrays.fill(mean, 50);
        java.util.Arrays.fill(sd, 3);
        double[] w = new double[n];
        double[][] res = new double[n][2];
        for (int i = 0; i < n; i++) {
            w[i] = Math.exp(r.nextGaussian()) * (i % 5 == 0 ? -1 : 1);
            res[i][0] = r.nextGaussian();
            res[i][1] = 1e3 + r.nextGaussian();
        }
        double[][] beta = {{0.5, -1, 2, 0, 0.25, 1e-3, -3, 7}};
        double bound = n * 0x1p-53; // a double sum of n terms, in any order, relative to Σ|terms|
        try (HostDesign h = new HostDesign(x, n, P, mean, sd);
             DeviceDesign d = new DeviceDesign(cpu, x, n, P, mean, sd, DeviceDesign.MAX_CHUNK_ROWS)) {
            int cols = h.cols();
            assertEquals(d.cols(), cols);
            double[][] g = h.gram(w);
            double[][] gd = d.gram(w);
            double[][] c = h.crossprod(res);
            double[][] eta = h.etaOnHost(beta);
            double[][] etaDelta = h.etaDelta(beta);
            for (int a = 0; a < cols; a++) {
                for (int b = 0; b < cols; b++) {
                    double exact = 0;
                    double scale = 0;
                    for (int i = 0; i < n; i++) {
                        exact += w[i] * d.design(i, a) * d.design(i, b);
                        scale += Math.abs(w[i] * d.design(i, a) * d.design(i, b));
                    }
                    assertEquals(exact, g[a][b], bound * scale, "host Gram " + a + "," + b);
                    assertEquals(exact, gd[a][b], 1e-9 * scale, "device Gram " + a + "," + b);
                    assertEquals(g[a][b], g[b][a], 0.0, "symmetric");
                }
                for (int k = 0; k < 2; k++) {
                    double exact = 0;
                    double scale = 0;
                    for (int i = 0; i < n; i++) {
                        exact += res[i][k] * d.design(i, a);
                        scale += Math.abs(res[i][k] * d.design(i, a));
                    }
                    assertEquals(exact, c[a][k], bound * scale, "host Dᵀr " + a);
                }
            }
            for (int i = 0; i < n; i++) {
                double s = 0;
                for (int j = 0; j < cols; j++) {
                    s += d.design(i, j) * beta[0][j];
                }
                assertEquals(s, eta[i][0], 1e-13 * (1 + Math.abs(s)), "host D·β row " + i);
                assertEquals(eta[i][0], etaDelta[i][0], 0.0, "D·δ is D·β on the host");
            }
        }
    }

    @Test
    void predictorDifferenceOnTheDevice() {
        Random r = new Random(2);
        float[] x = features(r, true);
        double[][] s = scaling(x);
        try (DeviceDesign d = new DeviceDesign(cpu, x, N, P, s[0], s[1], 100)) {
            double[][] delta = {{1e-3, -2e-3, 0, 5e-4, 1e-3, -1e-3, 2e-3, 3e-4}, {1, 2, 3, 4, 5, 6, 7, 8}};
            double[][] eta = d.etaDelta(delta);
            double[][] host = d.etaOnHost(delta);
            for (int k = 0; k < 2; k++) {
                for (int i = 0; i < N; i++) {
                    double bound = 0;
                    for (int j = 0; j < d.cols(); j++) {
                        bound += Math.abs(d.design(i, j) * delta[k][j]);
                    }
                    assertEquals(host[i][k], eta[i][k], 1e-6 * bound, "D·δ row " + i);
                }
            }
        }
    }

    /**
     * |g − Σ w·D_a·D_b| / √(S_aa·S_bb) with S_jj = Σ|w|·D_j²: the error that the inverse (and so the standard errors)
     * sees after the information matrix is scaled to a unit diagonal.
     */
    private static double gramError(DeviceDesign d, double[] w, int a, int b, double g) {
        double exact = 0;
        double sa = 0;
        double sb = 0;
        for (int i = 0; i < N; i++) {
            exact += w[i] * d.design(i, a) * d.design(i, b);
            sa += Math.abs(w[i]) * d.design(i, a) * d.design(i, a);
            sb += Math.abs(w[i]) * d.design(i, b) * d.design(i, b);
        }
        return Math.abs(g - exact) / Math.sqrt(sa * sb);
    }

    /** Dᵀ·diag(w)·D as one float32 GEMM of the rounded products: the accuracy the scheme replaces. */
    private static double naiveFloat32Gram(DeviceDesign d, double[] w, int cols) {
        float[] a = new float[N * cols];
        float[] b = new float[N * cols];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < cols; j++) {
                a[i * cols + j] = d.design(i, j);
                b[i * cols + j] = (float) (w[i] * d.design(i, j));
            }
        }
        double worst = 0;
        try (Tensor ta = cpu.upload(a, N, cols); Tensor tb = cpu.upload(b, N, cols);
             Tensor out = cpu.allocate(cols, cols)) {
            cpu.gemm(true, false, 1f, ta, tb, 0f, out);
            float[] o = out.toArray();
            for (int p = 0; p < cols; p++) {
                for (int q = 0; q < cols; q++) {
                    worst = Math.max(worst, gramError(d, w, p, q, o[p * cols + q]));
                }
            }
        }
        return worst;
    }

    @Test
    void splittingIsExact() {
        Random r = new Random(3);
        float[] out = new float[3];
        for (int t = 0; t < 10000; t++) {
            float v = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(20) - 10));
            float h = DeviceDesign.high12(v);
            float l = v - h;
            assertEquals(v, h + l, 0f);
            assertTrue(Math.abs(Math.rint(Math.scalb((double) h, 11 - Math.getExponent(v)))) <= 4096, "12 bits " + h);
            int e = DeviceDesign.exponentAbove(Math.abs(v) * 1.7);
            DeviceDesign.slice(v, e, out);
            assertEquals((double) v, (double) out[0] + out[1] + out[2], 0.0, "slices of " + v);
            assertEquals(0, Math.scalb((double) out[0], DeviceDesign.SLICE_BITS - e) % 1.0, 0.0);
            assertTrue(Math.abs(Math.scalb((double) out[0], DeviceDesign.SLICE_BITS - e)) <= 128);
        }
    }

    @Test
    void theFloatSplitIsTheDoubleSplitForNormalFloatsAndStaysExactForSubnormals() {
        Random r = new Random(11);
        for (int t = 0; t < 200_000; t++) {
            float v = Float.intBitsToFloat(r.nextInt());
            if (!(Math.abs(v) < 0x1p127f)) {
                continue; // NaN, infinities, and the top binade, whose rounding may carry to infinity (as in double)
            }
            float h = DeviceDesign.high12(v);
            if (Math.abs(v) >= Float.MIN_NORMAL) {
                assertEquals(DeviceDesign.high12((double) v), h, 0f, "split of " + v);
            }
            // both parts have at most 12 significant bits and add up to v exactly
            float l = v - h;
            assertEquals((double) v, (double) h + l, 0.0, "parts of " + v);
            for (float part : new float[] {h, l}) {
                if (part != 0 && Float.isFinite(part)) {
                    int lowBits = Integer.numberOfTrailingZeros(Float.floatToRawIntBits(part) & 0x7fffff | 0x800000);
                    int width = Math.abs(part) >= Float.MIN_NORMAL ? 24 : 23 - Integer.numberOfLeadingZeros(
                            Float.floatToRawIntBits(part) & 0x7fffff) + 9;
                    assertTrue(width - lowBits <= 12, "at most 12 bits: " + part + " of " + v);
                }
            }
        }
    }

    @Test
    void choleskyNamesTheAliasedColumn() {
        // columns 0, 1 independent; column 2 = 2·col0 − col1; column 3 independent
        double[][] x = new double[50][4];
        Random r = new Random(1);
        for (double[] row : x) {
            row[0] = r.nextGaussian();
            row[1] = r.nextGaussian();
            row[2] = 2 * row[0] - row[1];
            row[3] = r.nextGaussian();
        }
        double[][] h = new double[4][4];
        for (double[] row : x) {
            for (int a = 0; a < 4; a++) {
                for (int b = 0; b < 4; b++) {
                    h[a][b] += row[a] * row[b];
                }
            }
        }
        Cholesky c = Cholesky.factor(h, 1e-9);
        assertTrue(c.singular());
        assertEquals(1, c.aliases().size());
        Cholesky.Alias a = c.aliases().get(0);
        assertEquals(2, a.column());
        assertEquals(List.of(0, 1), java.util.Arrays.stream(a.dependsOn()).boxed().toList());
        // in unit-diagonal scaling: col2/‖col2‖ = 2‖col0‖/‖col2‖ · col0/‖col0‖ − ‖col1‖/‖col2‖ · col1/‖col1‖
        assertEquals(2 * Math.sqrt(h[0][0] / h[2][2]), a.coefficients()[0], 1e-6);
        assertEquals(-Math.sqrt(h[1][1] / h[2][2]), a.coefficients()[1], 1e-6);
    }

    @Test
    void choleskyInverseAndSolve() {
        double[][] h = {{4, 2, 0.6}, {2, 5, 1}, {0.6, 1, 3}};
        Cholesky c = Cholesky.factor(h, 1e-9);
        double[][] inv = c.inverse();
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                double s = 0;
                for (int k = 0; k < 3; k++) {
                    s += h[i][k] * inv[k][j];
                }
                assertEquals(i == j ? 1 : 0, s, 1e-14);
            }
        }
        double[] g = {1, -2, 0.5};
        double[] step = c.unscale(c.solveScaled(g));
        for (int i = 0; i < 3; i++) {
            double s = 0;
            for (int k = 0; k < 3; k++) {
                s += h[i][k] * step[k];
            }
            assertEquals(g[i], s, 1e-14);
        }
    }
}
