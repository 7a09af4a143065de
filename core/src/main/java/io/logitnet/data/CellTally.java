package io.logitnet.data;

/**
 * What a column's cells were, in one region or the whole file: how many numbers and how many texts, and the first
 * cell of each kind with its line, so that an error can name the earliest one.
 */
class CellTally {
    /** A cell as written, and the line of its row. */
    record Seen(long line, String cell) {
    }

    long numbers;
    long texts;
    /** The first number. */
    Seen firstNumber;
    /** The first text (not a number, not empty). */
    Seen firstText;
    /** The first cell that is not a finite number (text, empty, NaN, out of range). */
    Seen firstBad;
    /** The first empty cell. */
    Seen firstEmpty;

    /** Adds what a later part of the file held: counts add up, the first cells stay the earliest. */
    void add(CellTally later) {
        numbers += later.numbers;
        texts += later.texts;
        firstNumber = firstNumber != null ? firstNumber : later.firstNumber;
        firstText = firstText != null ? firstText : later.firstText;
        firstBad = firstBad != null ? firstBad : later.firstBad;
        firstEmpty = firstEmpty != null ? firstEmpty : later.firstEmpty;
    }
}
