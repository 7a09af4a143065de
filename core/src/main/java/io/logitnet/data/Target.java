package io.logitnet.data;

import java.util.Objects;

/**
 * The target column of a data file and what its cells are: class labels, values (regression) or counts (Poisson
 * regression). Class labels are collected from the training file ({@link #classes(String)}) or given, as stored
 * with a model ({@link #classes(String, ClassLabels)}); a label outside the given ones is an error at its line.
 *
 * @param column the column's name in the header
 * @param kind   what its cells are
 * @param labels the known class labels, or null (collected from the file; only for {@link Kind#CLASSES})
 */
public record Target(String column, Kind kind, ClassLabels labels) {
    /** What the target's cells are. */
    public enum Kind {
        /** Class labels: any text but an empty one, trimmed. */
        CLASSES,
        /** Finite numbers. */
        VALUES,
        /** Finite numbers, none negative. */
        COUNTS
    }

    public Target {
        Objects.requireNonNull(column, "target column");
        Objects.requireNonNull(kind, "target kind");
        if (labels != null && kind != Kind.CLASSES) {
            throw new IllegalArgumentException("class labels given for a target of " + kind);
        }
    }

    /** Class labels, collected from the file. */
    public static Target classes(String column) {
        return new Target(column, Kind.CLASSES, null);
    }

    /** Class labels, each one of {@code labels}. */
    public static Target classes(String column, ClassLabels labels) {
        return new Target(column, Kind.CLASSES, Objects.requireNonNull(labels, "labels"));
    }

    /** Finite numbers (regression). */
    public static Target values(String column) {
        return new Target(column, Kind.VALUES, null);
    }

    /** Finite numbers, none negative (Poisson regression). */
    public static Target counts(String column) {
        return new Target(column, Kind.COUNTS, null);
    }
}
