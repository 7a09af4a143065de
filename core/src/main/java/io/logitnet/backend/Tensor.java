package io.logitnet.backend;

/**
 * A dense row-major float32 matrix {@code [rows, cols]} that lives on one backend and owns its memory there.
 * Close it to release the memory; using a closed tensor is an error. A vector is a {@code [1, n]} or {@code [n, 1]}
 * matrix. Tensors are created only by their {@link Backend}.
 */
public interface Tensor extends AutoCloseable {
    int rows();

    int cols();

    /** rows × cols. */
    default long size() {
        return (long) rows() * cols();
    }

    Backend backend();

    boolean isClosed();

    /** Copies the contents to a new host array (synchronizes with the device). */
    default float[] toArray() {
        float[] out = new float[Math.toIntExact(size())];
        backend().download(this, out, 0);
        return out;
    }

    default int[] shape() {
        return new int[] {rows(), cols()};
    }

    /** Releases the memory; never throws; closing twice is harmless. */
    @Override
    void close();
}
