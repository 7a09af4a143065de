package io.logitnet.data;

import io.logitnet.InvalidDataException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One pass over a CSV input: the header first ({@link #open}), then ({@link #run}) every block from the reading
 * thread, its regions parsed in parallel by {@link RowParser}s into the arrays that a {@link Rows} hands out, and
 * the regions' dictionaries and first-seen cells merged in file order into one {@link ColumnData} per column read.
 * Errors are the earliest in the file among those found: a block's regions all finish before the first region's
 * error is thrown.
 */
final class CsvLoad implements AutoCloseable {
    /** The header row. */
    record Header(String source, List<String> names, long line) {
        /** The 0-based position of a column, or an error naming the column and listing the header. */
        int index(String name) {
            int j = names.indexOf(name);
            if (j < 0) {
                throw new InvalidDataException(source, line, 0, name,
                        "no column named '" + name + "'; the header has " + names);
            }
            return j;
        }
    }

    /**
     * What to read.
     *
     * @param specs     the columns, each with its mode and where its values go
     * @param strides   values per row of each float matrix (0: the matrix is not used)
     * @param maxLevels most distinct texts of a FEATURE column
     * @param lines     whether each row's line is kept
     */
    record Plan(List<ColumnSpec> specs, int[] strides, int maxLevels, boolean lines) {
    }

    /** Where the rows of each block go. */
    interface Rows {
        /** The arrays for {@code rows} rows that start at row {@code base} of the file. */
        RowParser.UnitOut open(long base, int rows);

        /** Those rows are parsed; their codes are those of the {@link ColumnData} dictionaries. */
        void done(RowParser.UnitOut out, long base, int rows);
    }

    /** One column over the whole file. */
    static final class ColumnData extends CellTally {
        final ColumnSpec spec;
        /** Distinct trimmed texts, in order of first appearance: codes. */
        final ByteDictionary dict = new ByteDictionary();
        /** Rows per code. */
        long[] counts = new long[16];
        /** AUTO: the texts of its numbers are not all kept. */
        boolean overflowed;

        ColumnData(ColumnSpec spec) {
            this.spec = spec;
        }

        /** The distinct trimmed texts, by code. */
        List<String> texts() {
            List<String> out = new ArrayList<>(dict.size());
            for (int k = 0; k < dict.size(); k++) {
                out.add(dict.text(k));
            }
            return out;
        }
    }

    private final CsvInput input;
    private final CsvUnits units;
    private final Header header;
    private boolean finished;
    private ColumnData[] columns;
    private long rows;

    private CsvLoad(CsvInput input, CsvUnits units, Header header, boolean finished) {
        this.input = input;
        this.units = units;
        this.header = header;
        this.finished = finished;
    }

    /**
     * Starts reading and reads the header.
     *
     * @throws InvalidDataException for an empty file or a bad header (an empty or repeated name, text that is
     *                              not UTF-8)
     */
    static CsvLoad open(CsvInput input, CsvTuning tuning) {
        CsvUnits units = new CsvUnits(input, Workers.cores(), tuning);
        try {
            CsvUnits.Unit u = units.next();
            if (u.error != null) {
                throw CsvUnits.rethrow(u.error);
            }
            if (u.totalRows == 0) {
                throw new InvalidDataException(input.source(), "empty file: no header row");
            }
            Header h = header(input.source(), u);
            units.release(u);
            return new CsvLoad(input, units, h, u.last);
        } catch (RuntimeException e) {
            units.close();
            throw e;
        }
    }

    /**
     * The number of records after the header, or -1 when the file is broken somewhere (the pass that parses it
     * then says where).
     */
    static long countRows(CsvInput input, CsvTuning tuning) {
        try (CsvUnits units = new CsvUnits(input, 1, tuning)) {
            long n = -1;
            while (true) {
                CsvUnits.Unit u = units.next();
                if (u.error != null) {
                    return -1;
                }
                n += u.totalRows;
                units.release(u);
                if (u.last) {
                    return n;
                }
            }
        }
    }

    Header header() {
        return header;
    }

    String source() {
        return input.source();
    }

    /** The merged columns, in plan order (after {@link #run}). */
    ColumnData[] columns() {
        return columns;
    }

    /** Records read (after {@link #run}). */
    long rows() {
        return rows;
    }

    /**
     * Reads every record after the header.
     *
     * @throws InvalidDataException for the first problem in the file, or a header with no data rows after it
     */
    void run(Plan plan, Rows out) {
        List<ColumnSpec> specs = plan.specs();
        columns = new ColumnData[specs.size()];
        ByteDictionary[] known = new ByteDictionary[specs.size()];
        for (int c = 0; c < columns.length; c++) {
            columns[c] = new ColumnData(specs.get(c));
            if (specs.get(c).known() != null) {
                known[c] = new ByteDictionary();
                for (String k : specs.get(c).known()) {
                    known[c].intern(k);
                }
            }
        }
        try {
            while (!finished) {
                CsvUnits.Unit u = units.next();
                finished = u.last;
                try {
                    if (u.totalRows > 0) {
                        parse(u, plan, known, out);
                    }
                    if (u.error != null) {
                        throw CsvUnits.rethrow(u.error);
                    }
                } finally {
                    units.release(u);
                }
            }
        } finally {
            units.close();
        }
        if (rows == 0) {
            throw new InvalidDataException(input.source(), header.line(), 0, null,
                    "the header has no data rows after it");
        }
    }

    @Override
    public void close() {
        units.close();
    }

    private void parse(CsvUnits.Unit u, Plan plan, ByteDictionary[] known, Rows out) {
        long base = rows;
        RowParser.UnitOut arrays = out.open(base, u.totalRows);
        boolean[] numberTexts = new boolean[columns.length];
        for (int c = 0; c < columns.length; c++) {
            numberTexts[c] = !columns[c].overflowed;
        }
        RowParser[] parsers = new RowParser[u.regions];
        int[] first = new int[u.regions];
        List<Runnable> tasks = new ArrayList<>(u.regions);
        int row = 0;
        for (int r = 0; r < u.regions; r++) {
            RowParser p = new RowParser(input.source(), header.names().size(), plan.specs(), known, numberTexts,
                    plan.maxLevels());
            parsers[r] = p;
            first[r] = row;
            int from = u.starts[r];
            int to = u.starts[r + 1];
            long line = u.lines[r];
            int firstRow = row;
            int count = u.rows[r];
            byte[] bytes = u.bytes;
            tasks.add(() -> {
                CsvTokenizer tok = new CsvTokenizer(input.source());
                tok.reset(bytes, from, to, true, line);
                p.parse(tok, arrays, firstRow, count);
            });
            row += count;
        }
        Workers.runAll(tasks);
        for (int r = 0; r < u.regions; r++) {
            merge(parsers[r], arrays, first[r], u.rows[r], plan);
        }
        rows += u.totalRows;
        out.done(arrays, base, u.totalRows);
    }

    /** Adds a region's columns to the file's, in file order, and rewrites its codes to the file's. */
    private void merge(RowParser p, RowParser.UnitOut arrays, int first, int count, Plan plan) {
        RowParser.Col[] cols = p.columns();
        for (int c = 0; c < cols.length; c++) {
            RowParser.Col rc = cols[c];
            ColumnData g = columns[c];
            g.add(rc);
            g.overflowed |= rc.overflowed;
            int[] codes = arrays.codes[c];
            if (!g.spec.keepsCodes() || codes == null) {
                continue;
            }
            int[] map = new int[rc.dict.size()];
            for (int i = 0; i < map.length; i++) {
                map[i] = g.dict.internFrom(rc.dict, i);
            }
            if (g.counts.length < g.dict.size()) {
                g.counts = Arrays.copyOf(g.counts, Math.max(g.dict.size(), g.counts.length * 2));
            }
            for (int i = first, e = first + count; i < e; i++) {
                int k = codes[i];
                if (k >= 0) {
                    int m = map[k];
                    codes[i] = m;
                    g.counts[m]++;
                }
            }
            if (g.spec.mode() == ColumnSpec.Mode.AUTO && g.dict.size() > RowParser.MAX_NUMBER_TEXTS) {
                g.overflowed = true;
            }
            if (g.spec.mode() == ColumnSpec.Mode.FEATURE && g.dict.size() > plan.maxLevels()) {
                throw new ColumnTypeException(input.source(), g.firstText.line(), g.spec.index() + 1, g.firstText.cell(),
                        g.spec.name(), ColumnTypeException.Kind.TOO_MANY_LEVELS, "text column '" + g.spec.name()
                        + "' has more than " + plan.maxLevels() + " distinct values, too many to one-hot encode "
                        + "as a feature (an id, a name or free text?)");
            }
        }
    }

    private static Header header(String source, CsvUnits.Unit u) {
        List<String> names = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        long[] line = {0};
        CsvTokenizer tok = new CsvTokenizer(source);
        tok.reset(u.bytes, u.from, u.to, true, 1);
        tok.next(new CsvTokenizer.Fields() {
            @Override
            public void begin(long l) {
                line[0] = l;
            }

            @Override
            public void field(int j, byte[] b, int from, int to) {
                String raw = new String(b, from, to - from, java.nio.charset.StandardCharsets.UTF_8);
                if (raw.indexOf('\uFFFD') >= 0) {
                    throw new InvalidDataException(source, line[0], j + 1, raw, "text is not valid UTF-8 (or holds "
                            + "the replacement character U+FFFD); save the file as UTF-8");
                }
                String name = CsvCells.trim(raw);
                if (name.isEmpty()) {
                    throw new InvalidDataException(source, line[0], j + 1, raw, "column " + (j + 1)
                            + " has no name in the header (a data frame index written without a name?)");
                }
                Integer before = seen.putIfAbsent(name, j + 1);
                if (before != null) {
                    throw new InvalidDataException(source, line[0], j + 1, name, "column name '" + name
                            + "' appears twice in the header, in columns " + before + " and " + (j + 1));
                }
                names.add(name);
            }

            @Override
            public void end(int count) {
            }
        });
        return new Header(source, List.copyOf(names), line[0]);
    }
}
