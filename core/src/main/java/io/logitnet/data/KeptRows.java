package io.logitnet.data;

import io.logitnet.InvalidDataException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rows kept in memory for the whole file. When the number of rows is known before parsing (a plain file, counted
 * by a first quick pass), each float matrix is allocated once at its final size and every block's parsers fill it
 * in place. Otherwise (gzip, a stream) each block gets matrices of its own, put together once at the end. Text codes
 * and lines are kept per block.
 */
final class KeptRows implements CsvLoad.Rows {
    private final String source;
    private final int[] strides;
    private final int columns;
    private final boolean keepLines;
    private final long expected;
    private final float[][] exact;
    private final List<float[][]> chunks = new ArrayList<>();
    private final List<int[][]> codes = new ArrayList<>();
    private final List<long[]> lines = new ArrayList<>();
    private long[] bases = new long[16];
    private long rows;

    /**
     * @param strides  values per row of each matrix (0: not used)
     * @param columns  columns read (for their codes)
     * @param expected the number of rows when known, else -1
     */
    KeptRows(String source, int[] strides, int columns, boolean keepLines, long expected) {
        this.source = source;
        this.strides = strides.clone();
        this.columns = columns;
        this.keepLines = keepLines;
        this.expected = expected;
        if (expected >= 0) {
            exact = new float[strides.length][];
            for (int m = 0; m < strides.length; m++) {
                exact[m] = new float[size(expected, strides[m])];
            }
        } else {
            exact = null;
        }
    }

    @Override
    public RowParser.UnitOut open(long base, int n) {
        if (exact != null) {
            if (base + n > expected) {
                throw new InvalidDataException(source, "the file changed while it was read (it had " + expected
                        + " rows a moment ago)");
            }
            return new RowParser.UnitOut(exact, strides, (int) base, n, columns, keepLines);
        }
        float[][] m = new float[strides.length][];
        for (int i = 0; i < strides.length; i++) {
            m[i] = new float[size(n, strides[i])];
        }
        return new RowParser.UnitOut(m, strides, 0, n, columns, keepLines);
    }

    @Override
    public void done(RowParser.UnitOut out, long base, int n) {
        int u = codes.size();
        if (u == bases.length) {
            bases = Arrays.copyOf(bases, u * 2);
        }
        bases[u] = base;
        codes.add(out.codes);
        lines.add(out.lines);
        if (exact == null) {
            chunks.add(out.matrices);
        }
        rows = base + n;
    }

    /** Rows read. */
    long rows() {
        return rows;
    }

    /** Matrix {@code m}, {@code [rows, stride]} row-major, at its final size (built from the blocks if need be). */
    float[] matrix(int m) {
        if (exact != null) {
            return rows == expected ? exact[m] : Arrays.copyOf(exact[m], size(rows, strides[m]));
        }
        float[] out = new float[size(rows, strides[m])];
        int at = 0;
        for (int u = 0; u < chunks.size(); u++) {
            float[] part = chunks.get(u)[m];
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
            chunks.get(u)[m] = null;
        }
        return out;
    }

    /** The code of column {@code c} in {@code row}, or -1. */
    int code(int c, long row) {
        int u = unit(row);
        int[] k = codes.get(u)[c];
        return k == null ? -1 : k[(int) (row - bases[u])];
    }

    /** The blocks' codes of column {@code c}: the i-th array (null when the block has none) starts at row base(i). */
    List<int[]> codes(int c) {
        List<int[]> out = new ArrayList<>(codes.size());
        for (int[][] k : codes) {
            out.add(k[c]);
        }
        return out;
    }

    /** Number of blocks. */
    int units() {
        return codes.size();
    }

    /** The first row of block {@code u}. */
    long base(int u) {
        return bases[u];
    }

    /** The 1-based line where {@code row} starts. */
    long line(long row) {
        int u = unit(row);
        return lines.get(u)[(int) (row - bases[u])];
    }

    private int unit(long row) {
        int i = Arrays.binarySearch(bases, 0, codes.size(), row);
        return i >= 0 ? i : -i - 2;
    }

    private int size(long n, int stride) {
        long values = n * stride;
        if (values > Integer.MAX_VALUE - 8) {
            throw new InvalidDataException(source, n + " rows × " + stride
                    + " columns is too many values for one float array");
        }
        return (int) values;
    }
}
