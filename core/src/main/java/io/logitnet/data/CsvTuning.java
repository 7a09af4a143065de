package io.logitnet.data;

/**
 * Block and region sizes of the CSV pipeline. Tests shrink them to put block and region boundaries everywhere.
 *
 * @param blockBytes     bytes read per block (a longer record gets a larger block)
 * @param minRegionBytes regions are not cut smaller than this
 */
record CsvTuning(int blockBytes, int minRegionBytes) {
    /** Blocks of 4 MiB, regions of at least 256 KiB. */
    static final CsvTuning DEFAULT = new CsvTuning(4 << 20, 256 << 10);
}
