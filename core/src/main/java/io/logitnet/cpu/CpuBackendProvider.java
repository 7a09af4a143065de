package io.logitnet.cpu;

import io.logitnet.backend.Availability;
import io.logitnet.backend.Backend;
import io.logitnet.backend.BackendProvider;

import java.util.List;

/** Registers the CPU backend; always available. */
public final class CpuBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public Availability probe() {
        return Availability.available(List.of(CpuBackend.describe()));
    }

    @Override
    public Backend create(String device) {
        if (!device.isEmpty() && !device.equals("0")) {
            throw new IllegalArgumentException("the cpu backend has one device; got 'cpu:" + device + "'");
        }
        return new CpuBackend();
    }
}
