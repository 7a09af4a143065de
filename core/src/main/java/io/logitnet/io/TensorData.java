package io.logitnet.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * A float32 tensor on the host, as stored in a checkpoint: its shape and its values in row-major order. The
 * arrays are shared, not copied, so that large weights are not duplicated; do not change them afterwards.
 *
 * @param shape dimensions, each ≥ 0; empty for a scalar
 * @param data  row-major values, exactly the product of the dimensions of them
 */
public record TensorData(int[] shape, float[] data) {
    public TensorData {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(data, "data");
        boolean zero = false;
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            if (d == 0) {
                zero = true;
            } else if (n <= Integer.MAX_VALUE) {
                n *= d; // both factors < 2^31: no overflow; once past 2^31 - 1 it can only mismatch
            }
        }
        long count = zero ? 0 : n;
        if (count != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds "
                    + (count > Integer.MAX_VALUE ? "more than 2^31 - 1" : String.valueOf(count)) + " values, but "
                    + data.length + " are given");
        }
    }

    /** A tensor of the given values and shape: {@code TensorData.of(w, out, in)}. */
    public static TensorData of(float[] data, int... shape) {
        return new TensorData(shape.clone(), data);
    }

    /** Number of values. */
    public int size() {
        return data.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorData t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "TensorData" + Arrays.toString(shape);
    }
}
