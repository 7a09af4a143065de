package io.logitnet.cli;

import io.logitnet.backend.Backends;
import io.logitnet.backend.DeviceInfo;
import picocli.CommandLine.Command;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code logitnet devices}. */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "List every backend, available or not (with the reason), and each device's name and memory.")
final class DevicesCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        PrintStream o = System.out;
        for (Backends.Status s : Backends.discover()) {
            String name = s.provider().name();
            if (!s.availability().available()) {
                o.println(name + ": unavailable: " + s.availability().reason());
                continue;
            }
            String[] passOver = s.provider().autoPassOver(s.availability());
            o.println(name + ": available" + (passOver == null ? "" : " (auto passes over it: " + passOver[0] + ")"));
            for (DeviceInfo d : s.availability().devices()) {
                o.println(String.format(Locale.ROOT, "  %-14s %s, %s, %s", d.id(), d.name(),
                        d.memoryBytes() < 0 ? "memory unknown" : String.format(Locale.ROOT, "%.1f GiB",
                                d.memoryBytes() / (double) (1L << 30)), d.details()));
            }
        }
        return 0;
    }
}
