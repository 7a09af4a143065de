package io.logitnet.opencl;

/**
 * The shape of a kernel launch, in work-groups and work-items per group (the CUDA backend's {@code Grid} is the
 * same record: blocks and threads per block). OpenCL's global size is groups × local in each dimension.
 *
 * @param groupsX work-groups along dimension 0
 * @param groupsY work-groups along dimension 1 (1 for a one-dimensional launch)
 * @param localX  work-items per group along dimension 0
 * @param localY  work-items per group along dimension 1
 */
record Grid(long groupsX, long groupsY, int localX, int localY) {
    /** One work-item per element of n, in groups of {@code local}. */
    static Grid elements(long n, int local) {
        return new Grid(Math.max(1, (n + local - 1) / local), 1, local, 1);
    }

    /** One group of {@code local} work-items per row. */
    static Grid rows(long rows, int local) {
        return new Grid(rows, 1, local, 1);
    }

    /** Work-items in each dimension (a one-dimensional kernel sees dimension 1 of size 1). */
    long[] global() {
        return new long[] {groupsX * localX, groupsY * localY};
    }

    long[] local() {
        return new long[] {localX, localY};
    }
}
