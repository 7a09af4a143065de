package io.logitnet.data;

import io.logitnet.InvalidDataException;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The classes of a classifier: distinct label texts, each with its class index. {@link #fit} takes them from a
 * training file's target column, sorted so that the same labels always get the same indices: by value when every
 * label is a number ({@code "2"} before {@code "10"}), else by text. A model stores {@link #labels()} and gets
 * them back with {@link #of}, so that a test file's labels map to the indices the model was trained with. A label
 * is its cell without surrounding spaces and tabs (the one trimming rule of {@link CsvReader}); an empty one is an
 * error at its line and column.
 */
public final class ClassLabels {
    private final List<String> labels;
    private final Map<String, Integer> index;

    private ClassLabels(List<String> labels) {
        this.labels = List.copyOf(labels);
        Map<String, Integer> idx = new HashMap<>();
        for (int i = 0; i < this.labels.size(); i++) {
            if (idx.put(this.labels.get(i), i) != null) {
                throw new IllegalArgumentException("label '" + this.labels.get(i) + "' appears twice in " + labels);
            }
        }
        this.index = idx;
    }

    /**
     * The labels in the given order (label i is class i), as stored with a trained model.
     *
     * @throws IllegalArgumentException if there are fewer than two, or one appears twice
     */
    public static ClassLabels of(List<String> labels) {
        if (labels.size() < 2) {
            throw new IllegalArgumentException("a classifier needs at least two classes, got " + labels);
        }
        return new ClassLabels(labels);
    }

    /**
     * The sorted distinct labels of a target column (each cell trimmed of surrounding spaces and tabs).
     *
     * @throws InvalidDataException if the column is missing (the header is listed), a cell is empty (with its line
     *                              and column), the column holds a single label (the value is that label, the column
     *                              its position), or more distinct numbers than a table keeps the text of
     */
    public static ClassLabels fit(CsvTable table, String target) {
        int j = table.columnIndex(target);
        CsvLoad.ColumnData d = table.columnData(j);
        if (d.firstEmpty != null) {
            throw emptyLabel(table.source(), d.firstEmpty.line(), j + 1, d.firstEmpty.cell(), target);
        }
        if (d.overflowed) {
            throw new InvalidDataException(table.source(), table.headerLine(), j + 1, target, "target column '"
                    + target + "' has more than " + RowParser.MAX_NUMBER_TEXTS + " distinct values: not class "
                    + "labels (a regression target?)");
        }
        return of(table.source(), j + 1, target, java.util.Arrays.asList(table.texts(j)), table.rowCount());
    }

    /**
     * The labels of a target column given its distinct trimmed texts.
     *
     * @throws InvalidDataException if there is only one
     */
    static ClassLabels of(String source, long column, String target, java.util.Collection<String> distinct,
                          long rows) {
        if (distinct.size() < 2) {
            String only = distinct.iterator().next();
            throw new InvalidDataException(source, 0, column, only, "target column '" + target
                    + "' holds a single class '" + only + "' in all " + rows
                    + " rows; a classifier needs at least two classes");
        }
        return new ClassLabels(sorted(distinct));
    }

    /** The error for an empty target cell. */
    static InvalidDataException emptyLabel(String source, long line, long column, String cell, String target) {
        return new InvalidDataException(source, line, column, cell,
                "empty cell in target column '" + target + "': every row needs a class label");
    }

    /** Numeric order when every label is a number (ties, such as "1" and "1.0", by text), else text order. */
    static List<String> sorted(java.util.Collection<String> distinct) {
        Map<String, BigDecimal> values = new HashMap<>();
        for (String s : distinct) {
            BigDecimal v = CsvCells.exactValue(s);
            if (v == null) {
                List<String> text = new ArrayList<>(distinct);
                text.sort(Comparator.naturalOrder());
                return text;
            }
            values.put(s, v);
        }
        List<String> out = new ArrayList<>(distinct);
        out.sort(Comparator.comparing((String s) -> values.get(s)).thenComparing(Comparator.naturalOrder()));
        return out;
    }

    /** The labels; label i is class i. */
    public List<String> labels() {
        return labels;
    }

    /** Number of classes. */
    public int size() {
        return labels.size();
    }

    /** The label of class {@code index}. */
    public String label(int index) {
        return labels.get(index);
    }

    /** The class index of a label, or -1 when it is not one of these labels. */
    public int indexOf(String label) {
        Integer i = index.get(label);
        return i == null ? -1 : i;
    }

    /** Whether every label is a number, so that they are ordered by value. */
    public boolean numeric() {
        for (String s : labels) {
            if (CsvCells.exactValue(s) == null) {
                return false;
            }
        }
        return true;
    }

    /**
     * The class index of every row's label in a target column (trimmed, as {@link #fit} does).
     *
     * @throws InvalidDataException if the column is missing, or a label is empty or not one of these (with its line,
     *                              column and the label; the message lists the known labels)
     */
    public int[] encode(CsvTable table, String target) {
        int j = table.columnIndex(target);
        String[] texts = table.texts(j);
        int[] byCode = new int[texts.length];
        for (int k = 0; k < texts.length; k++) {
            byCode[k] = indexOf(texts[k]);
        }
        int[] out = new int[table.rowCount()];
        for (int i = 0; i < out.length; i++) {
            int code = table.code(i, j);
            int c = code >= 0 ? byCode[code] : indexOf(table.cell(i, j));
            if (c < 0) {
                String label = table.cell(i, j);
                if (label.isEmpty()) {
                    throw emptyLabel(table.source(), table.line(i), j + 1, label, target);
                }
                throw new InvalidDataException(table.source(), table.line(i), j + 1, label, "label '" + label
                        + "' in column '" + target + "' is not one the model knows; known labels: "
                        + shortList(labels));
            }
            out[i] = c;
        }
        return out;
    }

    /** At most the first 20 labels, so that a message stays readable. */
    static String shortList(List<String> labels) {
        if (labels.size() <= 20) {
            return labels.toString();
        }
        return labels.subList(0, 20).toString().replaceFirst("]$", ", ... (" + labels.size() + " in all)]");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClassLabels other && labels.equals(other.labels);
    }

    @Override
    public int hashCode() {
        return labels.hashCode();
    }

    @Override
    public String toString() {
        return "ClassLabels" + labels;
    }
}
