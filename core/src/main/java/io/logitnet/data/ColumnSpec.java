package io.logitnet.data;

import java.util.List;

/**
 * How one column of the file is read: what its cells must be, and where the parsed values go.
 *
 * @param name   the column's name in the header
 * @param index  its 0-based position in the file
 * @param mode   what the cells must be
 * @param matrix which float matrix receives its numbers: 0 the features, 1 the target
 * @param slot   the first value of a row that it fills in that matrix
 * @param known  for {@link Mode#LABEL} and {@link Mode#ONE_HOT} with a stored list: the allowed values in index
 *               order (null: any value, collected)
 */
record ColumnSpec(String name, int index, Mode mode, int matrix, int slot, List<String> known) {
    /** What the cells of a column must be. */
    enum Mode {
        /** Anything; nothing fails while reading. Numbers and texts are kept for later use (CsvTable). */
        AUTO,
        /** A training feature: all numbers, or all text (to be one-hot encoded); empty cells fail at once. */
        FEATURE,
        /** Finite numbers. */
        NUMBER,
        /** Finite numbers, none negative (Poisson counts). */
        COUNT,
        /** Class labels: any text but an empty one. */
        LABEL,
        /** One of the {@code known} levels, written one-hot into {@code known.size()} values from the slot. */
        ONE_HOT
    }

    /** Whether the column's cells are interned as text codes. */
    boolean keepsCodes() {
        return mode == Mode.AUTO || mode == Mode.FEATURE || (mode == Mode.LABEL && known == null);
    }
}
