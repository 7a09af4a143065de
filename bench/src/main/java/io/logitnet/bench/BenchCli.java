package io.logitnet.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The harness's command line, shared by {@link StepBench#main} and {@code logitnet bench}: parse options, run,
 * write the report files, print a table or the JSON array.
 */
public final class BenchCli {
    private BenchCli() {
    }

    /** The options in words, for {@code --help}. */
    public static final String USAGE = String.join("\n",
            "Times training steps (forward, softmax cross-entropy, backward, SGD) and epochs on every available",
            "backend and in PyTorch (and DJL), side by side.",
            "",
            "  --quick              small grid, few repetitions (under a minute; CI smoke test)",
            "  --json               print one JSON array (an object per measurement) on stdout; progress on stderr",
            "  --out DIR            write DIR/DATE-stepbench.{md,json,png}",
            "  --name NAME          the report files' name after the date: DIR/DATE-NAME.{md,json,png}",
            "  --backend LIST       backends to run, e.g. cpu,opencl (default: every available one)",
            "  --shape LIST         shapes BATCHxIN-H1-...-OUT, e.g. 1024x784-4096-10 (default: the built-in grid)",
            "  --add-shape LIST     shapes run after the grid's",
            "  --python PATH        interpreter with torch (default: /usr/bin/python3, then python3)",
            "  --no-pytorch         LogitNet only",
            "  --torch-threads N    PyTorch CPU threads, and DJL's libtorch threads (default: every core, as LogitNet",
            "                       uses, and each one's own default; the faster is kept)",
            "  --djl DIR            DJL (PyTorch engine, CPU) side by side, from the class path that",
            "                       ./mvnw -Pdjl -pl bench -am package leaves in bench/target/djl (default: that folder",
            "                       when it exists; DJL runs offline, libtorch from the folder's jars)",
            "  --no-djl             no DJL column",
            "  --warmup N           untimed steps before timing",
            "  --reps N             timed steps per shape (fast shapes are timed for at least a second)",
            "  --rounds N           each shape N times on every side in turn (LogitNet, PyTorch, DJL, again): medians",
            "                       of the rounds, each round's ratio in the report (default: 1)",
            "  --budget-s S         time allowed per measurement; slower shapes are skipped with a note",
            "  --gemm-n N           size of the square GEMM that measures each device's peak",
            "  --epoch-steps N      mini-batches in the timed epoch (0: no epoch timing)",
            "  --profile / --no-profile   per-operation breakdown of 1024x784-4096-10 (default: on, off with --quick)",
            "  --profile-shape LIST shapes of the grid to break down per operation (instead of 1024x784-4096-10)");

    /**
     * Parses {@code args}, runs, and reports.
     *
     * @param program how the program was started, for the report's command line
     * @return the exit status: 0, or 2 for a bad option
     */
    public static int run(String[] args, String program, PrintStream out, PrintStream err) {
        List<String> a = Arrays.asList(args);
        if (a.contains("--help") || a.contains("-h")) {
            out.println("usage: " + program + " [options]");
            out.println(USAGE);
            return 0;
        }
        StepBench.Options o = StepBench.Options.defaults(a.contains("--quick"));
        boolean json = false;
        Path outDir = null;
        try {
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--quick" -> {
                        // applied above: it chooses the defaults the other options change
                    }
                    case "--json" -> json = true;
                    case "--out" -> outDir = Path.of(value(args, ++i, arg));
                    case "--backend" -> o = o.withBackends(List.of(value(args, ++i, arg).split(",")));
                    case "--name" -> o = o.withName(value(args, ++i, arg));
                    case "--shape" -> o = o.withGrid(shapes(value(args, ++i, arg)));
                    case "--add-shape" -> {
                        List<Shape> grid = new ArrayList<>(o.grid());
                        grid.addAll(shapes(value(args, ++i, arg)));
                        o = o.withGrid(grid);
                    }
                    case "--profile-shape" -> o = o.withProfileShapes(shapes(value(args, ++i, arg)));
                    case "--python" -> o = o.withPytorch(true, value(args, ++i, arg), o.torchThreads());
                    case "--no-pytorch" -> o = o.withPytorch(false, o.python(), o.torchThreads());
                    case "--djl" -> o = o.withDjl(true, Path.of(value(args, ++i, arg)));
                    case "--no-djl" -> o = o.withDjl(false, null);
                    case "--torch-threads" -> o = o.withPytorch(o.pytorch(), o.python(),
                            Integer.parseInt(value(args, ++i, arg)));
                    case "--warmup" -> o = o.withTiming(Integer.parseInt(value(args, ++i, arg)), o.reps(),
                            o.budgetSeconds());
                    case "--reps" -> o = o.withTiming(o.warmup(), Integer.parseInt(value(args, ++i, arg)),
                            o.budgetSeconds());
                    case "--budget-s" -> o = o.withTiming(o.warmup(), o.reps(),
                            Double.parseDouble(value(args, ++i, arg)));
                    case "--gemm-n" -> o = o.withGemmN(Integer.parseInt(value(args, ++i, arg)));
                    case "--epoch-steps" -> o = o.withEpochSteps(Integer.parseInt(value(args, ++i, arg)));
                    case "--rounds" -> o = o.withRounds(Integer.parseInt(value(args, ++i, arg)));
                    case "--profile" -> o = o.withProfile(true);
                    case "--no-profile" -> o = o.withProfile(false);
                    default -> throw new IllegalArgumentException("unknown option '" + arg + "' (see --help)");
                }
            }
        } catch (IllegalArgumentException e) {
            err.println(program + ": " + e.getMessage());
            return 2;
        }
        o = o.withCommand(program + (args.length == 0 ? "" : " " + String.join(" ", args)));
        return execute(o, json, outDir, out, err);
    }

    private static List<Shape> shapes(String list) {
        List<Shape> out = new ArrayList<>();
        for (String s : list.split(",")) {
            out.add(Shape.parse(s));
        }
        return out;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    /**
     * Runs the harness with {@code o}, writes the report files into {@code outDir} when it is not null, and prints
     * the JSON array ({@code json}) or a table on {@code out}; progress goes to {@code err} when printing JSON, to
     * {@code out} otherwise.
     *
     * @return 0
     */
    public static int execute(StepBench.Options o, boolean json, Path outDir, PrintStream out, PrintStream err) {
        return execute(o, json, outDir, null, out, err);
    }

    /**
     * As {@link #execute(StepBench.Options, boolean, Path, PrintStream, PrintStream)}, judging the no-regression
     * goals against {@code baseline}, an earlier report's {@code .json} (null for none).
     */
    public static int execute(StepBench.Options o, boolean json, Path outDir, Path baseline, PrintStream out,
                              PrintStream err) {
        PrintStream log = json ? err : out;
        java.util.Map<String, Double> earlier = baseline == null ? java.util.Map.of() : Report.baseline(baseline);
        StepBench.Result r = StepBench.run(o, log).withBaseline(earlier);
        if (outDir != null) {
            for (Path p : Report.write(r, outDir, o.name())) {
                log.println("wrote " + p);
            }
        }
        if (json) {
            out.println(Report.jsonArray(r));
        } else {
            out.print(Report.table(r));
        }
        return 0;
    }
}
