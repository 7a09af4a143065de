package io.logitnet.cpu;

import io.logitnet.backend.Availability;
import io.logitnet.backend.Backend;
import io.logitnet.backend.BackendProvider;
import io.logitnet.backend.DeviceInfo;

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
        CpuBackend b = new CpuBackend();
        String blasNote = b.nativeBlas() ? "native BLAS " + b.blasName()
                : "pure-Java BLAS " + b.blasName() + " (install OpenBLAS, e.g. apt-get install libopenblas0, for speed)";
        return Availability.available(List.of(new DeviceInfo("cpu", "CPU (" + System.getProperty("os.arch") + ")",
                Runtime.getRuntime().maxMemory(), Runtime.getRuntime().availableProcessors() + " threads, "
                + blasNote)));
    }

    @Override
    public Backend create(String device) {
        if (!device.isEmpty() && !device.equals("0")) {
            throw new IllegalArgumentException("the cpu backend has one device; got 'cpu:" + device + "'");
        }
        return new CpuBackend();
    }
}
