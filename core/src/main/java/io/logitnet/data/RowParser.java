package io.logitnet.data;

import io.logitnet.InvalidDataException;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Parses the records of one region straight into the float matrices and code arrays of its unit: numbers go to
 * their slot in a row-major float32 matrix, texts to a per-column dictionary and an int code per row. No object is
 * made per cell or per row. Each region has its own parser (its dictionaries and first-seen cells), merged in file
 * order afterwards by {@link CsvLoad}.
 */
final class RowParser implements CsvTokenizer.Fields {
    /** Numbers of a column in {@link ColumnSpec.Mode#AUTO} keep their own text while it has at most this many. */
    static final int MAX_NUMBER_TEXTS = 1024;

    /** Where a unit's rows go. */
    static final class UnitOut {
        final float[][] matrices;
        final int[] strides;
        /** The row of the matrices where the unit's first row goes. */
        final int rowOffset;
        final int rows;
        final int[][] codes;
        final long[] lines;

        UnitOut(float[][] matrices, int[] strides, int rowOffset, int rows, int columns, boolean lines) {
            this.matrices = matrices;
            this.strides = strides;
            this.rowOffset = rowOffset;
            this.rows = rows;
            this.codes = new int[columns][];
            this.lines = lines ? new long[rows] : null;
        }

        /** The unit's codes of column {@code c}, made on first use (-1: no code). */
        synchronized int[] codes(int c) {
            if (codes[c] == null) {
                codes[c] = new int[rows];
                Arrays.fill(codes[c], -1);
            }
            return codes[c];
        }
    }

    /** One column's state in this region. */
    static final class Col extends CellTally {
        final ColumnSpec spec;
        final int number;
        final ByteDictionary dict = new ByteDictionary();
        final ByteDictionary known;
        final boolean internNumbers;
        int[] codes;
        boolean overflowed;

        Col(ColumnSpec spec, int number, ByteDictionary known, boolean internNumbers) {
            this.spec = spec;
            this.number = number;
            this.known = known;
            this.internNumbers = internNumbers;
        }
    }

    private final String source;
    private final int width;
    private final Col[] byIndex;
    private final Col[] cols;
    private final int maxLevels;
    private UnitOut out;
    private int row;
    private int rowEnd;
    private long line;
    private String extra;

    /**
     * @param specs         the columns read, in plan order
     * @param known         per spec, the dictionary of its known values (codes = their indices), or null
     * @param numberTexts   per spec, whether an AUTO column still keeps the text of its numbers
     * @param maxLevels     most distinct texts of a FEATURE column
     */
    RowParser(String source, int width, List<ColumnSpec> specs, ByteDictionary[] known, boolean[] numberTexts,
              int maxLevels) {
        this.source = source;
        this.width = width;
        this.byIndex = new Col[width];
        this.cols = new Col[specs.size()];
        this.maxLevels = maxLevels;
        for (int c = 0; c < cols.length; c++) {
            ColumnSpec s = specs.get(c);
            cols[c] = new Col(s, c, known[c], numberTexts[c]);
            byIndex[s.index()] = cols[c];
        }
    }

    /** The state of every column read, in plan order. */
    Col[] columns() {
        return cols;
    }

    /**
     * Parses one region: {@code rows} records from {@code tok}, into rows {@code [first, first + rows)} of the unit.
     */
    void parse(CsvTokenizer tok, UnitOut unit, int first, int rows) {
        this.out = unit;
        this.row = first;
        this.rowEnd = first + rows;
        for (Col c : cols) {
            // through the lock, so that the -1s another region's parser filled the array with come before our codes
            c.codes = c.spec.mode() == ColumnSpec.Mode.LABEL && c.known == null ? unit.codes(c.number) : null;
        }
        int st;
        while ((st = tok.next(this)) == CsvTokenizer.RECORD) {
            if (row > rowEnd) {
                break;
            }
        }
        if (row != rowEnd || st == CsvTokenizer.INCOMPLETE) {
            throw new IllegalStateException("region of " + source + " was cut for " + rows + " records but holds "
                    + (row - first) + (st == CsvTokenizer.INCOMPLETE ? " and an incomplete one" : ""));
        }
    }

    @Override
    public void begin(long recordLine) {
        this.line = recordLine;
        this.extra = null;
    }

    @Override
    public void field(int j, byte[] b, int from, int to) {
        if (j >= width) {
            if (j == width) {
                extra = new String(b, from, to - from, StandardCharsets.UTF_8);
            }
            return;
        }
        Col c = byIndex[j];
        if (c == null || row >= rowEnd) {
            return;
        }
        int s = CsvCells.trimStart(b, from, to);
        int e = CsvCells.trimEnd(b, s, to);
        switch (c.spec.mode()) {
            case NUMBER, COUNT -> number(c, b, from, to, s, e);
            case FEATURE -> feature(c, b, from, to, s, e);
            case LABEL -> label(c, b, from, to, s, e);
            case ONE_HOT -> oneHot(c, b, from, to, s, e);
            case AUTO -> auto(c, b, from, to, s, e);
            default -> throw new IllegalStateException(c.spec.mode().name());
        }
    }

    @Override
    public void end(int count) {
        if (row >= rowEnd) {
            row++;
            return;
        }
        if (count < width) {
            throw new InvalidDataException(source, line, count + 1, null, "row has " + count + " cell"
                    + (count == 1 ? "" : "s") + " but the header has " + width + " columns; column " + (count + 1)
                    + " is missing");
        }
        if (count > width) {
            throw new InvalidDataException(source, line, width + 1, extra, "row has " + count
                    + " cells but the header has " + width + " columns");
        }
        if (out.lines != null) {
            out.lines[row] = line;
        }
        row++;
    }

    // ---- modes ----

    private void put(Col c, float v) {
        int m = c.spec.matrix();
        out.matrices[m][(out.rowOffset + row) * out.strides[m] + c.spec.slot()] = v;
    }

    private void number(Col c, byte[] b, int from, int to, int s, int e) {
        if (s < e && CsvCells.isDecimal(b, s, e)) {
            float v = CsvCells.parse(b, s, e);
            if (!Float.isInfinite(v) && !(v < 0 && c.spec.mode() == ColumnSpec.Mode.COUNT)) {
                put(c, v);
                return;
            }
            if (!Float.isInfinite(v)) {
                throw new InvalidDataException(source, line, c.spec.index() + 1, raw(b, from, to),
                        "a Poisson count in column '" + c.spec.name() + "' cannot be negative");
            }
        }
        throw CsvCells.notANumber(source, line, c.spec.index() + 1, c.spec.name(), raw(b, from, to));
    }

    private void feature(Col c, byte[] b, int from, int to, int s, int e) {
        if (s == e) {
            throw new InvalidDataException(source, line, c.spec.index() + 1, raw(b, from, to),
                    "empty cell in feature column '" + c.spec.name() + "' (missing values are not supported)");
        }
        if (CsvCells.isDecimal(b, s, e)) {
            float v = CsvCells.parse(b, s, e);
            if (Float.isInfinite(v)) {
                throw CsvCells.notANumber(source, line, c.spec.index() + 1, c.spec.name(), raw(b, from, to));
            }
            put(c, v);
            if (c.numbers++ == 0) {
                c.firstNumber = new CellTally.Seen(line, raw(b, from, to));
            }
            return;
        }
        int code = intern(c, b, from, to, s, e);
        codes(c)[row] = code;
        if (c.texts++ == 0) {
            c.firstText = new CellTally.Seen(line, raw(b, from, to));
        }
        if (c.dict.size() > maxLevels) {
            throw new ColumnTypeException(source, line, c.spec.index() + 1, raw(b, from, to), c.spec.name(),
                    ColumnTypeException.Kind.TOO_MANY_LEVELS, "text column '" + c.spec.name() + "' has more than "
                    + maxLevels + " distinct values, too many to one-hot encode as a feature (an id, a name or "
                    + "free text?)");
        }
    }

    private void label(Col c, byte[] b, int from, int to, int s, int e) {
        if (s == e) {
            throw new InvalidDataException(source, line, c.spec.index() + 1, raw(b, from, to),
                    "empty cell in target column '" + c.spec.name() + "': every row needs a class label");
        }
        int code = intern(c, b, from, to, s, e);
        if (c.known == null) {
            c.codes[row] = code;
        } else {
            put(c, c.dict.value(code));
        }
    }

    private void oneHot(Col c, byte[] b, int from, int to, int s, int e) {
        if (s == e) {
            throw new InvalidDataException(source, line, c.spec.index() + 1, raw(b, from, to),
                    "empty cell in feature column '" + c.spec.name() + "' (missing values are not supported)");
        }
        int level = c.dict.value(intern(c, b, from, to, s, e));
        int m = c.spec.matrix();
        int base = (out.rowOffset + row) * out.strides[m] + c.spec.slot();
        float[] x = out.matrices[m];
        Arrays.fill(x, base, base + c.spec.known().size(), 0f);
        x[base + level] = 1f;
    }

    private void auto(Col c, byte[] b, int from, int to, int s, int e) {
        if (s < e && CsvCells.isDecimal(b, s, e)) {
            float v = CsvCells.parse(b, s, e);
            if (!Float.isInfinite(v)) {
                put(c, v);
                c.numbers++;
                if (c.internNumbers && !c.overflowed) {
                    int code = intern(c, b, from, to, s, e);
                    codes(c)[row] = code;
                    if (c.dict.size() > MAX_NUMBER_TEXTS) {
                        c.overflowed = true;
                    }
                }
                return;
            }
        }
        put(c, Float.NaN);
        codes(c)[row] = intern(c, b, from, to, s, e);
        CellTally.Seen seen = new CellTally.Seen(line, raw(b, from, to));
        if (c.firstBad == null) {
            c.firstBad = seen;
        }
        if (s == e) {
            if (c.firstEmpty == null) {
                c.firstEmpty = seen;
            }
        } else if (c.texts++ == 0) {
            c.firstText = seen;
        }
    }

    // ---- helpers ----

    private int[] codes(Col c) {
        if (c.codes == null) {
            c.codes = out.codes(c.number);
        }
        return c.codes;
    }

    /**
     * The code of the trimmed cell b[s, e) in the column's dictionary. A new non-ASCII text is checked to be UTF-8;
     * with known values, a new text is looked up among them (its index becomes the code's value).
     */
    private int intern(Col c, byte[] b, int from, int to, int s, int e) {
        int code = c.dict.intern(b, s, e);
        if (c.dict.added()) {
            if (!c.dict.isAscii(code) && c.dict.text(code).indexOf('\uFFFD') >= 0) {
                throw new InvalidDataException(source, line, c.spec.index() + 1, raw(b, from, to),
                        "text is not valid UTF-8 (or holds the replacement character U+FFFD); save the file as UTF-8");
            }
            if (c.known != null) {
                int k = c.known.find(b, s, e);
                if (k < 0) {
                    throw unknown(c, c.dict.text(code));
                }
                c.dict.setValue(code, k);
            }
        }
        return code;
    }

    private InvalidDataException unknown(Col c, String value) {
        List<String> known = c.spec.known();
        if (c.spec.mode() == ColumnSpec.Mode.LABEL) {
            return new InvalidDataException(source, line, c.spec.index() + 1, value, "label '" + value
                    + "' in column '" + c.spec.name() + "' is not one the model knows; known labels: "
                    + ClassLabels.shortList(known));
        }
        return new InvalidDataException(source, line, c.spec.index() + 1, value, "level '" + value + "' of column '"
                + c.spec.name() + "' was not seen in training; known levels: " + ClassLabels.shortList(known));
    }

    private static String raw(byte[] b, int from, int to) {
        return new String(b, from, to - from, StandardCharsets.UTF_8);
    }
}
