package io.logitnet.cli;

import io.logitnet.backend.Backend;
import io.logitnet.backend.Backends;
import io.logitnet.check.CrossCheck;
import io.logitnet.cpu.CpuBackend;
import io.logitnet.nn.Architecture;
import io.logitnet.train.OptimizerSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code logitnet verify}. */
@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run forward, backward and an optimizer update for a few network shapes on a backend and on "
                + "the CPU, and print per tensor the max absolute, max relative and normwise relative error "
                + "against the tolerance for the precision.", "Exit status 0 only if every tensor passes, 1 if one "
                + "does not."})
final class VerifyCommand implements Callable<Integer> {
    @Mixin
    BackendOptions backendOptions;

    @Option(names = "--all", description = "verify every available backend instead of the one --backend selects")
    boolean all;

    @Option(names = "--batch", defaultValue = "129", description = "batch size, >= 1 (default: ${DEFAULT-VALUE})")
    int batch;

    @Override
    public Integer call() {
        if (batch < 1) {
            throw new Main.UserException("--batch must be >= 1, got " + batch);
        }
        PrintStream o = System.out;
        List<String> selections = new ArrayList<>();
        if (all) {
            for (Backends.Status s : Backends.discover()) {
                if (s.availability().available()) {
                    selections.add(s.provider().name());
                } else {
                    o.println(s.provider().name() + ": skipped (" + s.availability().summary() + ")");
                }
            }
        } else {
            selections.add(backendOptions.backend);
        }
        boolean ok = true;
        o.println("columns: " + CrossCheck.LEGEND);
        try (CpuBackend cpu = new CpuBackend()) {
            for (String sel : selections) {
                BackendOptions one = new BackendOptions();
                one.backend = sel;
                one.precision = backendOptions.precision;
                one.verbose = backendOptions.verbose;
                try (Backend b = Cli.openBackend(one, System.err)) {
                    ok &= verify(b, cpu, batch, o);
                }
            }
        }
        o.println(ok ? "verify: all tensors within tolerance" : "verify: FAILED");
        return ok ? 0 : 1;
    }

    /** Cross-checks the standard shapes; prints a table; true if all pass. */
    static boolean verify(Backend b, Backend cpu, int batch, PrintStream o) {
        boolean ok = true;
        if (b.name().equals("cpu")) {
            o.println("cpu: the reference itself (compared with a second CPU instance)");
        }
        for (Architecture arch : CrossCheck.standardShapes()) {
            for (OptimizerSpec opt : List.of(OptimizerSpec.adam(1e-3f), OptimizerSpec.sgd(0.1f, 0.9f))) {
                CrossCheck.Report r = CrossCheck.run(b, cpu, arch, batch, opt, 7);
                o.println(b.name() + " vs cpu, " + arch.describe() + ", batch " + batch + ", "
                        + opt.kind().name().toLowerCase(Locale.ROOT) + ", " + r.precision() + ": "
                        + (r.passed() ? "ok" : "FAILED"));
                for (CrossCheck.Entry e : r.entries()) {
                    o.println("  " + e.format());
                }
                ok &= r.passed();
            }
        }
        return ok;
    }
}
