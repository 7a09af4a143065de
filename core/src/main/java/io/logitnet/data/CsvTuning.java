package io.logitnet.data;

/**
 * Block and region sizes of the CSV pipeline. Tests shrink them to put block and region boundaries everywhere.
 *
 * @param blockBytes     bytes read per block (a longer record gets a larger block)
 * @param minRegionBytes regions are not cut smaller than this
 */
record CsvTuning(int blockBytes, int minRegionBytes) {
    /**
     * Blocks of 4 MiB, regions of at least 256 KiB; in a small heap, blocks of a 64th of it (at least 64 KiB), since
     * up to eight blocks are held at once (two ready, four to reuse, the one being filled and the next).
     */
    static final CsvTuning DEFAULT = forHeap(Runtime.getRuntime().maxMemory());

    static CsvTuning forHeap(long maxHeapBytes) {
        int block = (int) Math.max(64 << 10, Math.min(4 << 20, maxHeapBytes / 64));
        return new CsvTuning(block, Math.min(256 << 10, block / 2));
    }
}
