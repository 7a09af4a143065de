package io.logitnet.backend;

import java.util.List;

/**
 * Whether a backend can run here: either available with its devices, or unavailable with a reason a user can act
 * on (what is missing and how to get it).
 */
public record Availability(boolean available, String reason, List<DeviceInfo> devices) {
    public Availability {
        devices = List.copyOf(devices);
    }

    public static Availability available(List<DeviceInfo> devices) {
        return new Availability(true, "available", devices);
    }

    public static Availability unavailable(String reason) {
        return new Availability(false, reason, List.of());
    }
}
