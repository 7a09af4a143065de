package io.logitnet.cli;

import io.logitnet.NativeCallException;
import io.logitnet.backend.Availability;
import io.logitnet.backend.Backend;
import io.logitnet.backend.BackendProvider;
import io.logitnet.backend.DeviceInfo;

import java.util.List;

/**
 * A test backend ({@code --backend broken}) whose device fails when opened, as a driver that returns an error code
 * does: the command must report it as an internal failure (exit 1), not as a user mistake.
 */
public final class BrokenBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "broken";
    }

    @Override
    public int priority() {
        return 0; // never chosen by auto: the CPU backend is always available before it
    }

    @Override
    public Availability probe() {
        return Availability.available(List.of(new DeviceInfo("broken:0", "a device that fails", -1, "for tests")));
    }

    @Override
    public Backend create(String device) {
        throw new NativeCallException("TestAPI", "testOpenDevice()", -9999, "TEST_DEVICE_FAILURE");
    }
}
