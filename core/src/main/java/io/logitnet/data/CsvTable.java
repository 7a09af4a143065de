package io.logitnet.data;

import io.logitnet.InvalidDataException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A CSV file as read by {@link CsvReader}: the header's column names and the rows of raw cells, each row with the
 * 1-based line of the file where it starts. Columns are picked by name; numbers are parsed on request, and every
 * cell that is not a finite number fails with an {@link InvalidDataException} naming file, line, column and cell.
 *
 * <p>Row indices are 0-based (the first data row is row 0); line and column numbers in errors are 1-based and
 * count the file's physical lines (the header is usually line 1) and the cells of the row.
 */
public final class CsvTable {
    private final String source;
    private final List<String> header;
    private final long headerLine;
    private final Map<String, Integer> index;
    private final String[][] rows;
    private final long[] lines;

    CsvTable(String source, List<String> header, long headerLine, String[][] rows, long[] lines) {
        this.source = source;
        this.header = List.copyOf(header);
        this.headerLine = headerLine;
        this.rows = rows;
        this.lines = lines;
        Map<String, Integer> idx = new HashMap<>();
        for (int j = 0; j < header.size(); j++) {
            idx.put(header.get(j), j);
        }
        this.index = idx;
    }

    /** The file name (or the description given to {@link CsvReader#read(java.io.InputStream, String)}). */
    public String source() {
        return source;
    }

    /** The column names, in file order, with surrounding spaces removed. */
    public List<String> header() {
        return header;
    }

    /** Number of data rows (at least one). */
    public int rowCount() {
        return rows.length;
    }

    /** Number of columns. */
    public int columnCount() {
        return header.size();
    }

    /** The 1-based line of the file where data row {@code row} (0-based) starts. */
    public long line(int row) {
        return lines[row];
    }

    /** The raw text of one cell; {@code column} is 0-based. */
    public String cell(int row, int column) {
        return rows[row][column];
    }

    /** Whether the header has a column of that name. */
    public boolean hasColumn(String name) {
        return index.containsKey(name);
    }

    /**
     * The 0-based position of a column.
     *
     * @throws InvalidDataException if the header has no such column (the value is the name; the message lists the
     *                              header)
     */
    public int columnIndex(String name) {
        Objects.requireNonNull(name, "column name");
        Integer j = index.get(name);
        if (j == null) {
            throw new InvalidDataException(source, headerLine, 0, name,
                    "no column named '" + name + "'; the header has " + header);
        }
        return j;
    }

    /** The raw cells of one column, top to bottom. */
    public List<String> column(String name) {
        int j = columnIndex(name);
        List<String> out = new ArrayList<>(rows.length);
        for (String[] r : rows) {
            out.add(r[j]);
        }
        return out;
    }

    /**
     * One column as finite float32 values (regression targets, a single feature).
     *
     * @throws InvalidDataException if the column is missing or a cell is empty, not a number, NaN or infinite
     */
    public float[] numericColumn(String name) {
        int j = columnIndex(name);
        float[] out = new float[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = number(i, j);
        }
        return out;
    }

    /**
     * A column of counts for Poisson regression: finite numbers, none negative.
     *
     * @throws InvalidDataException as {@link #numericColumn}, and for a negative count (with its line, column and
     *                              value)
     */
    public float[] countColumn(String name) {
        int j = columnIndex(name);
        float[] out = new float[rows.length];
        for (int i = 0; i < rows.length; i++) {
            float v = number(i, j);
            if (v < 0) {
                throw new InvalidDataException(source, lines[i], j + 1, rows[i][j],
                        "a Poisson count in column '" + name + "' cannot be negative");
            }
            out[i] = v;
        }
        return out;
    }

    /**
     * The given columns as a row-major {@code [rowCount, columns.size()]} feature matrix, in the order the
     * columns are named here, whatever their order in the file. Other columns are ignored.
     *
     * @param columns column names, at least one, none twice
     * @throws InvalidDataException     if a column is missing or a cell is not a finite number
     * @throws IllegalArgumentException if no column or the same column twice is asked for
     */
    public float[] features(List<String> columns) {
        int[] cols = columnIndices(columns);
        int d = cols.length;
        if ((long) rows.length * d > Integer.MAX_VALUE - 8) {
            throw new InvalidDataException(source, rows.length + " rows × " + d
                    + " columns is too many values for one float array");
        }
        float[] x = new float[rows.length * d];
        for (int i = 0; i < rows.length; i++) {
            for (int k = 0; k < d; k++) {
                x[i * d + k] = number(i, cols[k]);
            }
        }
        return x;
    }

    /**
     * Every column name but the target, in file order: the default feature columns.
     *
     * @throws InvalidDataException if there is no such target column, or it is the only column
     */
    public List<String> allColumnsExcept(String target) {
        int t = columnIndex(target);
        if (header.size() == 1) {
            throw new InvalidDataException(source, headerLine, 1, target,
                    "the target column '" + target + "' is the only column: there are no features");
        }
        List<String> out = new ArrayList<>(header.size() - 1);
        for (int j = 0; j < header.size(); j++) {
            if (j != t) {
                out.add(header.get(j));
            }
        }
        return List.copyOf(out);
    }

    /**
     * A classification data set: features from the named columns, {@code y} the class index of each row's label
     * under {@code labels} (fit them on the training file with {@link ClassLabels#fit}, reuse them for test files).
     *
     * @throws InvalidDataException     for a missing column, a bad feature cell or a label {@code labels} lacks
     * @throws IllegalArgumentException if the target is also a feature, or a feature is named twice
     */
    public Dataset classification(String target, List<String> featureColumns, ClassLabels labels) {
        checkNotFeature(target, featureColumns);
        int[] classes = labels.encode(this, target);
        float[] x = features(featureColumns);
        float[] y = new float[classes.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = classes[i];
        }
        return new Dataset(x, rows.length, featureColumns.size(), y, 1, featureColumns);
    }

    /**
     * A regression data set: features from the named columns, {@code y} the target column's numbers.
     *
     * @throws InvalidDataException     for a missing column or a cell that is not a finite number
     * @throws IllegalArgumentException if the target is also a feature, or a feature is named twice
     */
    public Dataset regression(String target, List<String> featureColumns) {
        checkNotFeature(target, featureColumns);
        float[] y = numericColumn(target);
        float[] x = features(featureColumns);
        return new Dataset(x, rows.length, featureColumns.size(), y, 1, featureColumns);
    }

    /**
     * A Poisson regression data set: as {@link #regression}, and every target count must be zero or more.
     *
     * @throws InvalidDataException as {@link #regression}, and for a negative count
     */
    public Dataset countRegression(String target, List<String> featureColumns) {
        checkNotFeature(target, featureColumns);
        float[] y = countColumn(target);
        float[] x = features(featureColumns);
        return new Dataset(x, rows.length, featureColumns.size(), y, 1, featureColumns);
    }

    /** The 1-based line where the header row is. */
    public long headerLine() {
        return headerLine;
    }

    private float number(int row, int column) {
        return CsvCells.parseFinite(rows[row][column], source, lines[row], column + 1);
    }

    private int[] columnIndices(List<String> columns) {
        if (columns.isEmpty()) {
            throw new IllegalArgumentException("no feature columns given");
        }
        Set<String> seen = new HashSet<>();
        int[] cols = new int[columns.size()];
        for (int k = 0; k < cols.length; k++) {
            String name = columns.get(k);
            if (!seen.add(name)) {
                throw new IllegalArgumentException("feature column '" + name + "' is named twice in " + columns);
            }
            cols[k] = columnIndex(name);
        }
        return cols;
    }

    private static void checkNotFeature(String target, List<String> featureColumns) {
        if (featureColumns.contains(target)) {
            throw new IllegalArgumentException("the target column '" + target + "' is also listed as a feature in "
                    + featureColumns);
        }
    }
}
