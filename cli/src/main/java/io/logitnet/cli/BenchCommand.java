package io.logitnet.cli;

import io.logitnet.bench.BenchCli;
import io.logitnet.bench.Shape;
import io.logitnet.bench.StepBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code logitnet bench}: the end-to-end training-step harness of the bench module. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Time training steps (forward, softmax cross-entropy, backward, SGD) and epochs for a grid "
                + "of shapes on every available backend and, side by side in the same run, in PyTorch when a python "
                + "with torch is found, and in DJL (PyTorch engine) when its class path is there (--djl).",
                "Reports per backend, precision and shape the median step time, TFLOP/s (6 x batch x sum in*out per "
                        + "step), the fraction of a large GEMM's rate on the same device, the bytes of tensors a "
                        + "step holds, and the ratios against the CPU backend and PyTorch (above 1: LogitNet faster).",
                "Shapes that would not fit in memory or in the time budget are skipped with the reason."})
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "small grid, few repetitions (under a minute; CI smoke test)")
    boolean quick;

    @Option(names = "--json", description = "print one JSON array, an object per measurement (progress on stderr)")
    boolean json;

    @Option(names = "--out", paramLabel = "DIR", description = "write DIR/DATE-stepbench.md, .json and .png")
    Path out;

    @Option(names = "--backends", split = ",", paramLabel = "NAMES",
            description = "backends to run, e.g. cpu,opencl (default: every available one)")
    List<String> backends;

    @Option(names = "--shape", split = ",", paramLabel = "BATCHxIN-...-OUT",
            description = "shapes, e.g. 1024x784-4096-10 (default: the built-in grid)")
    List<String> shapes;

    @Option(names = "--add-shape", split = ",", paramLabel = "BATCHxIN-...-OUT",
            description = "shapes measured after the grid, e.g. 4096x784-65536-10")
    List<String> addShapes;

    @Option(names = "--profile-shape", split = ",", paramLabel = "BATCHxIN-...-OUT",
            description = "shapes of the per-operation breakdown (default: 1024x784-4096-10)")
    List<String> profileShapes;

    @Option(names = "--name", paramLabel = "NAME", description = "report files DIR/DATE-NAME.{md,json,png} "
            + "(default: stepbench)")
    String name;

    @Option(names = "--python", paramLabel = "PATH",
            description = "interpreter with torch (default: /usr/bin/python3, then python3)")
    String python;

    @Option(names = "--no-pytorch", description = "LogitNet only")
    boolean noPytorch;

    @Option(names = "--torch-threads", paramLabel = "N",
            description = "PyTorch CPU threads, and DJL's libtorch threads (default: every core, as LogitNet uses, "
                    + "and each one's own default; the faster is kept)")
    Integer torchThreads;

    @Option(names = "--djl", paramLabel = "DIR", description = "DJL (its PyTorch engine, CPU) side by side, run "
            + "offline from the class path that ./mvnw -Pdjl -pl bench -am package leaves in bench/target/djl "
            + "(default: that folder when it exists; otherwise the report says why DJL was not run)")
    Path djl;

    @Option(names = "--no-djl", description = "no DJL column")
    boolean noDjl;

    @Option(names = "--warmup", paramLabel = "N", description = "untimed steps before timing")
    Integer warmup;

    @Option(names = "--reps", paramLabel = "N", description = "timed steps per shape")
    Integer reps;

    @Option(names = "--rounds", paramLabel = "N", description = "measure each shape N times on every side in turn "
            + "(LogitNet, PyTorch, DJL, again), so that the machine's load hits both sides of a ratio alike; medians "
            + "of the rounds, each round's ratio in the report (default: 1)")
    Integer rounds;

    @Option(names = "--budget-s", paramLabel = "SECONDS",
            description = "time allowed per measurement; slower shapes are skipped with a note")
    Double budget;

    @Option(names = "--gemm-n", paramLabel = "N", description = "size of the square GEMM that measures each peak")
    Integer gemmN;

    @Option(names = "--epoch-steps", paramLabel = "N", description = "mini-batches in the timed epoch (0: none)")
    Integer epochSteps;

    @Option(names = "--baseline", paramLabel = "FILE.json", description = "an earlier run's report (--out DIR writes "
            + "DATE-NAME.json): the no-regression goals compare each shape's step time with it (10%% allowance)")
    Path baseline;

    @Option(names = "--profile", negatable = true, description = "per-operation breakdown of 1024x784-4096-10 "
            + "(default: on, off with --quick)")
    Boolean profile;

    @Override
    public Integer call() {
        positive("--torch-threads", torchThreads, 1);
        positive("--warmup", warmup, 0);
        positive("--reps", reps, 1);
        positive("--gemm-n", gemmN, 1);
        positive("--epoch-steps", epochSteps, 0);
        positive("--rounds", rounds, 1);
        if (budget != null && !(budget > 0 && Double.isFinite(budget))) {
            throw new Main.UserException("--budget-s must be a number of seconds > 0, got " + budget);
        }
        StepBench.Options o = StepBench.Options.defaults(quick);
        if (backends != null) {
            o = o.withBackends(backends);
        }
        if (shapes != null) {
            List<Shape> grid = new ArrayList<>();
            for (String s : shapes) {
                grid.add(Shape.parse(s));
            }
            o = o.withGrid(grid);
        }
        if (addShapes != null) {
            List<Shape> grid = new ArrayList<>(o.grid());
            for (String s : addShapes) {
                grid.add(Shape.parse(s));
            }
            o = o.withGrid(grid);
        }
        if (Boolean.FALSE.equals(profile) && profileShapes != null) {
            throw new Main.UserException("--no-profile and --profile-shape " + String.join(",", profileShapes)
                    + ": choose one");
        }
        if (profile != null && profileShapes == null) {
            o = o.withProfile(profile);
        }
        if (profileShapes != null) {
            List<Shape> p = new ArrayList<>();
            for (String s : profileShapes) {
                p.add(Shape.parse(s));
            }
            o = o.withProfileShapes(p);
        }
        if (name != null) {
            o = o.withName(name);
        }
        o = o.withPytorch(!noPytorch, python, torchThreads != null ? torchThreads : o.torchThreads());
        if (noDjl && djl != null) {
            throw new Main.UserException("--djl " + djl + " and --no-djl: choose one");
        }
        o = o.withDjl(!noDjl, djl);
        o = o.withTiming(warmup != null ? warmup : o.warmup(), reps != null ? reps : o.reps(),
                budget != null ? budget : o.budgetSeconds());
        if (gemmN != null) {
            o = o.withGemmN(gemmN);
        }
        if (epochSteps != null) {
            o = o.withEpochSteps(epochSteps);
        }
        if (rounds != null) {
            o = o.withRounds(rounds);
        }
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        o = o.withCommand("logitnet " + String.join(" ", args));
        if (baseline != null && !java.nio.file.Files.isRegularFile(baseline)) {
            throw new Main.UserException("--baseline " + baseline + ": no such file (an earlier report's .json)");
        }
        return BenchCli.execute(o, json, out, baseline, System.out, System.err);
    }

    private static void positive(String option, Integer value, int least) {
        if (value != null && value < least) {
            throw new Main.UserException(option + " must be an integer >= " + least + ", got " + value);
        }
    }
}
