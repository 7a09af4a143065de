package io.logitnet;

/**
 * Input data that cannot be used, with where it came from: the source (a file name, or a description such as
 * "labels array"), 1-based line and column where they apply (0 when not), and the offending value.
 */
public class InvalidDataException extends LogitNetException {
    private final String source;
    private final long line;
    private final long column;
    private final String value;

    public InvalidDataException(String source, long line, long column, String value, String problem) {
        super(location(source, line, column) + ": " + problem + (value == null ? "" : " (value: " + quote(value) + ")"));
        this.source = source;
        this.line = line;
        this.column = column;
        this.value = value;
    }

    /** A problem with the data as a whole, not one cell. */
    public InvalidDataException(String source, String problem) {
        this(source, 0, 0, null, problem);
    }

    private static String location(String source, long line, long column) {
        StringBuilder sb = new StringBuilder(source);
        if (line > 0) {
            sb.append(':').append(line);
            if (column > 0) {
                sb.append(':').append(column);
            }
        }
        return sb.toString();
    }

    private static String quote(String v) {
        String s = v.length() > 60 ? v.substring(0, 57) + "..." : v;
        return "'" + s + "'";
    }

    public String source() {
        return source;
    }

    public long line() {
        return line;
    }

    public long column() {
        return column;
    }

    public String value() {
        return value;
    }
}
