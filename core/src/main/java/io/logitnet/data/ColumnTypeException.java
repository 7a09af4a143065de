package io.logitnet.data;

import io.logitnet.InvalidDataException;

/**
 * A cell that does not fit how its column is used: text in a column of numbers, a number among a column of text,
 * or a text column with too many distinct values to be one-hot encoded. Such a column is usually one that should
 * not be a feature at all (an id, a name, a free-text note), so a front end can add which of its options leave the
 * column out; {@link #columnName()} and {@link #kind()} say which column and what is wrong with it.
 */
public final class ColumnTypeException extends InvalidDataException {
    /** What does not fit. */
    public enum Kind {
        /** A text value in a column that holds numbers (by the stored encoding, the task, or most of its cells). */
        TEXT_IN_NUMERIC_COLUMN,
        /** A number in a column that mostly holds text. */
        NUMBER_IN_TEXT_COLUMN,
        /** A text column with more distinct values than one-hot encoding allows. */
        TOO_MANY_LEVELS
    }

    private final String columnName;
    private final Kind kind;

    /**
     * @param source     the file
     * @param line       1-based line of the cell
     * @param column     1-based column of the cell
     * @param value      the cell as written
     * @param columnName the column's name in the header
     * @param kind       what does not fit
     * @param problem    the message
     */
    public ColumnTypeException(String source, long line, long column, String value, String columnName, Kind kind,
                               String problem) {
        super(source, line, column, value, problem);
        this.columnName = columnName;
        this.kind = kind;
    }

    /** The column's name in the header. */
    public String columnName() {
        return columnName;
    }

    /** What does not fit. */
    public Kind kind() {
        return kind;
    }
}
