package io.logitnet.opencl;

import java.util.Locale;

/**
 * Launch parameters chosen per device type, passed to the kernels as {@code -D} defines (CLBlast keeps its tuned
 * values as data the same way). The GEMM tiles can be overridden for experiments with the system property
 * {@code logitnet.opencl.gemmTiles=TSM,TSN,TSK,WPTM,WPTN}.
 *
 * @param packed     GEMM: the CPU shape (one work-item per tile, packed micro-panels, float16 micro-kernel)
 *                   rather than the GPU shape (a 2-D work-group sharing the tiles)
 * @param tsm        GEMM: rows of C per work-group tile
 * @param tsn        GEMM: columns of C per work-group tile
 * @param tsk        GEMM: depth of the K step held in local memory
 * @param wptm       GEMM: rows of C per work-item (GPU) or per micro-kernel block (CPU)
 * @param wptn       GEMM: columns of C per work-item (GPU); per micro-kernel block, a multiple of 16 (CPU)
 * @param csTx       column sums: columns per work-group
 * @param csTy       column sums: rows per work-group (a power of two)
 * @param reduceWg   row and vector reductions: largest work-group (a power of two)
 * @param elementWg  element-wise kernels: work-group size
 * @param dotGroups  dot/norm: work-groups in the first stage
 */
record Tuning(boolean packed, int tsm, int tsn, int tsk, int wptm, int wptn, int csTx, int csTy, int reduceWg,
              int elementWg, int dotGroups) {

    static final String GEMM_TILES_PROPERTY = "logitnet.opencl.gemmTiles";

    static Tuning forDevice(ClDevice d) {
        Tuning t = d.isCpu() ? cpu(d) : gpu(d);
        String tiles = System.getProperty(GEMM_TILES_PROPERTY);
        if (tiles != null && !tiles.isBlank()) {
            String[] v = tiles.split(",");
            if (v.length != 5) {
                throw new IllegalArgumentException(GEMM_TILES_PROPERTY + " must be TSM,TSN,TSK,WPTM,WPTN, got " + tiles);
            }
            t = new Tuning(t.packed, Integer.parseInt(v[0].trim()), Integer.parseInt(v[1].trim()),
                    Integer.parseInt(v[2].trim()), Integer.parseInt(v[3].trim()), Integer.parseInt(v[4].trim()),
                    t.csTx, t.csTy, t.reduceWg, t.elementWg, t.dotGroups);
        }
        return t.fitTo(maxWorkGroup(d), d.localMemBytes());
    }

    /**
     * CPUs: 96 x 128 C tiles over K steps of 256 (A and B panels ~230 KB: L2-resident) and 12 x 32 register blocks
     * (24 float16 accumulators: enough independent FMAs to hide their latency; fits AVX-512's 32 registers).
     * Measured on PoCL (AVX-512) against 64 x 128 x 256 with 8 x 16 and 8 x 32 blocks: the fastest of the three.
     */
    static Tuning cpu(ClDevice d) {
        return new Tuning(true, 96, 128, 256, 12, 32, 32, 4, 64, 256, Math.max(2, 2 * d.computeUnits()))
                .fitTo(maxWorkGroup(d), d.localMemBytes());
    }

    /** GPUs: 16 x 16 work-items, each 4 x 4 outputs of a 64 x 64 tile, K steps of 16 in local memory. */
    static Tuning gpu(ClDevice d) {
        return new Tuning(false, 64, 64, 16, 4, 4, 32, 8, 256, 256, Math.min(1024, Math.max(8, 4 * d.computeUnits())))
                .fitTo(maxWorkGroup(d), d.localMemBytes());
    }

    private static int maxWorkGroup(ClDevice d) {
        return (int) Math.min(1024, d.maxWorkGroupSize());
    }

    /** Shrinks tiles and work-groups that the device cannot run. */
    Tuning fitTo(int maxWg, long localMem) {
        int m = tsm;
        int n = tsn;
        int k = tsk;
        if (packed) {
            while (4L * (m * k + k * n + m * n) > localMem && k > 16) {
                k /= 2;
            }
            while (4L * (m * k + k * n + m * n) > localMem && n > wptn) {
                n /= 2;
            }
            while (4L * (m * k + k * n + m * n) > localMem && m > wptm) {
                m /= 2;
            }
        } else {
            while ((m / wptm) * (n / wptn) > maxWg && m > wptm) {
                m /= 2;
                n /= 2;
            }
            while (4L * k * (m + 1 + n + 1) > localMem && k > 1) {
                k /= 2;
            }
        }
        int cy = csTy;
        while (csTx * cy > maxWg && cy > 1) {
            cy /= 2;
        }
        int cx = csTx;
        while (cx * cy > maxWg && cx > 1) {
            cx /= 2;
        }
        return new Tuning(packed, m, n, k, wptm, wptn, cx, cy, Math.min(reduceWg, Integer.highestOneBit(maxWg)),
                Math.min(elementWg, maxWg), dotGroups);
    }

    /** GEMM work-group rows (1 for the packed CPU shape). */
    int gemmLocalRows() {
        return packed ? 1 : tsm / wptm;
    }

    /** GEMM work-group columns (1 for the packed CPU shape). */
    int gemmLocalCols() {
        return packed ? 1 : tsn / wptn;
    }

    /** The -D defines a program is built with: its tile and work-group sizes. */
    String defines(Kernels.Source source) {
        return switch (source) {
            case GEMM -> String.format(Locale.ROOT, "-DTSM=%d -DTSN=%d -DTSK=%d -DWPTM=%d -DWPTN=%d%s", tsm, tsn, tsk,
                    wptm, wptn, packed ? " -DGEMM_PACKED" : "");
            case REDUCE -> String.format(Locale.ROOT, "-DCS_TX=%d -DCS_TY=%d -DREDUCE_WG=%d", csTx, csTy, reduceWg);
            case ROWS -> String.format(Locale.ROOT, "-DREDUCE_WG=%d", reduceWg);
            case ELEMENTWISE -> "";
        };
    }
}
