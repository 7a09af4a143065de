package io.logitnet.data;

import io.logitnet.InvalidDataException;

import java.math.BigDecimal;

/** Parsing of single CSV cells as numbers, strict enough that every rejected cell gets a precise error. */
final class CsvCells {
    private CsvCells() {
    }

    /**
     * The cell as a finite float32. Accepted: optional surrounding spaces or tabs, an optional sign, decimal digits
     * with an optional point, an optional exponent ({@code 1}, {@code -0.5}, {@code .5}, {@code 3.}, {@code 1e-3}).
     * Rejected: empty cells, NaN and infinities in any spelling, Java-only forms such as {@code 1f} or hex, and
     * values outside the float32 range.
     *
     * @throws InvalidDataException naming source, line, column and the cell
     */
    static float parseFinite(String cell, String source, long line, long column) {
        String s = trim(cell);
        if (s.isEmpty()) {
            throw new InvalidDataException(source, line, column, cell, "empty cell where a number is expected");
        }
        if (!isDecimal(s)) {
            if (isNanOrInfinity(s)) {
                throw new InvalidDataException(source, line, column, cell,
                        "NaN and infinity are not accepted; every value must be a finite number");
            }
            throw new InvalidDataException(source, line, column, cell, "not a number");
        }
        float v = Float.parseFloat(s);
        if (Float.isInfinite(v)) {
            throw new InvalidDataException(source, line, column, cell,
                    "number outside the float32 range (largest magnitude about 3.4e38)");
        }
        return v;
    }

    /** Whether the cell is a plain decimal number (as {@link #parseFinite} accepts), after trimming. */
    static boolean isDecimal(String s) {
        int n = s.length();
        int i = 0;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            i++;
        }
        int digits = 0;
        while (i < n && isDigit(s.charAt(i))) {
            i++;
            digits++;
        }
        if (i < n && s.charAt(i) == '.') {
            i++;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
                digits++;
            }
        }
        if (digits == 0) {
            return false;
        }
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                i++;
            }
            int expDigits = 0;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
                expDigits++;
            }
            if (expDigits == 0) {
                return false;
            }
        }
        return i == n;
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

    static boolean isBlank(String cell) {
        for (int i = 0; i < cell.length(); i++) {
            if (!isBlank(cell.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isNanOrInfinity(String s) {
        String t = s.startsWith("+") || s.startsWith("-") ? s.substring(1) : s;
        return t.equalsIgnoreCase("nan") || t.equalsIgnoreCase("inf") || t.equalsIgnoreCase("infinity");
    }
}
