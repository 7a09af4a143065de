package io.logitnet.backend;

import java.util.List;

/**
 * Whether a backend can run here: either available with its devices, or unavailable with a reason a user can act
 * on (what is missing and how to get it) and the same in a few words.
 *
 * @param summary a few words for a one-line report, e.g. {@code no NVIDIA driver}
 */
public record Availability(boolean available, String reason, String summary, List<DeviceInfo> devices) {
    public Availability {
        devices = List.copyOf(devices);
    }

    public static Availability available(List<DeviceInfo> devices) {
        return new Availability(true, "available", "available", devices);
    }

    /** Unavailable; the summary is the reason's first clause. */
    public static Availability unavailable(String reason) {
        return new Availability(false, reason, Backends.shortReason(reason), List.of());
    }

    /** Unavailable, with a reason in full and a summary of a few words. */
    public static Availability unavailable(String reason, String summary) {
        return new Availability(false, reason, summary, List.of());
    }
}
