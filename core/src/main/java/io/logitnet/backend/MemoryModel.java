package io.logitnet.backend;

/**
 * How a backend spends device memory, for a memory plan computed before anything is allocated: what one tensor
 * takes as the backend allocates it, and the scratch memory its operations borrow while they run (released, or
 * kept for reuse, afterwards). Each backend answers for its own allocator, so that a plan it admits holds.
 */
public interface MemoryModel {
    /** Four bytes per element and no scratch: a backend that says nothing more. */
    MemoryModel PLAIN = new MemoryModel() {
    };

    /** Device bytes one tensor of {@code elements} floats takes, as allocated (rounding, headers). */
    default long tensorBytes(long elements) {
        return 4 * elements;
    }

    /** Scratch a {@code gemm} producing {@code [m, n]} over a reduction of {@code k} borrows in precision p. */
    default long gemmScratchBytes(Precision p, long m, long n, long k) {
        return 0;
    }

    /** Scratch {@code columnSums} (and {@code activationBackwardColumnSums}) of a {@code [rows, cols]} tensor borrows. */
    default long columnSumsScratchBytes(long rows, long cols) {
        return 0;
    }

    /** Scratch {@code dot} and {@code norm2} of {@code n} elements borrow. */
    default long dotScratchBytes(long n) {
        return 0;
    }

    /**
     * What the backend will take for itself once training runs, beyond tensors and transient scratch, given the largest
     * scratch of one operation: e.g. CUDA graphs keep cuBLAS's workspace and each graph's scratch (a full and a
     * partial batch: two graphs) for as long as they live. 0 unless a backend says otherwise.
     */
    default long trainingExtraBytes(long largestScratch) {
        return 0;
    }

    /** What the backend holds for itself while open (scalar buffers, minimum scratch, library workspaces). */
    default long fixedBytes() {
        return 0;
    }
}
