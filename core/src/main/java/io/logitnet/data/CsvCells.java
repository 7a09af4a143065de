package io.logitnet.data;

import ch.randelshofer.fastdoubleparser.JavaFloatParser;
import io.logitnet.InvalidDataException;

import java.math.BigDecimal;

/**
 * Single CSV cells: the trimming rule, what counts as a number, and why a cell is not one.
 *
 * <p>One trimming rule for every cell, quoted or not: surrounding spaces and tabs are removed before the cell is
 * used as a number, a class label, a one-hot level or a column name. A number is then an optional sign, decimal
 * digits with an optional point, and an optional exponent ({@code 1}, {@code -0.5}, {@code .5}, {@code 3.},
 * {@code 1e-3}), parsed to the correctly rounded float32 by FastDoubleParser. Not numbers: empty cells, NaN and
 * infinities in any spelling, Java-only forms such as {@code 1f} or hex, and values outside the float32 range.
 */
final class CsvCells {
    private CsvCells() {
    }

    /** Why a cell cannot be used as a number. */
    enum Problem {
        /** Empty, or only spaces and tabs. */
        EMPTY("empty cell where a number is expected"),
        /** NaN or an infinity, in any spelling. */
        NOT_FINITE("NaN and infinity are not accepted; every value must be a finite number"),
        /** A decimal number beyond the float32 range. */
        OUT_OF_RANGE("number outside the float32 range (largest magnitude about 3.4e38)"),
        /** Any other text. */
        TEXT("not a number");

        private final String message;

        Problem(String message) {
            this.message = message;
        }

        String message() {
            return message;
        }

        /** The problem of a cell that is not a number, from its text (as written). */
        static Problem of(String cell) {
            String s = trim(cell);
            if (s.isEmpty()) {
                return EMPTY;
            }
            if (isDecimal(s)) {
                return OUT_OF_RANGE;
            }
            return isNanOrInfinity(s) ? NOT_FINITE : TEXT;
        }
    }

    /**
     * The error for a cell that is not a number; a plain text in a column that should hold numbers is a
     * {@link ColumnTypeException}.
     */
    static InvalidDataException notANumber(String source, long line, long column, String columnName, String cell) {
        Problem p = Problem.of(cell);
        if (p == Problem.TEXT && columnName != null) {
            return new ColumnTypeException(source, line, column, cell, columnName,
                    ColumnTypeException.Kind.TEXT_IN_NUMERIC_COLUMN, "text in a numeric column '" + columnName
                            + "': not a number");
        }
        return new InvalidDataException(source, line, column, cell, p.message());
    }

    // ---- bytes ----

    /** The first index in [from, to) that is not a space or tab, or {@code to}. */
    static int trimStart(byte[] b, int from, int to) {
        while (from < to && (b[from] == ' ' || b[from] == '\t')) {
            from++;
        }
        return from;
    }

    /** One past the last index in [from, to) that is not a space or tab, or {@code from}. */
    static int trimEnd(byte[] b, int from, int to) {
        while (to > from && (b[to - 1] == ' ' || b[to - 1] == '\t')) {
            to--;
        }
        return to;
    }

    /** Whether b[from, to) (already trimmed) is a plain decimal number. */
    static boolean isDecimal(byte[] b, int from, int to) {
        int i = from;
        if (i < to && (b[i] == '+' || b[i] == '-')) {
            i++;
        }
        int digits = 0;
        while (i < to && b[i] >= '0' && b[i] <= '9') {
            i++;
            digits++;
        }
        if (i < to && b[i] == '.') {
            i++;
            while (i < to && b[i] >= '0' && b[i] <= '9') {
                i++;
                digits++;
            }
        }
        if (digits == 0) {
            return false;
        }
        if (i < to && (b[i] == 'e' || b[i] == 'E')) {
            i++;
            if (i < to && (b[i] == '+' || b[i] == '-')) {
                i++;
            }
            int expDigits = 0;
            while (i < to && b[i] >= '0' && b[i] <= '9') {
                i++;
                expDigits++;
            }
            if (expDigits == 0) {
                return false;
            }
        }
        return i == to;
    }

    /** The float32 nearest to the decimal number b[from, to), which {@link #isDecimal} accepted. */
    static float parse(byte[] b, int from, int to) {
        return JavaFloatParser.parseFloat(b, from, to - from);
    }

    // ---- text ----

    /** Whether the cell is a plain decimal number (as the reader accepts), after trimming. */
    static boolean isDecimal(String s) {
        int n = s.length();
        byte[] ascii = new byte[n];
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c > 0x7f) {
                return false;
            }
            ascii[i] = (byte) c;
        }
        return isDecimal(ascii, 0, n);
    }

    /** The exact value of a decimal cell, for ordering numeric labels; null when it is not one. */
    static BigDecimal exactValue(String cell) {
        String s = trim(cell);
        if (!isDecimal(s)) {
            return null;
        }
        try {
            return new BigDecimal(s.startsWith("+") ? s.substring(1) : s);
        } catch (NumberFormatException | ArithmeticException e) {
            return null; // an exponent beyond int range: not usable as a number, ordered as text
        }
    }

    /** The cell without surrounding spaces and tabs. */
    static String trim(String cell) {
        int b = 0;
        int e = cell.length();
        while (b < e && isBlank(cell.charAt(b))) {
            b++;
        }
        while (e > b && isBlank(cell.charAt(e - 1))) {
            e--;
        }
        return cell.substring(b, e);
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    private static boolean isNanOrInfinity(String s) {
        String t = s.startsWith("+") || s.startsWith("-") ? s.substring(1) : s;
        return t.equalsIgnoreCase("nan") || t.equalsIgnoreCase("inf") || t.equalsIgnoreCase("infinity");
    }

    /**
     * A float as text for a cell whose own text was not kept: an integral value without a fraction ({@code -1}),
     * anything else as Java's shortest round-trip form.
     */
    static String render(float v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e7f) {
            return v == 0 && Float.floatToRawIntBits(v) != 0 ? "-0" : Long.toString((long) v);
        }
        return Float.toString(v);
    }
}
