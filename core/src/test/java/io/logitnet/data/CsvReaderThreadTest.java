package io.logitnet.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The reading thread of the CSV pipeline never leaves its reader waiting, and its blocks fit a small heap. */
class CsvReaderThreadTest {

    /** A stream that gives {@code good} bytes and then fails with {@code failure}. */
    private static InputStream failingAfter(byte[] good, Error failure) {
        return new InputStream() {
            private final ByteArrayInputStream in = new ByteArrayInputStream(good);

            @Override
            public int read() {
                int b = in.read();
                if (b < 0) {
                    throw failure;
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                int n = in.read(b, off, len);
                if (n < 0) {
                    throw failure;
                }
                return n;
            }
        };
    }

    @Test
    void anErrorOfTheReadingThreadReachesTheReaderAsItIs() {
        byte[] csv = "a,b\n1,2\n3,4\n".getBytes(StandardCharsets.UTF_8);
        OutOfMemoryError oom = new OutOfMemoryError("Java heap space (test)");
        OutOfMemoryError thrown = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(OutOfMemoryError.class, () -> CsvReader.read(failingAfter(csv, oom), "t.csv")),
                "the reader does not wait for a thread that has died");
        assertSame(oom, thrown);
        StackOverflowError soe = new StackOverflowError();
        assertSame(soe, assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(StackOverflowError.class, () -> CsvReader.read(failingAfter(new byte[0], soe),
                        "u.csv"))));
    }

    @Test
    void blocksAreAFractionOfASmallHeapAndFourMebibytesInALargeOne() {
        CsvTuning small = CsvTuning.forHeap(24L << 20);
        assertTrue(8L * small.blockBytes() <= (24L << 20) / 8, "eight blocks fit an eighth of the heap");
        assertTrue(small.minRegionBytes() <= small.blockBytes() / 2);
        assertEquals(64 << 10, CsvTuning.forHeap(1L << 20).blockBytes(), "never below 64 KiB");
        assertEquals(4 << 20, CsvTuning.forHeap(8L << 30).blockBytes());
        assertEquals(256 << 10, CsvTuning.forHeap(8L << 30).minRegionBytes());
    }
}
