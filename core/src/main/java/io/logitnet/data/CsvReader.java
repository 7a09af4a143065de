package io.logitnet.data;

import io.logitnet.InvalidDataException;

import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads CSV files with a header row: plain or gzipped (recognised by the content, see {@link DataFormat}), UTF-8
 * (or UTF-16/32 when a byte order mark says so). RFC 4180 quoting: a quoted field may hold commas, line breaks and
 * {@code ""}; CRLF or LF line ends; a UTF-8 byte order mark is skipped. Empty lines (and lines of only spaces or
 * tabs) are skipped wherever they are.
 *
 * <p><b>One trimming rule:</b> surrounding spaces and tabs are removed from every cell, quoted or not, before it is
 * used, whether as a number, a class label, a one-hot level or a column name: {@code " outer"} is the label
 * {@code outer}, and {@code " 2.5 "} is 2.5. An empty cell (after trimming) is an error wherever a value is needed.
 *
 * <p><b>Numbers:</b> an optional sign, decimal digits with an optional point and an optional exponent, parsed to
 * the correctly rounded float32. NaN, infinities, hex, {@code 1f} and values beyond the float32 range are refused.
 *
 * <p><b>Speed and memory:</b> a thread of its own reads (and decompresses) the file while one thread per core
 * parses a region of whole records each, straight into the final float32 matrix: no object per cell or per row.
 * Text is interned per column (each distinct value once, an int code per row). For a plain file the rows are
 * counted first (a quick scan), so that the matrix is allocated once at its final size.
 *
 * <p><b>Errors</b> are {@link InvalidDataException}s naming file, line, column and the cell as written: an empty
 * file, a header with an empty or repeated name, rows with more or fewer cells than the header, a quote never
 * closed, text after a closing quote, text that is not UTF-8, a header with no data rows, a corrupt or truncated
 * gzip stream, and every cell that does not fit its use; text where numbers are needed is a
 * {@link ColumnTypeException}. When a file has several problems, the one reported is the first found in file order
 * among those of the first block (a few megabytes) that has one. A file that cannot be opened or read at all fails
 * with an {@link UncheckedIOException} naming the path.
 */
public final class CsvReader {
    private CsvReader() {
    }

    /**
     * Reads every column of a file, for use by name ({@link CsvTable}). Cells are checked for what they must be when
     * a column is used; reading fails only for a file that is not a CSV table.
     *
     * @throws InvalidDataException if the content is not a usable CSV table
     * @throws UncheckedIOException if the file cannot be opened or read
     */
    public static CsvTable read(Path file) {
        return table(CsvInput.of(file), CsvTuning.DEFAULT);
    }

    static CsvTable read(Path file, CsvTuning tuning) {
        return table(CsvInput.of(file), tuning);
    }

    /**
     * Reads CSV text from a stream (already decompressed). The stream is read to its end and not closed.
     *
     * @param source the name used in error messages, usually the file name
     * @throws InvalidDataException if the content is not a usable CSV table
     * @throws UncheckedIOException if reading the stream fails
     */
    public static CsvTable read(InputStream in, String source) {
        return table(CsvInput.of(in, source), CsvTuning.DEFAULT);
    }

    /**
     * Reads a training file: the target column and the feature columns, nothing else. A feature column whose cells
     * are all numbers is numeric; one whose cells are all text (none a number) is one-hot encoded, one input per
     * level (at most {@link FeatureEncoding#MAX_LEVELS}). A column with both is refused with a
     * {@link ColumnTypeException} at its first odd cell (text among numbers, or a number among text).
     *
     * @param target   the target column and what its cells are (labels collected from the file, or given)
     * @param features which columns are features
     * @return the data set (its feature names are the encoding's), the encoding and the class labels
     * @throws InvalidDataException     for the first cell that does not fit, a column the header lacks, a single
     *                                  class, or any error of the file as a whole
     * @throws IllegalArgumentException if the target is listed as a feature, or a column is listed twice
     * @throws UncheckedIOException     if the file cannot be read
     */
    public static TrainingData readTraining(Path file, Target target, FeatureSelection features) {
        return readTraining(file, target, features, CsvTuning.DEFAULT);
    }

    static TrainingData readTraining(Path file, Target target, FeatureSelection features, CsvTuning tuning) {
        CsvInput input = CsvInput.of(file);
        long expected = input.plainSize() >= 0 ? CsvLoad.countRows(input, tuning) : -1;
        try (CsvLoad load = CsvLoad.open(input, tuning)) {
            CsvLoad.Header h = load.header();
            int[] cols = features.resolve(h, target.column());
            CsvLoad.Plan plan = trainingPlan(h, target, cols);
            KeptRows rows = new KeptRows(h.source(), plan.strides(), plan.specs().size(), false, expected);
            load.run(plan, rows);
            CsvLoad.ColumnData[] data = load.columns();
            Encoded enc = encoding(h.source(), data, cols.length);
            float[] raw = rows.matrix(0);
            float[] x = enc.encoding.allNumeric() ? raw : expand(raw, cols.length, rows, enc);
            int n = (int) rows.rows();
            ClassLabels classes = target.labels();
            float[] y;
            CsvLoad.ColumnData t = data[cols.length];
            if (target.kind() == Target.Kind.CLASSES && classes == null) {
                List<String> texts = t.texts();
                classes = ClassLabels.of(h.source(), t.spec.index() + 1, target.column(), texts, n);
                y = classIndices(classes, texts, rows, cols.length);
            } else {
                y = rows.matrix(1);
            }
            Dataset d = new Dataset(x, n, enc.encoding.width(), y, 1, enc.encoding.featureNames());
            return new TrainingData(d, enc.encoding, target.kind() == Target.Kind.CLASSES ? classes : null);
        }
    }

    /**
     * Reads a file the way a trained model takes it: its feature columns found by name and encoded as
     * {@code encoding} says, and the target if one is given.
     *
     * @param target the target column, or null (predicting): the data set then has no target values
     *               ({@code targetCols} 0)
     * @throws InvalidDataException     for a column the header lacks, a level training did not see, a label the
     *                                  target's labels lack, text in a numeric column (a {@link ColumnTypeException}),
     *                                  or any other cell or file error
     * @throws IllegalArgumentException if the target is one of the encoding's columns
     * @throws UncheckedIOException     if the file cannot be read
     */
    public static Dataset read(Path file, FeatureEncoding encoding, Target target) {
        return read(file, encoding, target, CsvTuning.DEFAULT);
    }

    static Dataset read(Path file, FeatureEncoding encoding, Target target, CsvTuning tuning) {
        CsvInput input = CsvInput.of(file);
        long expected = input.plainSize() >= 0 ? CsvLoad.countRows(input, tuning) : -1;
        try (CsvLoad load = CsvLoad.open(input, tuning)) {
            CsvLoad.Plan plan = encodedPlan(load.header(), encoding.full(), target);
            KeptRows rows = new KeptRows(input.source(), plan.strides(), plan.specs().size(), false, expected);
            load.run(plan, rows);
            int n = (int) rows.rows();
            float[] y = target == null ? new float[0] : rows.matrix(1);
            return new Dataset(encoding.project(rows.matrix(0), n), n, encoding.width(), y, target == null ? 0 : 1,
                    encoding.featureNames());
        }
    }

    // ---- plans ----

    private static CsvTable table(CsvInput input, CsvTuning tuning) {
        long expected = input.plainSize() >= 0 ? CsvLoad.countRows(input, tuning) : -1;
        try (CsvLoad load = CsvLoad.open(input, tuning)) {
            CsvLoad.Header h = load.header();
            int width = h.names().size();
            List<ColumnSpec> specs = new ArrayList<>(width);
            for (int j = 0; j < width; j++) {
                specs.add(new ColumnSpec(h.names().get(j), j, ColumnSpec.Mode.AUTO, 0, j, null));
            }
            CsvLoad.Plan plan = new CsvLoad.Plan(specs, new int[] {width}, Integer.MAX_VALUE, true);
            KeptRows rows = new KeptRows(h.source(), plan.strides(), width, true, expected);
            load.run(plan, rows);
            return new CsvTable(h, load.columns(), rows);
        }
    }

    /** Features in FEATURE mode (slot k of matrix 0), then the target (its own matrix, or codes). */
    static CsvLoad.Plan trainingPlan(CsvLoad.Header h, Target target, int[] featureColumns) {
        List<ColumnSpec> specs = new ArrayList<>();
        for (int k = 0; k < featureColumns.length; k++) {
            int j = featureColumns[k];
            specs.add(new ColumnSpec(h.names().get(j), j, ColumnSpec.Mode.FEATURE, 0, k, null));
        }
        specs.add(targetSpec(h, target));
        return new CsvLoad.Plan(specs, new int[] {featureColumns.length, 1}, FeatureEncoding.MAX_LEVELS, false);
    }

    /** The encoding's columns written as model inputs (matrix 0), then the target if any (matrix 1). */
    static CsvLoad.Plan encodedPlan(CsvLoad.Header h, FeatureEncoding encoding, Target target) {
        List<ColumnSpec> specs = new ArrayList<>();
        int slot = 0;
        for (FeatureEncoding.Column c : encoding.columns()) {
            if (target != null && c.name().equals(target.column())) {
                throw new IllegalArgumentException("the target column '" + target.column()
                        + "' is also one of the model's features " + encoding.columnNames());
            }
            int j = h.index(c.name());
            specs.add(c.numeric() ? new ColumnSpec(c.name(), j, ColumnSpec.Mode.NUMBER, 0, slot, null)
                    : new ColumnSpec(c.name(), j, ColumnSpec.Mode.ONE_HOT, 0, slot, c.levels()));
            slot += c.width();
        }
        if (target != null) {
            specs.add(targetSpec(h, target));
        }
        return new CsvLoad.Plan(specs, new int[] {encoding.width(), target == null ? 0 : 1},
                FeatureEncoding.MAX_LEVELS, false);
    }

    private static ColumnSpec targetSpec(CsvLoad.Header h, Target target) {
        int t = h.index(target.column());
        return switch (target.kind()) {
            case CLASSES -> new ColumnSpec(target.column(), t, ColumnSpec.Mode.LABEL, 1, 0,
                    target.labels() == null ? null : target.labels().labels());
            case VALUES -> new ColumnSpec(target.column(), t, ColumnSpec.Mode.NUMBER, 1, 0, null);
            case COUNTS -> new ColumnSpec(target.column(), t, ColumnSpec.Mode.COUNT, 1, 0, null);
        };
    }

    // ---- deciding and applying the encoding of training features ----

    /** A training file's feature encoding, and for each text column the level index of each code. */
    record Encoded(FeatureEncoding encoding, int[][] levelOf) {
    }

    /**
     * Numeric columns (no text), text columns (no number) with their sorted levels; a column with both is an error
     * at its first cell of the rarer kind.
     */
    static Encoded encoding(String source, CsvLoad.ColumnData[] data, int features) {
        List<FeatureEncoding.Column> cols = new ArrayList<>(features);
        int[][] levelOf = new int[features][];
        for (int k = 0; k < features; k++) {
            CsvLoad.ColumnData g = data[k];
            String name = g.spec.name();
            long column = g.spec.index() + 1;
            if (g.texts == 0) {
                cols.add(FeatureEncoding.Column.numeric(name));
                continue;
            }
            if (g.numbers > 0 && g.numbers >= g.texts) {
                if (CsvCells.Problem.of(g.firstText.cell()) == CsvCells.Problem.NOT_FINITE) {
                    throw new InvalidDataException(source, g.firstText.line(), column, g.firstText.cell(),
                            CsvCells.Problem.NOT_FINITE.message());
                }
                throw new ColumnTypeException(source, g.firstText.line(), column, g.firstText.cell(), name,
                        ColumnTypeException.Kind.TEXT_IN_NUMERIC_COLUMN, "text in a numeric column '" + name + "' ("
                        + g.numbers + " numbers, " + g.texts + " text cells; this is the first text)");
            }
            if (g.numbers > 0) {
                throw new ColumnTypeException(source, g.firstNumber.line(), column, g.firstNumber.cell(), name,
                        ColumnTypeException.Kind.NUMBER_IN_TEXT_COLUMN, "a number in text column '" + name + "' ("
                        + g.texts + " text cells, " + g.numbers + " numbers; this is the first number): a feature "
                        + "column holds numbers only or text only");
            }
            String[] texts = g.texts().toArray(new String[0]);
            FeatureEncoding.Column c = FeatureEncoding.Column.text(name, Arrays.asList(texts));
            String[] sorted = c.levels().toArray(new String[0]);
            levelOf[k] = new int[texts.length];
            for (int code = 0; code < texts.length; code++) {
                levelOf[k][code] = Arrays.binarySearch(sorted, texts[code]);
            }
            cols.add(c);
        }
        return new Encoded(FeatureEncoding.of(cols), levelOf);
    }

    /** The model inputs from the raw feature matrix {@code [rows, features]} and the text columns' codes. */
    private static float[] expand(float[] raw, int features, KeptRows rows, Encoded enc) {
        FeatureEncoding e = enc.encoding();
        int width = e.width();
        int n = (int) rows.rows();
        int[] offset = new int[features];
        for (int k = 1; k < features; k++) {
            offset[k] = offset[k - 1] + e.columns().get(k - 1).width();
        }
        float[] x = new float[n * width];
        List<List<int[]>> codes = new ArrayList<>(features);
        for (int k = 0; k < features; k++) {
            codes.add(enc.levelOf()[k] == null ? null : rows.codes(k));
        }
        int units = rows.units();
        for (int u = 0; u < units; u++) {
            int base = (int) rows.base(u);
            int end = u + 1 < units ? (int) rows.base(u + 1) : n;
            for (int i = base; i < end; i++) {
                for (int k = 0; k < features; k++) {
                    if (codes.get(k) == null) {
                        x[i * width + offset[k]] = raw[i * features + k];
                    } else {
                        int code = codes.get(k).get(u)[i - base];
                        x[i * width + offset[k] + enc.levelOf()[k][code]] = 1f;
                    }
                }
            }
        }
        return x;
    }

    /** Each row's class index, from the target's codes (column {@code c} of the plan). */
    private static float[] classIndices(ClassLabels classes, List<String> texts, KeptRows rows, int c) {
        int[] byCode = new int[texts.size()];
        for (int k = 0; k < byCode.length; k++) {
            byCode[k] = classes.indexOf(texts.get(k));
        }
        int n = (int) rows.rows();
        float[] y = new float[n];
        List<int[]> codes = rows.codes(c);
        for (int u = 0; u < codes.size(); u++) {
            int base = (int) rows.base(u);
            int[] k = codes.get(u);
            for (int i = 0; i < k.length; i++) {
                y[base + i] = byCode[k[i]];
            }
        }
        return y;
    }
}
