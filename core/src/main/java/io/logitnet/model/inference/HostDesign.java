package io.logitnet.model.inference;

import dev.ludovic.netlib.blas.BLAS;
import io.logitnet.cpu.Netlib;

import java.util.stream.IntStream;

/**
 * The design of a GLM fit on the host, in double: D is formed from the float32 features chunk by chunk as it is
 * needed (exactly as {@link DeviceDesign} forms it: the standardized feature rounded to float32), and the products
 * run in double through the BLAS (OpenBLAS when installed). For the CPU backend: nothing is copied beyond a chunk per
 * thread, and a Gram matrix is one double GEMM per chunk, without the slicing that makes float32 devices exact.
 */
final class HostDesign implements Design {
    /** Rows per chunk: a few MiB of doubles, enough for the BLAS to run at speed. */
    static final int CHUNK_ROWS = 4096;

    private final BLAS blas = Netlib.blas();
    private final float[] x;
    private final int rows;
    private final int p;
    private final int cols;
    private final double[] mean;
    private final double[] sd;
    /** A chunk of D per thread, reused by every pass (a pass allocates no chunk of its own). */
    private final ThreadLocal<double[]> scratch;

    HostDesign(float[] x, int rows, int p, double[] mean, double[] sd) {
        this.x = x;
        this.rows = rows;
        this.p = p;
        this.cols = p + 1;
        this.mean = mean;
        this.sd = sd;
        int chunkDoubles = Math.min(CHUNK_ROWS, Math.max(1, rows)) * cols;
        this.scratch = ThreadLocal.withInitial(() -> new double[chunkDoubles]);
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    /** Rows [start, start + n) of D, row-major, as {@link DeviceDesign#design} defines each element. */
    private double[] chunk(int start, int n, double[] into) {
        double[] d = into != null && into.length >= n * cols ? into : new double[n * cols];
        for (int i = 0; i < n; i++) {
            int o = i * cols;
            int xo = (start + i) * p;
            d[o] = 1;
            for (int j = 1; j < cols; j++) {
                d[o + j] = (float) ((x[xo + j - 1] - mean[j - 1]) / sd[j - 1]);
            }
        }
        return d;
    }

    private int chunks() {
        return (rows + CHUNK_ROWS - 1) / CHUNK_ROWS;
    }

    @Override
    public double[][] etaOnHost(double[][] beta) {
        int m = beta.length;
        double[][] eta = new double[rows][m];
        IntStream.range(0, chunks()).parallel().forEach(c -> {
            int start = c * CHUNK_ROWS;
            int n = Math.min(CHUNK_ROWS, rows - start);
            double[] d = chunk(start, n, scratch.get());
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < m; k++) {
                    double s = 0;
                    for (int j = 0; j < cols; j++) {
                        s += d[i * cols + j] * beta[k][j];
                    }
                    eta[start + i][k] = s;
                }
            }
        });
        return eta;
    }

    /** In double on the host, D·δ is as accurate as D·β: the same computation. */
    @Override
    public double[][] etaDelta(double[][] delta) {
        return etaOnHost(delta);
    }

    @Override
    public double[][] crossprod(double[][] r) {
        int m = r[0].length;
        double[][] partial = new double[chunks()][];
        IntStream.range(0, chunks()).parallel().forEach(c -> {
            int start = c * CHUNK_ROWS;
            int n = Math.min(CHUNK_ROWS, rows - start);
            double[] d = chunk(start, n, scratch.get());
            double[] out = new double[cols * m];
            for (int i = 0; i < n; i++) {
                double[] ri = r[start + i];
                for (int j = 0; j < cols; j++) {
                    double dij = d[i * cols + j];
                    for (int k = 0; k < m; k++) {
                        out[j * m + k] += dij * ri[k];
                    }
                }
            }
            partial[c] = out;
        });
        double[][] result = new double[cols][m];
        for (double[] out : partial) { // in chunk order: the same sum on every run
            for (int j = 0; j < cols; j++) {
                for (int k = 0; k < m; k++) {
                    result[j][k] += out[j * m + k];
                }
            }
        }
        return result;
    }

    @Override
    public double[][] gram(double[] weights) {
        // one contiguous range of chunks per thread, each with its own sum, added in range order: the same result
        // on every run with the same number of cores
        int ranges = Math.max(1, Math.min(chunks(), Runtime.getRuntime().availableProcessors()));
        double[][] partial = new double[ranges][];
        IntStream.range(0, ranges).parallel().forEach(t -> {
            int from = (int) ((long) chunks() * t / ranges);
            int to = (int) ((long) chunks() * (t + 1) / ranges);
            double[] g = new double[cols * cols];
            double[] d = scratch.get();
            double[] wd = new double[d.length];
            for (int c = from; c < to; c++) {
                int start = c * CHUNK_ROWS;
                int n = Math.min(CHUNK_ROWS, rows - start);
                chunk(start, n, d);
                for (int i = 0; i < n; i++) {
                    double w = weights[start + i];
                    for (int j = 0; j < cols; j++) {
                        wd[i * cols + j] = w * d[i * cols + j];
                    }
                }
                // row-major D [n, cols] is column-major Dᵀ [cols, n]: G += Dᵀ·(W·D), one GEMM per chunk
                Netlib.atDefaultThreads(() -> blas.dgemm("N", "T", cols, cols, n, 1.0, d, cols, wd, cols, 1.0, g,
                        cols));
            }
            partial[t] = g;
        });
        double[] g = partial[0];
        for (int t = 1; t < ranges; t++) {
            for (int i = 0; i < g.length; i++) {
                g[i] += partial[t][i];
            }
        }
        double[][] result = new double[cols][cols];
        for (int a = 0; a < cols; a++) {
            for (int b = 0; b <= a; b++) {
                double v = (g[a * cols + b] + g[b * cols + a]) / 2;
                result[a][b] = v;
                result[b][a] = v;
            }
        }
        return result;
    }

    @Override
    public void close() {
        // nothing is held beyond the chunks of a call
    }
}
