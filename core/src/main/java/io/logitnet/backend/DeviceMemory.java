package io.logitnet.backend;

import java.util.Locale;

/**
 * A backend's device memory as it stands, for planning a run before anything is allocated.
 *
 * @param freeBytes          what this backend could still allocate now: the device's free memory (the Java heap's
 *                           for the CPU backend) plus the blocks this backend caches for reuse, within its limit
 * @param totalBytes         the device's memory, or the limit when one is set and smaller
 * @param maxAllocationBytes the largest single allocation the device accepts ({@code CL_DEVICE_MAX_MEM_ALLOC_SIZE},
 *                           the largest Java array), within the limit
 * @param usedBytes          what this instance holds now (tensors, scratch, cached blocks)
 * @param peakBytes          the most it has held at once since it opened
 * @param limitBytes         the cap set with {@link Backend#setMemoryLimit}, or {@link #NO_LIMIT}
 * @param source             where the free figure comes from, in words (e.g. {@code cuMemGetInfo})
 */
public record DeviceMemory(long freeBytes, long totalBytes, long maxAllocationBytes, long usedBytes, long peakBytes,
                           long limitBytes, String source) {
    /** No cap on the memory a backend may hold. */
    public static final long NO_LIMIT = Long.MAX_VALUE;

    /** The system property every backend of this project reads its memory cap from when it opens, e.g. {@code 512m}. */
    public static final String LIMIT_PROPERTY = "logitnet.memoryLimit";

    /** Whether a cap is set. */
    public boolean limited() {
        return limitBytes != NO_LIMIT;
    }

    /**
     * The cap named by {@link #LIMIT_PROPERTY}, or {@link #NO_LIMIT} when the property is not set.
     *
     * @throws IllegalArgumentException naming the property and its value if it is not a size
     */
    public static long limitFromProperty() {
        String v = System.getProperty(LIMIT_PROPERTY);
        if (v == null || v.isBlank()) {
            return NO_LIMIT;
        }
        try {
            return parseBytes(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("system property " + LIMIT_PROPERTY + "=" + v + ": " + e.getMessage());
        }
    }

    /** Parses a size: bytes, or a number with k, m, g or t (powers of 1024), e.g. {@code 512m}, {@code 1.5g}. */
    public static long parseBytes(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        if (!s.isEmpty() && "kmgt".indexOf(s.charAt(s.length() - 1)) >= 0) {
            unit = 1L << (10 * (1 + "kmgt".indexOf(s.charAt(s.length() - 1))));
            s = s.substring(0, s.length() - 1);
        } else if (s.endsWith("b")) {
            s = s.substring(0, s.length() - 1);
        }
        double v;
        try {
            v = Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a size in bytes (e.g. 1048576, 512m, 2g)");
        }
        if (!(v > 0) || v * unit >= 0x1p63) {
            throw new IllegalArgumentException("'" + text + "' is not a positive size in bytes");
        }
        return (long) Math.ceil(v * unit);
    }

    /** A byte count for people: {@code 1.50 GiB}, {@code 12.0 MiB}, {@code 512 bytes}. */
    public static String format(long bytes) {
        if (bytes < 0 || bytes == Long.MAX_VALUE) {
            return "unknown";
        }
        if (bytes < 1024) {
            return bytes + " bytes";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, units[u]);
    }
}
