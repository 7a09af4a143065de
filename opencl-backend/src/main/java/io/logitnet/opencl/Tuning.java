package io.logitnet.opencl;

import java.util.Locale;

/**
 * Launch parameters chosen per device type, passed to the kernels as {@code -D} defines (CLBlast keeps its tuned
 * values as data the same way).
 *
 * @param tsm        GEMM: rows of C per work-group tile
 * @param tsn        GEMM: columns of C per work-group tile
 * @param tsk        GEMM: depth of the K step held in local memory
 * @param wptm       GEMM: rows of C per work-item (register blocking)
 * @param wptn       GEMM: columns of C per work-item
 * @param csTx       column sums: columns per work-group
 * @param csTy       column sums: rows per work-group (a power of two)
 * @param reduceWg   row and vector reductions: largest work-group (a power of two)
 * @param elementWg  element-wise kernels: work-group size
 * @param dotGroups  dot/norm: work-groups in the first stage
 */
record Tuning(int tsm, int tsn, int tsk, int wptm, int wptn, int csTx, int csTy, int reduceWg, int elementWg,
              int dotGroups) {

    static Tuning forDevice(ClDevice d) {
        int maxWg = (int) Math.min(1024, d.maxWorkGroupSize());
        Tuning t;
        if (d.isCpu()) {
            // CPUs: work-items of a group are vectorized by the compiler along dimension 0 and local memory is
            // cache, so wide tiles with a deep K step, few work-items and large register blocks pay.
            t = new Tuning(64, 64, 64, 4, 4, 32, 4, 64, 256, Math.max(2, 2 * d.computeUnits()));
        } else {
            // GPUs: 16 x 16 work-items, each 4 x 4 outputs of a 64 x 64 tile, K steps of 16 in local memory.
            t = new Tuning(64, 64, 16, 4, 4, 32, 8, 256, 256, Math.min(1024, Math.max(8, 4 * d.computeUnits())));
        }
        return t.fitTo(maxWg, d.localMemBytes());
    }

    /** Shrinks work-groups that the device cannot run. */
    Tuning fitTo(int maxWg, long localMem) {
        int m = tsm;
        int n = tsn;
        int k = tsk;
        while ((m / wptm) * (n / wptn) > maxWg && m > wptm) {
            m /= 2;
            n /= 2;
        }
        while (4L * k * (m + 1 + n + 1) > localMem && k > 1) {
            k /= 2;
        }
        int cy = csTy;
        while (csTx * cy > maxWg && cy > 1) {
            cy /= 2;
        }
        int cx = csTx;
        while (cx * cy > maxWg && cx > 1) {
            cx /= 2;
        }
        return new Tuning(m, n, k, wptm, wptn, cx, cy, Math.min(reduceWg, Integer.highestOneBit(maxWg)),
                Math.min(elementWg, maxWg), dotGroups);
    }

    int gemmLocalRows() {
        return tsm / wptm;
    }

    int gemmLocalCols() {
        return tsn / wptn;
    }

    String gemmDefines() {
        return String.format(Locale.ROOT, "-DTSM=%d -DTSN=%d -DTSK=%d -DWPTM=%d -DWPTN=%d", tsm, tsn, tsk, wptm, wptn);
    }

    String reduceDefines() {
        return String.format(Locale.ROOT, "-DCS_TX=%d -DCS_TY=%d", csTx, csTy);
    }
}
