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
 * A whole CSV file as read by {@link CsvReader#read(java.nio.file.Path)}: the header's column names and, for every
 * column, the cells as float32 numbers where they are numbers and as interned texts where they are not (each
 * distinct text once, an int code per row). Columns are picked by name; a cell that is not a finite number fails
 * only when its column is asked for as numbers, with an {@link InvalidDataException} naming file, line, column and
 * the cell as written.
 *
 * <p>Cells follow the one trimming rule of {@link CsvReader}: surrounding spaces and tabs are not part of a value.
 * {@link #cell} and {@link #column} give each cell's trimmed text; for a column whose numbers have more than
 * {@value RowParser#MAX_NUMBER_TEXTS} distinct spellings (a column of measurements) the text of its numbers is not
 * kept, and a number's text is then its float32 value written out ({@code -1}, {@code 0.84442186}).
 *
 * <p>Row indices are 0-based (the first data row is row 0); line and column numbers in errors are 1-based and
 * count the file's physical lines (the header is usually line 1) and the cells of the row. For training, prefer
 * {@link CsvReader#readTraining}, which reads only the columns it needs, straight into the feature matrix.
 */
public final class CsvTable {
    private final String source;
    private final List<String> header;
    private final long headerLine;
    private final Map<String, Integer> index;
    private final int rows;
    private final float[] values;
    private final KeptRows kept;
    private final CsvLoad.ColumnData[] data;
    private final String[][] texts;
    private final boolean[][] textKept;

    CsvTable(CsvLoad.Header h, CsvLoad.ColumnData[] data, KeptRows kept) {
        this.source = h.source();
        this.header = h.names();
        this.headerLine = h.line();
        this.kept = kept;
        this.rows = (int) kept.rows();
        this.values = kept.matrix(0);
        this.data = data;
        this.texts = new String[header.size()][];
        this.textKept = new boolean[header.size()][];
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
        return rows;
    }

    /** Number of columns. */
    public int columnCount() {
        return header.size();
    }

    /** The 1-based line of the file where data row {@code row} (0-based) starts. */
    public long line(int row) {
        return kept.line(row);
    }

    /** The trimmed text of one cell; {@code column} is 0-based. */
    public String cell(int row, int column) {
        Objects.checkIndex(row, rows);
        int code = kept.code(column, row);
        if (code >= 0 && textKept(column, code)) {
            return texts(column)[code];
        }
        return CsvCells.render(values[row * header.size() + column]);
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

    /** The trimmed cells of one column, top to bottom (see {@link #cell}). */
    public List<String> column(String name) {
        int j = columnIndex(name);
        List<String> out = new ArrayList<>(rows);
        for (int i = 0; i < rows; i++) {
            out.add(cell(i, j));
        }
        return out;
    }

    /**
     * One column as finite float32 values (regression targets, a single feature).
     *
     * @throws InvalidDataException if the column is missing or a cell is empty, not a number, NaN or infinite
     */
    public float[] numericColumn(String name) {
        return features(List.of(name));
    }

    /**
     * A column of counts for Poisson regression: finite numbers, none negative.
     *
     * @throws InvalidDataException as {@link #numericColumn}, and for a negative count (with its line, column and
     *                              value)
     */
    public float[] countColumn(String name) {
        int j = columnIndex(name);
        float[] out = numericColumn(name);
        for (int i = 0; i < rows; i++) {
            if (out[i] < 0) {
                throw new InvalidDataException(source, line(i), j + 1, cell(i, j),
                        "a Poisson count in column '" + name + "' cannot be negative");
            }
        }
        return out;
    }

    /**
     * The given columns as a row-major {@code [rowCount, columns.size()]} feature matrix, in the order the
     * columns are named here, whatever their order in the file. Other columns are ignored.
     *
     * @param columns column names, at least one, none twice
     * @throws InvalidDataException     if a column is missing or a cell is not a finite number (the first such cell
     *                                  in the file; text among numbers is a {@link ColumnTypeException})
     * @throws IllegalArgumentException if no column or the same column twice is asked for
     */
    public float[] features(List<String> columns) {
        int[] cols = columnIndices(columns);
        int d = cols.length;
        CsvLoad.ColumnData bad = null;
        for (int j : cols) {
            CsvLoad.ColumnData c = data[j];
            if (c.firstBad != null && (bad == null || c.firstBad.line() < bad.firstBad.line())) {
                bad = c;
            }
        }
        if (bad != null) {
            throw CsvCells.notANumber(source, bad.firstBad.line(), bad.spec.index() + 1, bad.spec.name(),
                    bad.firstBad.cell());
        }
        if ((long) rows * d > Integer.MAX_VALUE - 8) {
            throw new InvalidDataException(source, rows + " rows × " + d
                    + " columns is too many values for one float array");
        }
        int width = header.size();
        float[] x = new float[rows * d];
        for (int i = 0; i < rows; i++) {
            int from = i * width;
            int to = i * d;
            for (int k = 0; k < d; k++) {
                x[to + k] = values[from + cols[k]];
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
        return new Dataset(x, rows, featureColumns.size(), y, 1, featureColumns);
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
        return new Dataset(x, rows, featureColumns.size(), y, 1, featureColumns);
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
        return new Dataset(x, rows, featureColumns.size(), y, 1, featureColumns);
    }

    /** The 1-based line where the header row is. */
    public long headerLine() {
        return headerLine;
    }

    // ---- for ClassLabels ----

    /** The merged record of a column: its dictionary, and its first empty and first non-number cells. */
    CsvLoad.ColumnData columnData(int column) {
        return data[column];
    }

    /** The code of a cell's text in its column's dictionary, or -1 when its text is not kept. */
    int code(int row, int column) {
        int code = kept.code(column, row);
        return code >= 0 && textKept(column, code) ? code : -1;
    }

    /** The distinct trimmed texts of a column, by code. */
    String[] texts(int column) {
        String[] t = texts[column];
        if (t == null) {
            t = data[column].texts().toArray(new String[0]);
            texts[column] = t;
        }
        return t;
    }

    private boolean textKept(int column, int code) {
        if (!data[column].overflowed) {
            return true;
        }
        boolean[] keep = textKept[column];
        if (keep == null) {
            String[] t = texts(column);
            keep = new boolean[t.length];
            for (int k = 0; k < t.length; k++) {
                keep[k] = !CsvCells.isDecimal(t[k]);
            }
            textKept[column] = keep;
        }
        return keep[code];
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
