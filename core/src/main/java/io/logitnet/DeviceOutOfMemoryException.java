package io.logitnet;

/**
 * A device allocation failed for lack of memory. The backend that threw it stays usable: free something
 * (or use a smaller batch) and try again.
 */
public final class DeviceOutOfMemoryException extends LogitNetException {
    private final String device;
    private final long requestedBytes;
    private final long freeBytes;
    private final long totalBytes;

    /** {@code freeBytes} and {@code totalBytes} are -1 where the device cannot tell. */
    public DeviceOutOfMemoryException(String device, long requestedBytes, long freeBytes, long totalBytes) {
        super(String.format("out of memory on %s: requested %,d bytes, %s free of %s",
                device, requestedBytes, bytes(freeBytes), bytes(totalBytes)));
        this.device = device;
        this.requestedBytes = requestedBytes;
        this.freeBytes = freeBytes;
        this.totalBytes = totalBytes;
    }

    private static String bytes(long n) {
        return n < 0 ? "unknown" : String.format("%,d bytes", n);
    }

    public String device() {
        return device;
    }

    public long requestedBytes() {
        return requestedBytes;
    }

    public long freeBytes() {
        return freeBytes;
    }

    public long totalBytes() {
        return totalBytes;
    }
}
