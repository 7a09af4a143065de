package io.logitnet.cuda;

/**
 * The shape of a kernel launch, in blocks and threads per block (the OpenCL backend's {@code Grid} is the same
 * record: work-groups and work-items per group).
 *
 * @param groupsX blocks along x (at most 2^31-1)
 * @param groupsY blocks along y (at most 65535; 1 for a one-dimensional launch)
 * @param localX  threads per block along x
 * @param localY  threads per block along y
 */
record Grid(long groupsX, long groupsY, int localX, int localY) {
    Grid {
        if (groupsX < 1 || groupsX > Integer.MAX_VALUE || groupsY < 1 || groupsY > 65535) {
            throw new IllegalArgumentException("a CUDA grid of " + groupsX + " x " + groupsY + " blocks cannot be "
                    + "launched");
        }
    }

    /** {@code blocks} blocks of {@code threads} threads. */
    static Grid rows(long blocks, int threads) {
        return new Grid(blocks, 1, threads, 1);
    }
}
