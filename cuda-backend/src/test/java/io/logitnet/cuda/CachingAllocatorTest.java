package io.logitnet.cuda;

import io.logitnet.DeviceOutOfMemoryException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The allocator's bookkeeping over a simulated device of fixed capacity. */
class CachingAllocatorTest {
    /** A block of the fake device. */
    record Block(int id, long bytes) {
    }

    /** A device with {@code capacity} bytes that records every native allocation and free. */
    static final class FakeDevice implements CachingAllocator.Memory<Block> {
        final long capacity;
        long used;
        int allocations;
        final List<Block> freed = new ArrayList<>();

        FakeDevice(long capacity) {
            this.capacity = capacity;
        }

        @Override
        public Block allocate(long bytes) {
            if (used + bytes > capacity) {
                return null;
            }
            used += bytes;
            return new Block(++allocations, bytes);
        }

        @Override
        public void free(Block block) {
            used -= block.bytes();
            freed.add(block);
        }

        @Override
        public long[] info() {
            return new long[] {capacity - used, capacity};
        }
    }

    @Test
    void sizesAreRoundedToBuckets() {
        assertEquals(512, CachingAllocator.roundUp(1));
        assertEquals(512, CachingAllocator.roundUp(512));
        assertEquals(1024, CachingAllocator.roundUp(513));
        assertEquals(1 << 20, CachingAllocator.roundUp((1 << 20) - 3));
        assertEquals(2 << 20, CachingAllocator.roundUp((1 << 20) + 1));
        assertEquals(4 << 20, CachingAllocator.roundUp((2 << 20) + 1));
    }

    @Test
    void freedBlocksAreReusedBySize() {
        FakeDevice dev = new FakeDevice(1 << 20);
        CachingAllocator<Block> alloc = new CachingAllocator<>(dev, "fake");
        Block a = alloc.allocate(1000);
        alloc.release(a, 1000);
        assertEquals(1024, alloc.cachedBytes());
        assertEquals(0, alloc.liveBytes());
        Block b = alloc.allocate(1020); // same bucket: the cached block
        assertSame(a, b);
        assertEquals(1, dev.allocations);
        assertEquals(1, alloc.hits());
        Block c = alloc.allocate(4000); // another bucket: a new block
        assertNotSame(a, c);
        assertEquals(2, dev.allocations);
        assertEquals(1024 + 4096, alloc.liveBytes());
        alloc.release(b, 1020);
        alloc.release(c, 4000);
        alloc.close();
        assertEquals(2, dev.freed.size());
        assertEquals(0, dev.used);
        assertEquals(0, alloc.cachedBytes());
    }

    @Test
    void outOfMemoryEmptiesTheCacheAndRetries() {
        FakeDevice dev = new FakeDevice(8192);
        CachingAllocator<Block> alloc = new CachingAllocator<>(dev, "fake");
        Block small = alloc.allocate(4096);
        alloc.release(small, 4096); // cached: the device is half full of nothing
        Block big = alloc.allocate(6000); // fails once, succeeds after the cache is emptied
        assertEquals(6144, big.bytes());
        assertEquals(List.of(small), dev.freed);
        assertEquals(0, alloc.cachedBytes());
    }

    @Test
    void outOfMemoryReportsRequestedFreeAndTotalAndStaysUsable() {
        FakeDevice dev = new FakeDevice(8192);
        CachingAllocator<Block> alloc = new CachingAllocator<>(dev, "fake device");
        Block held = alloc.allocate(4096);
        DeviceOutOfMemoryException e = assertThrows(DeviceOutOfMemoryException.class, () -> alloc.allocate(100_000));
        assertEquals(100_000, e.requestedBytes());
        assertEquals(4096, e.freeBytes());
        assertEquals(8192, e.totalBytes());
        assertEquals("fake device", e.device());
        assertTrue(e.getMessage().contains("100,000"), e.getMessage());
        Block again = alloc.allocate(4096); // still usable
        assertEquals(4096, again.bytes());
        alloc.release(held, 4096);
        alloc.release(again, 4096);
        assertEquals(8192, alloc.cachedBytes());
    }

    @Test
    void aCapCountsCachedBlocksEmptiesTheCacheBeforeRefusingAndTracksThePeak() {
        FakeDevice dev = new FakeDevice(64L << 20);
        try (CachingAllocator<Block> a = new CachingAllocator<>(dev, "fake")) {
            a.setLimit(8L << 20);
            Block b1 = a.allocate(4L << 20);
            a.release(b1, 4L << 20); // cached: 4 MiB held
            Block b2 = a.allocate(6L << 20); // 4 cached + 6 > 8: the cache is emptied first, then it fits
            assertEquals(List.of(b1), dev.freed, "the cached block was given back to make room");
            assertEquals(6L << 20, a.liveBytes());
            assertEquals(0, a.cachedBytes());
            DeviceOutOfMemoryException e = assertThrows(DeviceOutOfMemoryException.class, () -> a.allocate(4L << 20));
            assertEquals(4L << 20, e.requestedBytes());
            assertEquals(2L << 20, e.freeBytes(), "what is left of the cap");
            assertEquals(8L << 20, e.totalBytes(), "the cap is the total");
            assertEquals(6L << 20, dev.used, "the refused request never reached the device");
            assertEquals(6L << 20, a.peakBytes(), "the cache was emptied before the 6 MiB block: never 10 MiB at once");
            a.release(b2, 6L << 20);
            a.setLimit(Long.MAX_VALUE);
            a.release(a.allocate(40L << 20), 40L << 20);
            assertEquals(46L << 20, a.peakBytes(), "6 MiB cached and 40 MiB live at once");
        }
    }
}
