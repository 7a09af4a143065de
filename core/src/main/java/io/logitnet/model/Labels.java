package io.logitnet.model;

import io.logitnet.InvalidDataException;

/** Checks on class labels given as numbers. */
final class Labels {
    private Labels() {
    }

    /** Labels must be integers in [0, classes); returns the class count (max label + 1 when classes is 0). */
    static int check(float[] y, int classes, String model) {
        int max = -1;
        for (int i = 0; i < y.length; i++) {
            float v = y[i];
            if (v != Math.rint(v) || v < 0 || (classes > 0 && v >= classes)) {
                throw new InvalidDataException("labels", i + 1, 0, String.valueOf(v), model + " needs class labels "
                        + "that are integers in [0, " + (classes > 0 ? classes : "K") + ") (row " + i + ", "
                        + (classes > 0 ? classes + " classes" : "class count from the largest label") + ")");
            }
            max = Math.max(max, (int) v);
        }
        int k = classes > 0 ? classes : max + 1;
        if (k < 2) {
            throw new InvalidDataException("labels", "a classifier needs at least 2 classes; every label is " + max);
        }
        return k;
    }
}
