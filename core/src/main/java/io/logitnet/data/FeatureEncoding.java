package io.logitnet.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * How the feature columns of a file become a model's inputs, so that a trained model reads other files the same
 * way: the columns by name, in input order; a numeric column gives one input, its value; a text column gives one
 * input per level (its distinct values in training, sorted), named {@code column=level}, 1 for the row's level and
 * 0 for the others (one-hot). Stored with a model as JSON ({@link #toJson()}, {@link #fromJson}).
 *
 * <p>Applied to another file ({@link CsvReader#read(java.nio.file.Path, FeatureEncoding, Target)}), columns are
 * found by name, in any order; a level that training did not see, and text in a numeric column, are errors naming
 * line, column and value. For a GLM, {@link #withReferenceLevels()} leaves out each text column's first level (R's
 * treatment coding): its coefficients are then each level's difference from the first.
 */
public final class FeatureEncoding {
    /** The JSON format version that {@link #toJson()} writes and {@link #fromJson} reads. */
    public static final int FORMAT = 1;
    /** Most levels of a text feature column: more is usually an id, a name or free text, not a category. */
    public static final int MAX_LEVELS = 1000;

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One feature column.
     *
     * @param name      its name in the header
     * @param levels    empty for a numeric column; for a text column its levels, sorted, distinct, none empty
     * @param dropFirst for a text column: its first level is the reference and has no input of its own (all its
     *                  inputs are 0), as R's treatment contrasts code a factor for a model with an intercept
     */
    public record Column(String name, List<String> levels, boolean dropFirst) {
        /** A column with one input per level (no reference level). */
        public Column(String name, List<String> levels) {
            this(name, levels, false);
        }

        public Column {
            if (dropFirst && levels.isEmpty()) {
                throw new IllegalArgumentException("column '" + name + "': a numeric column has no reference level");
            }
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("a feature column needs a name");
            }
            levels = List.copyOf(levels);
            for (int i = 0; i < levels.size(); i++) {
                if (levels.get(i).isEmpty()) {
                    throw new IllegalArgumentException("column '" + name + "': a level is empty");
                }
                if (i > 0 && levels.get(i - 1).compareTo(levels.get(i)) >= 0) {
                    throw new IllegalArgumentException("column '" + name + "': levels must be sorted and distinct, "
                            + "got '" + levels.get(i - 1) + "' before '" + levels.get(i) + "'");
                }
            }
        }

        /** A numeric column. */
        public static Column numeric(String name) {
            return new Column(name, List.of());
        }

        /** A text column with these levels (sorted here). */
        public static Column text(String name, List<String> levels) {
            if (levels.isEmpty()) {
                throw new IllegalArgumentException("text column '" + name + "' needs at least one level");
            }
            List<String> sorted = new ArrayList<>(levels);
            sorted.sort(null);
            return new Column(name, sorted);
        }

        /** Whether it is a numeric column. */
        public boolean numeric() {
            return levels.isEmpty();
        }

        /** The inputs it gives: 1, or one per level (but the reference level). */
        public int width() {
            return numeric() ? 1 : levels.size() - (dropFirst ? 1 : 0);
        }

        /** The names of its inputs: the column's, or {@code column=level} per level (but the reference level). */
        List<String> inputNames() {
            if (numeric()) {
                return List.of(name);
            }
            List<String> out = new ArrayList<>();
            for (int i = dropFirst ? 1 : 0; i < levels.size(); i++) {
                out.add(name + "=" + levels.get(i));
            }
            return out;
        }
    }

    private final List<Column> columns;
    private final List<String> featureNames;

    private FeatureEncoding(List<Column> columns) {
        if (columns.isEmpty()) {
            throw new IllegalArgumentException("a feature encoding needs at least one column");
        }
        this.columns = List.copyOf(columns);
        Set<String> names = new HashSet<>();
        List<String> outputs = new ArrayList<>();
        for (Column c : this.columns) {
            if (!names.add(c.name())) {
                throw new IllegalArgumentException("feature column '" + c.name() + "' appears twice");
            }
            outputs.addAll(c.inputNames());
        }
        if (outputs.isEmpty()) {
            throw new IllegalArgumentException("the feature columns give no input (text columns of one level, which "
                    + "is the reference level)");
        }
        if (new HashSet<>(outputs).size() != outputs.size()) {
            throw new IllegalArgumentException("two inputs would have the same name: " + outputs);
        }
        this.featureNames = List.copyOf(outputs);
    }

    /**
     * These columns, in input order.
     *
     * @throws IllegalArgumentException for no column, a column named twice, or two inputs of the same name
     */
    public static FeatureEncoding of(List<Column> columns) {
        return new FeatureEncoding(columns);
    }

    /** Numeric columns only: what a model trained before text features existed takes. */
    public static FeatureEncoding numeric(List<String> names) {
        return new FeatureEncoding(names.stream().map(Column::numeric).toList());
    }

    /** The columns, in input order. */
    public List<Column> columns() {
        return columns;
    }

    /** Names of the columns, in input order. */
    public List<String> columnNames() {
        return columns.stream().map(Column::name).toList();
    }

    /** Number of model inputs. */
    public int width() {
        return featureNames.size();
    }

    /** The name of every input: the column's name, or {@code column=level} for a one-hot input. */
    public List<String> featureNames() {
        return featureNames;
    }

    /**
     * The same columns with each text column's first level as the reference (no input of its own): the coding a
     * model with an intercept and no penalty needs, whose one-hot inputs would otherwise sum to the intercept's.
     */
    public FeatureEncoding withReferenceLevels() {
        return new FeatureEncoding(columns.stream().map(c -> c.numeric() ? c
                : new Column(c.name(), c.levels(), true)).toList());
    }

    /** The same columns with one input per level (what the readers write before {@link #project}). */
    FeatureEncoding full() {
        return new FeatureEncoding(columns.stream().map(c -> c.numeric() ? c
                : new Column(c.name(), c.levels(), false)).toList());
    }

    /** Whether a text column has a reference level. */
    boolean dropsLevels() {
        return columns.stream().anyMatch(Column::dropFirst);
    }

    /** Rows {@code [rows, full().width()]} as this encoding's inputs {@code [rows, width()]}. */
    float[] project(float[] full, int rows) {
        if (!dropsLevels()) {
            return full;
        }
        int fullWidth = full().width();
        int[] keep = new int[width()];
        int at = 0;
        int from = 0;
        for (Column c : columns) {
            int w = c.numeric() ? 1 : c.levels().size();
            for (int i = 0; i < w; i++) {
                if (!(c.dropFirst() && i == 0)) {
                    keep[at++] = from + i;
                }
            }
            from += w;
        }
        float[] out = new float[rows * keep.length];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < keep.length; j++) {
                out[r * keep.length + j] = full[r * fullWidth + keep[j]];
            }
        }
        return out;
    }

    /** Whether every column is numeric. */
    public boolean allNumeric() {
        return columns.stream().allMatch(Column::numeric);
    }

    /**
     * As JSON: {@code {"format":1,"columns":[{"name":"x","type":"number"},
     * {"name":"color","type":"text","levels":["blue","red"]}]}}.
     */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        ArrayNode cols = root.putArray("columns");
        for (Column c : columns) {
            ObjectNode o = cols.addObject();
            o.put("name", c.name());
            o.put("type", c.numeric() ? "number" : "text");
            if (!c.numeric()) {
                ArrayNode levels = o.putArray("levels");
                c.levels().forEach(levels::add);
                if (c.dropFirst()) {
                    o.put("reference", c.levels().get(0));
                }
            }
        }
        return root.toString();
    }

    /**
     * From {@link #toJson()}'s form.
     *
     * @throws IllegalArgumentException naming the field that is missing or wrong (an unknown format version, a type
     *                                  other than number or text, unsorted or repeated levels, ...)
     */
    public static FeatureEncoding fromJson(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("feature encoding: not JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("feature encoding: not a JSON object");
        }
        JsonNode format = root.get("format");
        if (format == null || !format.isInt() || format.intValue() != FORMAT) {
            throw new IllegalArgumentException("feature encoding: format " + format + " is not " + FORMAT
                    + ", the version this library reads");
        }
        JsonNode cols = root.get("columns");
        if (cols == null || !cols.isArray()) {
            throw new IllegalArgumentException("feature encoding: 'columns' must be an array");
        }
        List<Column> out = new ArrayList<>();
        for (int i = 0; i < cols.size(); i++) {
            String at = "feature encoding: columns[" + i + "]";
            JsonNode c = cols.get(i);
            JsonNode name = c.get("name");
            JsonNode type = c.get("type");
            if (name == null || !name.isTextual()) {
                throw new IllegalArgumentException(at + ".name must be a string");
            }
            if (type == null || !(type.asText().equals("number") || type.asText().equals("text"))) {
                throw new IllegalArgumentException(at + ".type must be \"number\" or \"text\", got " + type);
            }
            try {
                if (type.asText().equals("number")) {
                    if (c.has("levels")) {
                        throw new IllegalArgumentException("a number column has no levels");
                    }
                    out.add(Column.numeric(name.asText()));
                } else {
                    JsonNode levels = c.get("levels");
                    if (levels == null || !levels.isArray() || levels.isEmpty()) {
                        throw new IllegalArgumentException("levels must be a non-empty array of strings");
                    }
                    List<String> l = new ArrayList<>();
                    for (JsonNode v : levels) {
                        if (!v.isTextual()) {
                            throw new IllegalArgumentException("levels must be strings, got " + v);
                        }
                        l.add(v.asText());
                    }
                    JsonNode reference = c.get("reference");
                    if (reference != null && !(reference.isTextual() && !l.isEmpty()
                            && reference.asText().equals(l.get(0)))) {
                        throw new IllegalArgumentException("reference must be the first level");
                    }
                    out.add(new Column(name.asText(), l, reference != null));
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(at + ": " + e.getMessage(), e);
            }
        }
        try {
            return new FeatureEncoding(out);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("feature encoding: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FeatureEncoding other && columns.equals(other.columns);
    }

    @Override
    public int hashCode() {
        return columns.hashCode();
    }

    @Override
    public String toString() {
        return "FeatureEncoding" + featureNames;
    }
}
