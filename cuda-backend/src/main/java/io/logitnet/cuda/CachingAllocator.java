package io.logitnet.cuda;

import io.logitnet.DeviceOutOfMemoryException;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Device memory with a cache of freed blocks, reused by (rounded) size: training allocates the same shapes every
 * step, and cuMemAlloc/cuMemFree synchronize the device. When an allocation fails the cache is emptied and the
 * allocation retried once; if it fails again a {@link DeviceOutOfMemoryException} says how much was requested and
 * how much is free of the total, and the allocator stays usable. A cap ({@link #setLimit}) bounds the bytes it holds,
 * cached blocks included, as if the device were that small. The native calls sit behind {@link Memory}, so the
 * bookkeeping is tested without a GPU. Not thread-safe: its backend serializes calls.
 *
 * @param <B> a device block (a CUdeviceptr for the CUDA backend)
 */
final class CachingAllocator<B> implements AutoCloseable {
    /** The native side of the allocator. */
    interface Memory<B> {
        /** A new block of exactly {@code bytes}, or null when the device is out of memory. */
        B allocate(long bytes);

        /** Frees a block; called only for blocks that no queued work still uses. */
        void free(B block);

        /** {free, total} bytes of the device, or {-1, -1} if unknown. */
        long[] info();
    }

    private static final long SMALL = 1L << 20;
    private static final long SMALL_GRAIN = 512;
    private static final long LARGE_GRAIN = 2L << 20;

    private final Memory<B> memory;
    private final String device;
    private final TreeMap<Long, ArrayDeque<B>> cache = new TreeMap<>();
    private long cachedBytes;
    private long liveBytes;
    private long peakBytes;
    private long limit = Long.MAX_VALUE;
    private long hits;
    private long misses;

    CachingAllocator(Memory<B> memory, String device) {
        this.memory = memory;
        this.device = device;
    }

    /** The size a request of {@code bytes} is served with: 512-byte steps up to 1 MiB, 2 MiB steps above. */
    static long roundUp(long bytes) {
        if (bytes <= 0) {
            return SMALL_GRAIN;
        }
        long grain = bytes <= SMALL ? SMALL_GRAIN : LARGE_GRAIN;
        return (bytes + grain - 1) / grain * grain;
    }

    /** A block of at least {@code bytes}; hand it back with {@link #release(Object, long)} and the same size. */
    B allocate(long bytes) {
        long size = roundUp(bytes);
        ArrayDeque<B> free = cache.get(size);
        if (free != null && !free.isEmpty()) {
            B b = free.pop();
            cachedBytes -= size;
            liveBytes += size;
            hits++;
            return b;
        }
        misses++;
        if (liveBytes + cachedBytes + size > limit) {
            emptyCache();
            if (liveBytes + size > limit) {
                throw new DeviceOutOfMemoryException(device + " (capped at " + limit + " bytes)", bytes,
                        Math.max(0, limit - liveBytes), limit);
            }
        }
        B b = memory.allocate(size);
        if (b == null) {
            emptyCache();
            b = memory.allocate(size);
        }
        if (b == null) {
            long[] info = memory.info();
            throw new DeviceOutOfMemoryException(device, bytes, info[0], info[1]);
        }
        liveBytes += size;
        peakBytes = Math.max(peakBytes, liveBytes + cachedBytes);
        return b;
    }

    /** Caps the bytes held (live and cached) at {@code bytes}; {@link Long#MAX_VALUE} for no cap. */
    void setLimit(long bytes) {
        limit = bytes;
    }

    long limit() {
        return limit;
    }

    /** The most bytes held at once (live and cached), as the allocator rounds them. */
    long peakBytes() {
        return peakBytes;
    }

    /** {free, total} bytes of the device as the driver reports them, or {-1, -1} if unknown. */
    long[] deviceInfo() {
        return memory.info();
    }

    /** Returns a block to the cache; {@code bytes} is the size it was allocated with. */
    void release(B block, long bytes) {
        long size = roundUp(bytes);
        cache.computeIfAbsent(size, k -> new ArrayDeque<>()).push(block);
        cachedBytes += size;
        liveBytes -= size;
    }

    /** Whether {@link #allocate} of {@code bytes} would be served from the cache (no native call). */
    boolean wouldHit(long bytes) {
        ArrayDeque<B> free = cache.get(roundUp(bytes));
        return free != null && !free.isEmpty();
    }

    /**
     * Takes a block that is in the cache out of it, as if it had been allocated: a CUDA graph keeps the scratch
     * blocks its step used, so that nothing else is handed them while the graph can still write them.
     *
     * @return false if the block is not in the cache (still live, or never this allocator's)
     */
    boolean reserve(B block, long bytes) {
        long size = roundUp(bytes);
        ArrayDeque<B> free = cache.get(size);
        if (free == null || !free.removeFirstOccurrence(block)) {
            return false;
        }
        cachedBytes -= size;
        liveBytes += size;
        return true;
    }

    /** Frees every cached block. */
    void emptyCache() {
        List<B> blocks = new ArrayList<>();
        for (Map.Entry<Long, ArrayDeque<B>> e : cache.entrySet()) {
            blocks.addAll(e.getValue());
        }
        cache.clear();
        cachedBytes = 0;
        for (B b : blocks) {
            memory.free(b);
        }
    }

    long cachedBytes() {
        return cachedBytes;
    }

    long liveBytes() {
        return liveBytes;
    }

    long hits() {
        return hits;
    }

    long misses() {
        return misses;
    }

    /** Frees the cache; blocks still live are their owners' to free. */
    @Override
    public void close() {
        emptyCache();
    }
}
