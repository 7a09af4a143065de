package io.logitnet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.logitnet.DeviceOutOfMemoryException;
import io.logitnet.backend.Backend;
import io.logitnet.backend.Backends;
import io.logitnet.backend.DeviceInfo;
import io.logitnet.backend.Precision;
import io.logitnet.backend.Tensor;
import io.logitnet.data.Dataset;
import io.logitnet.nn.Init;
import io.logitnet.nn.Network;
import io.logitnet.optim.Sgd;
import io.logitnet.train.OptimizerSpec;
import io.logitnet.train.TrainConfig;
import io.logitnet.train.Trainer;
import io.logitnet.train.TrainingListener;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The end-to-end harness: times training steps (forward, softmax cross-entropy, backward, SGD update, synchronized)
 * and whole epochs for a grid of shapes on every available backend, with PyTorch timing the same step on the same
 * hardware in the same run, shape by shape. For each backend, precision and shape it reports the median step time,
 * the achieved TFLOP/s (6 × batch × Σ in·out per step), the fraction of a large GEMM's rate measured on the same
 * device in the same run, the bytes of tensors a step holds, and the ratios against the CPU backend and PyTorch.
 *
 * <p>Shapes that would not fit in memory, or whose estimated time (from the measured GEMM rate) exceeds the budget
 * per measurement, are skipped with the reason instead of run. Run it with {@code logitnet bench} or
 * {@code java -cp bench/target/benchmarks.jar io.logitnet.bench.StepBench --help}.
 */
public final class StepBench {
    /** Issue 2's shape: MNIST-sized input, one 4096-wide sigmoid layer, 10-way softmax, batch 1024. */
    public static final Shape ISSUE_2_SHAPE = Shape.of(1024, 784, 4096, 10);

    /**
     * The default grid: a hidden-width sweep at batch 1024 (784 → w → 10), a small batch, depth 3, and wide layers
     * (4096 → w → 4096) up to sizes that only a GPU runs within the budget.
     */
    public static final List<Shape> DEFAULT_GRID = List.of(
            Shape.of(64, 784, 256, 10),
            Shape.of(1024, 784, 256, 10),
            Shape.of(1024, 784, 1024, 10),
            ISSUE_2_SHAPE,
            Shape.of(1024, 784, 16384, 10),
            Shape.of(1024, 784, 1024, 1024, 1024, 10),
            Shape.of(1024, 4096, 4096, 4096),
            Shape.of(1024, 4096, 16384, 4096),
            Shape.of(1024, 8192, 32768, 8192));

    /** The grid of {@code --quick}: small shapes that run in seconds on any machine. */
    public static final List<Shape> QUICK_GRID = List.of(
            Shape.of(128, 784, 256, 10),
            Shape.of(128, 784, 1024, 10));

    private StepBench() {
    }

    /**
     * What to run.
     *
     * @param quick         small grid, few repetitions (CI smoke test)
     * @param backends      backend names to run, or null for every available one
     * @param grid          shapes
     * @param pytorch       whether to time PyTorch side by side
     * @param python        interpreter with torch, or null to search ({@code /usr/bin/python3}, then {@code python3})
     * @param torchThreads  PyTorch's CPU threads, 0 for every core (as LogitNet uses)
     * @param warmup        untimed steps before timing
     * @param reps          timed steps (more for fast shapes: timing goes on for at least {@code minSeconds})
     * @param minSeconds    keep timing a fast shape at least this long (up to 200 steps)
     * @param budgetSeconds time allowed for one measurement; shapes estimated to need more are skipped
     * @param gemmN         size n of the n×n×n GEMM that measures each device's peak
     * @param epochSteps    mini-batches in the timed epoch, 0 for no epoch timing
     * @param profileShapes shapes of the grid to break down operation by operation on each backend (FP32) and in
     *                      PyTorch; empty for none
     * @param name          the report files' name after the date: {@code DATE-NAME.md}
     * @param command       the command line, for the report
     * @param djl           whether to time DJL (its PyTorch engine, CPU) side by side, when its class path is there
     * @param djlDir        DJL's class path folder ({@link DjlRunner}), or null to look for {@code bench/target/djl}
     * @param rounds        times each shape is measured on every side in turn (LogitNet, PyTorch, DJL, then again),
     *                      so that a change of the machine's load hits both sides of a ratio alike; the medians of the
     *                      rounds are reported, with the ratio of every round
     */
    public record Options(boolean quick, List<String> backends, List<Shape> grid, boolean pytorch, String python,
                          int torchThreads, int warmup, int reps, double minSeconds, double budgetSeconds, int gemmN,
                          int epochSteps, List<Shape> profileShapes, String name, String command, boolean djl,
                          Path djlDir, int rounds) {
        /** The report files' name after the date, unless {@code --name} says otherwise. */
        public static final String DEFAULT_NAME = "stepbench";

        public Options {
            grid = List.copyOf(grid);
            profileShapes = List.copyOf(profileShapes);
            backends = backends == null ? null : List.copyOf(backends);
            if (warmup < 0 || reps < 1 || budgetSeconds <= 0 || gemmN < 1 || epochSteps < 0 || rounds < 1) {
                throw new IllegalArgumentException("invalid options: warmup " + warmup + ", reps " + reps
                        + ", budget " + budgetSeconds + " s, gemm n " + gemmN + ", epoch steps " + epochSteps
                        + ", rounds " + rounds);
            }
            if (!name.matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("invalid report name '" + name
                        + "': letters, digits, '.', '_' and '-' only");
            }
        }

        /** The defaults of a full run ({@code quick} false) or of {@code --quick}. */
        public static Options defaults(boolean quick) {
            return quick
                    ? new Options(true, null, QUICK_GRID, true, null, 0, 1, 3, 0.1, 5, 1024, 2, List.of(),
                            DEFAULT_NAME, "", true, null, 1)
                    : new Options(false, null, DEFAULT_GRID, true, null, 0, 2, 10, 1.0, 30, 2048, 5,
                            List.of(ISSUE_2_SHAPE), DEFAULT_NAME, "", true, null, 1);
        }

        /** Whether any shape is broken down operation by operation. */
        public boolean profile() {
            return !profileShapes.isEmpty();
        }

        public Options withBackends(List<String> v) {
            return new Options(quick, v, grid, pytorch, python, torchThreads, warmup, reps, minSeconds, budgetSeconds,
                    gemmN, epochSteps, profileShapes, name, command, djl, djlDir, rounds);
        }

        public Options withGrid(List<Shape> v) {
            return new Options(quick, backends, v, pytorch, python, torchThreads, warmup, reps, minSeconds,
                    budgetSeconds, gemmN, epochSteps, profileShapes, name, command, djl, djlDir, rounds);
        }

        public Options withPytorch(boolean v, String interpreter, int threads) {
            return new Options(quick, backends, grid, v, interpreter, threads, warmup, reps, minSeconds,
                    budgetSeconds, gemmN, epochSteps, profileShapes, name, command, djl, djlDir, rounds);
        }

        public Options withTiming(int warmupSteps, int timedSteps, double budget) {
            return new Options(quick, backends, grid, pytorch, python, torchThreads, warmupSteps, timedSteps,
                    minSeconds, budget, gemmN, epochSteps, profileShapes, name, command, djl, djlDir, rounds);
        }

        public Options withGemmN(int v) {
            return new Options(quick, backends, grid, pytorch, python, torchThreads, warmup, reps, minSeconds,
                    budgetSeconds, v, epochSteps, profileShapes, name, command, djl, djlDir, rounds);
        }

        public Options withEpochSteps(int v) {
            return new Options(quick, backends, grid, pytorch, python, torchThreads, warmup, reps, minSeconds,
                    budgetSeconds, gemmN, v, profileShapes, name, command, djl, djlDir, rounds);
        }

        /** Issue 2's shape ({@code true}) or no shape ({@code false}) broken down operation by operation. */
        public Options withProfile(boolean v) {
            return withProfileShapes(v ? List.of(ISSUE_2_SHAPE) : List.of());
        }

        /** These shapes broken down operation by operation; each must also be in the grid to be measured. */
        public Options withProfileShapes(List<Shape> v) {
            return new Options(quick, backends, grid, pytorch, python, torchThreads, warmup, reps, minSeconds,
                    budgetSeconds, gemmN, epochSteps, v, name, command, djl, djlDir, rounds);
        }

        public Options withName(String v) {
            return new Options(quick, backends, grid, pytorch, python, torchThreads, warmup, reps, minSeconds,
                    budgetSeconds, gemmN, epochSteps, profileShapes, v, command, djl, djlDir, rounds);
        }

        /** DJL side by side ({@code v}) from {@code dir} (null: look for {@code bench/target/djl}), or not. */
        public Options withDjl(boolean v, Path dir) {
            return new Options(quick, backends, grid, pytorch, python, torchThreads, warmup, reps, minSeconds,
                    budgetSeconds, gemmN, epochSteps, profileShapes, name, command, v, dir, rounds);
        }

        /** Each shape measured {@code v} times on every side in turn. */
        public Options withRounds(int v) {
            return new Options(quick, backends, grid, pytorch, python, torchThreads, warmup, reps, minSeconds,
                    budgetSeconds, gemmN, epochSteps, profileShapes, name, command, djl, djlDir, v);
        }

        public Options withCommand(String v) {
            return new Options(quick, backends, grid, pytorch, python, torchThreads, warmup, reps, minSeconds,
                    budgetSeconds, gemmN, epochSteps, profileShapes, name, v, djl, djlDir, rounds);
        }
    }

    /**
     * Everything one run measured.
     *
     * @param date          the day of the run (UTC)
     * @param command       the command line
     * @param machine       CPU, cores, memory, OS, Java, BLAS
     * @param devices       backend (and precision) → device in words
     * @param gemmPeaks     {@code backend precision} (or {@code pytorch DEVICE precision}) → TFLOP/s of an n×n×n GEMM
     * @param gemmN         that n
     * @param measurements  one row per backend, precision and shape
     * @param profiles      operation breakdowns of the profiled shapes, one per backend and shape
     * @param pytorchInfo   torch version, threads, BLAS, CUDA, as the script reported them; null without PyTorch
     * @param pytorchProfiles PyTorch's breakdowns of the profiled shapes, one per PyTorch device and shape, as the
     *                      script reported them ({@code device}, {@code batch}, {@code layers}, {@code measure},
     *                      {@code ops})
     * @param notes         skipped backends, rejected interpreters, errors
     * @param wallSeconds   how long the run took
     * @param baseline      an earlier run's step times ({@link Report#baseline}), for the no-regression goals
     * @param djlInfo       DJL's version, engine, libtorch's version and threads, as its process reported them; null
     *                      when DJL was not run
     * @param djlNotRun     why DJL was not run ({@code DJL: not run (...)}), or null when it was
     */
    public record Result(String date, String command, Map<String, String> machine, Map<String, String> devices,
                         Map<String, Double> gemmPeaks, int gemmN, List<Measurement> measurements,
                         List<StepProfile.Breakdown> profiles, JsonNode pytorchInfo, List<JsonNode> pytorchProfiles,
                         List<String> notes, double wallSeconds, Map<String, Double> baseline, JsonNode djlInfo,
                         String djlNotRun) {
        public Result {
            baseline = baseline == null ? Map.of() : Map.copyOf(baseline);
        }

        /** A result without DJL, which says so. */
        public Result(String date, String command, Map<String, String> machine, Map<String, String> devices,
                      Map<String, Double> gemmPeaks, int gemmN, List<Measurement> measurements,
                      List<StepProfile.Breakdown> profiles, JsonNode pytorchInfo, List<JsonNode> pytorchProfiles,
                      List<String> notes, double wallSeconds, Map<String, Double> baseline) {
            this(date, command, machine, devices, gemmPeaks, gemmN, measurements, profiles, pytorchInfo,
                    pytorchProfiles, notes, wallSeconds, baseline, null, DjlRunner.notRun("not asked for"));
        }

        /** This result judged against an earlier run's step times ({@link Report#baseline}). */
        public Result withBaseline(Map<String, Double> earlier) {
            return new Result(date, command, machine, devices, gemmPeaks, gemmN, measurements, profiles, pytorchInfo,
                    pytorchProfiles, notes, wallSeconds, earlier, djlInfo, djlNotRun);
        }
    }

    /** Runs the harness; progress goes to {@code log}. */
    public static Result run(Options o, PrintStream log) {
        long start = System.nanoTime();
        String loadBefore = MachineInfo.loadAverage();
        List<String> notes = new ArrayList<>();
        for (Shape s : o.profileShapes()) {
            if (!o.grid().contains(s)) {
                notes.add("profile of " + s.id() + " not taken: the shape is not in the grid");
            }
        }
        Map<String, String> devices = new LinkedHashMap<>();
        Map<String, Double> peaks = new LinkedHashMap<>();
        List<StepProfile.Breakdown> profiles = new ArrayList<>();
        List<Measurement> rows = new ArrayList<>();
        List<String> names = o.backends();
        if (names == null) {
            List<String> skipped = new ArrayList<>();
            names = new ArrayList<>(BenchBackends.available(skipped));
            // the CPU reference first: every other row is read against it
            names.sort(java.util.Comparator.comparing(n -> !n.equals("cpu")));
            for (String s : skipped) {
                notes.add("backend " + s);
                log.println("skipping backend " + s);
            }
        }
        List<Backend> open = new ArrayList<>();
        PyTorchRunner torch = null;
        DjlRunner djl = null;
        String djlNotRun = null;
        List<JsonNode> torchProfiles = new ArrayList<>();
        try {
            for (String name : names) {
                try {
                    Backend b = BenchBackends.open(name);
                    open.add(b);
                    devices.put(b.name(), b.deviceName() + "; " + b.device().details());
                    log.println("backend " + b.name() + ": " + b.deviceName());
                } catch (BenchBackends.Unavailable e) {
                    notes.add(e.getMessage());
                    log.println(e.getMessage());
                }
            }
            if (o.pytorch()) {
                torch = PyTorchRunner.start(o.python(), o.torchThreads(), notes);
                if (torch == null) {
                    notes.add("PyTorch: not measured (no python with torch found; use --python PATH)");
                    log.println("PyTorch: not found, LogitNet only");
                } else {
                    log.println("PyTorch: " + torch.python() + ", " + torch.info());
                }
            }
            if (!o.djl()) {
                djlNotRun = DjlRunner.notRun("--no-djl");
            } else if (open.stream().noneMatch(b -> "cpu".equals(torchDevice(b, false)))) {
                djlNotRun = DjlRunner.notRun("no backend on the CPU to compare with: DJL runs libtorch on the CPU");
            } else {
                List<String> why = new ArrayList<>();
                djl = DjlRunner.start(o.djlDir(), why);
                if (djl == null) {
                    djlNotRun = why.get(0);
                } else {
                    log.println("DJL: " + djl.dir() + ", " + djl.info());
                }
            }
            if (djlNotRun != null) {
                notes.add(djlNotRun);
                log.println(djlNotRun);
            }
            // each device's GEMM peak, per precision, before any shape
            for (Backend b : open) {
                for (Precision p : precisions(b)) {
                    b.setPrecision(p);
                    double tf = gemmPeak(b, o.gemmN(), o.quick() ? 2 : 3);
                    peaks.put(b.name() + " " + lower(p), tf);
                    log.printf(Locale.ROOT, "GEMM %d³ on %s %s: %.3f TFLOP/s%n", o.gemmN(), b.name(), lower(p), tf);
                }
            }
            Map<String, Double> torchPeaks = new LinkedHashMap<>();
            if (torch != null) {
                for (String[] dp : torchTargets(open, torch)) {
                    JsonNode g = torch.gemm(dp[0], dp[1], o.gemmN(), o.quick() ? 2 : 3,
                            torchThreadChoices(o, torch).get(0));
                    if (g.has("error")) {
                        notes.add("PyTorch GEMM on " + dp[0] + " " + dp[1] + ": " + g.get("error").asText());
                        continue;
                    }
                    double tf = g.get("gemm_peak_tflops").asDouble();
                    torchPeaks.put(dp[0] + " " + dp[1], tf);
                    peaks.put("pytorch " + dp[0] + " " + dp[1], tf);
                    log.printf(Locale.ROOT, "GEMM %d³ in PyTorch on %s %s: %.3f TFLOP/s%n", o.gemmN(), dp[0], dp[1],
                            tf);
                }
            }
            warmUp(open, o, peaks, log);
            for (Shape s : o.grid()) {
                List<List<Measurement>> rounds = new ArrayList<>();
                for (int round = 0; round < o.rounds(); round++) {
                    boolean first = round == 0;
                    if (o.rounds() > 1) {
                        log.println(s.id() + ": round " + (round + 1) + " of " + o.rounds());
                    }
                    List<Measurement> shapeRows = new ArrayList<>();
                    for (Backend b : open) {
                        for (Precision p : precisions(b)) {
                            b.setPrecision(p);
                            boolean beside = graphsBeside(b); // turns graphs off for the backend's own rows
                            Measurement m = measure(b, s, o, peaks.get(b.name() + " " + lower(p)), log, first);
                            shapeRows.add(m);
                            if (beside && p == Precision.FP32 && m.measured() && m.stepMs() < GRAPHS_BELOW_MS) {
                                shapeRows.add(measureWithGraphs((io.logitnet.cuda.CudaBackend) b, s, o,
                                        peaks.get(b.name() + " " + lower(p)), log, first));
                            }
                            if (first && o.profileShapes().contains(s) && p == Precision.FP32 && m.measured()) {
                                log.println("profiling " + b.name() + " " + s.id());
                                profiles.add(new StepProfile.Breakdown(b.name(), b.deviceName(), s,
                                        StepProfile.profile(b, s, o.quick() ? 2 : 5)));
                            }
                        }
                    }
                    if (torch != null) {
                        shapeRows = withPytorch(shapeRows, open, torch, torchPeaks, s, o, notes, log);
                    }
                    if (djl != null) {
                        shapeRows = withDjl(shapeRows, open, djl, s, o, notes, log);
                    }
                    rounds.add(shapeRows);
                }
                if (torch != null && o.profileShapes().contains(s)) {
                    for (String dev : List.of("cpu", "cuda")) {
                        if (torchPeaks.containsKey(dev + " fp32")) {
                            JsonNode prof = torch.profile(dev, s, o.quick() ? 2 : 5);
                            if (prof.has("error")) {
                                notes.add("PyTorch profile " + dev + " " + s.id() + ": "
                                        + prof.get("error").asText());
                            } else {
                                torchProfiles.add(prof);
                            }
                        }
                    }
                }
                List<Measurement> shapeRows = new ArrayList<>();
                for (int i = 0; i < rounds.get(0).size(); i++) {
                    List<Measurement> same = new ArrayList<>();
                    for (List<Measurement> r : rounds) {
                        same.add(r.get(i));
                    }
                    shapeRows.add(Measurement.combine(same));
                }
                rows.addAll(withRatioVsCpu(shapeRows));
            }
        } finally {
            if (djl != null) {
                djl.close();
            }
            if (torch != null) {
                torch.close();
            }
            for (int i = open.size() - 1; i >= 0; i--) {
                open.get(i).close();
            }
        }
        String command = o.command().isEmpty() ? "io.logitnet.bench.StepBench" : o.command();
        Map<String, String> machine = new LinkedHashMap<>(MachineInfo.describe());
        machine.put("load average 1/5/15 min, before / after", loadBefore + "; " + MachineInfo.loadAverage());
        return new Result(LocalDate.now(ZoneOffset.UTC).toString(), command, machine, devices, peaks,
                o.gemmN(), rows, profiles, torch == null ? null : torch.info(), torchProfiles, notes,
                (System.nanoTime() - start) / 1e9, Map.of(), djl == null ? null : djl.info(), djlNotRun);
    }

    /** The precisions a backend runs matrix products in that the harness measures: FP32, and TF32 where offered. */
    static List<Precision> precisions(Backend b) {
        List<Precision> out = new ArrayList<>();
        for (Precision p : List.of(Precision.FP32, Precision.TF32)) {
            if (b.supportedPrecisions().contains(p)) {
                out.add(p);
            }
        }
        return out;
    }

    static String lower(Precision p) {
        return p.name().toLowerCase(Locale.ROOT);
    }

    /** The best rate of an n×n×n product on b in the three orientations of a training step, in TFLOP/s. */
    static double gemmPeak(Backend b, int n, int reps) {
        Tensor a = null;
        Tensor c = null;
        Tensor d = null;
        try {
            a = BenchData.uniform(b, n, n, 11);
            c = BenchData.uniform(b, n, n, 12);
            d = b.allocate(n, n);
            double best = Double.POSITIVE_INFINITY;
            // the orientations of a training step: forward (NT), input gradient (NN), weight gradient (TN)
            for (boolean[] t : new boolean[][] {{false, true}, {false, false}, {true, false}}) {
                b.gemm(t[0], t[1], 1f, a, c, 0f, d);
                b.synchronize();
                for (int r = 0; r < reps; r++) {
                    long t0 = System.nanoTime();
                    b.gemm(t[0], t[1], 1f, a, c, 0f, d);
                    b.synchronize();
                    best = Math.min(best, (System.nanoTime() - t0) / 1e9);
                }
            }
            return 2.0 * n * n * n / best / 1e12;
        } finally {
            BenchData.closeAll(a, c, d);
        }
    }

    /** Bytes a backend can give to one shape: 80% of the free JVM heap (CPU) or of the device's memory. */
    static long memoryLimit(Backend b) {
        if (b.name().equals("cpu")) {
            Runtime rt = Runtime.getRuntime();
            return (long) (0.8 * (rt.maxMemory() - (rt.totalMemory() - rt.freeMemory())));
        }
        long most = -1;
        for (Backends.Status s : Backends.discover()) {
            if (s.provider().name().equals(b.name())) {
                for (DeviceInfo d : s.availability().devices()) {
                    most = Math.max(most, d.memoryBytes());
                }
            }
        }
        return most > 0 ? (long) (0.8 * most) : Long.MAX_VALUE;
    }

    /** One backend, precision and shape: the step timings and, when the budget allows, one epoch. */
    static Measurement measure(Backend b, Shape s, Options o, double peakTflops, PrintStream log, boolean epoch) {
        String precision = lower(b.precision());
        String label = b.name() + " " + precision + " " + s.id();
        int largest = 0;
        for (int i = 0; i + 1 < s.layers().size(); i++) {
            largest = Math.max(largest, s.layers().get(i) * s.layers().get(i + 1));
        }
        long need = s.memoryBytes(0) + 4L * largest; // + the host array that initializes the largest weight
        long limit = memoryLimit(b);
        if (need > limit) {
            String why = String.format(Locale.ROOT, "needs %.1f GiB of tensors, over the %.1f GiB available to %s",
                    need / 1073741824.0, limit / 1073741824.0, b.name());
            log.println(label + ": skipped, " + why);
            return Measurement.skipped(b.name(), b.deviceName(), precision, s, why);
        }
        int minReps = Math.min(3, o.reps());
        double estimate = s.flopsPerStep() / (peakTflops * 1e12);
        if (estimate * (o.warmup() + minReps) > o.budgetSeconds()) {
            String why = String.format(Locale.ROOT, "estimated at least %.1f s per step at the measured GEMM rate"
                    + " (%.3f TFLOP/s): %d steps exceed the budget of %.0f s per measurement", estimate, peakTflops,
                    o.warmup() + minReps, o.budgetSeconds());
            log.println(label + ": skipped, " + why);
            return Measurement.skipped(b.name(), b.deviceName(), precision, s, why);
        }
        try (Network net = Network.create(b, s.architecture(), Init.AUTO, 42, false);
             Sgd sgd = new Sgd(0.01f, 0f, false);
             Tensor x = BenchData.uniform(b, s.batch(), s.layers().get(0), 1);
             Tensor y = b.upload(BenchData.labels(s.batch(), s.layers().get(s.layers().size() - 1), 2),
                     s.batch(), 1);
             io.logitnet.backend.StepRunner steps = b.stepRunner()) {
            long warmStart = System.nanoTime();
            double warmFor = warmSeconds(o);
            Runnable step = () -> step(net, sgd, x, y);
            for (int w = 0; w < o.warmup() || (seconds(warmStart) < warmFor && w < 50); w++) {
                steps.run(s.batch(), step);
                b.synchronize();
            }
            double[] times = new double[200];
            int n = 0;
            long timedStart = System.nanoTime();
            while (n < times.length && (n < o.reps() || seconds(timedStart) < o.minSeconds())) {
                long t0 = System.nanoTime();
                steps.run(s.batch(), step);
                b.synchronize();
                times[n++] = (System.nanoTime() - t0) / 1e6;
                if (n >= minReps && seconds(timedStart) > o.budgetSeconds()) {
                    break;
                }
            }
            Measurement m = Measurement.timed(b.name(), b.deviceName(), precision, s, java.util.Arrays.copyOf(times, n),
                    peakTflops);
            log.printf(Locale.ROOT, "%s: median %.3f ms over %d steps, %.4f TFLOP/s (%.0f%% of GEMM peak)%n", label,
                    m.stepMs(), n, m.tflops(), 100 * m.fractionOfPeak());
            if (epoch && o.epochSteps() > 0 && m.stepMs() / 1e3 * (o.epochSteps() + 2) <= o.budgetSeconds() / 2) {
                double ms = epoch(net, s, o.epochSteps());
                m = m.withEpoch(ms, o.epochSteps());
                log.printf(Locale.ROOT, "%s: epoch of %d steps %.1f ms%n", label, o.epochSteps(), ms);
            }
            return m;
        } catch (DeviceOutOfMemoryException e) {
            log.println(label + ": skipped, out of memory: " + e.getMessage());
            return Measurement.skipped(b.name(), b.deviceName(), precision, s, "out of memory: " + e.getMessage());
        }
    }

    /**
     * Before the first timing: steps of the grid's smallest shape, and of the same with hidden layers 1024 wide, on
     * every backend for {@link #WARM_UP_SECONDS} each, not reported, so that the JIT has compiled the training step's
     * code before any shape is timed. Without it the first shape of a run was timed half compiled (0.49× PyTorch at
     * 64 × 784 → 256 → 10 as the grid's first shape, 1.08× in a run where it came later); and the CPU backend's
     * element-wise passes take other paths for narrow and wide rows (128 × 784 → 1024 → 10 was timed at 7.9 ms in
     * the first of three rounds, 3.7 and 4.1 in the others, when only a 256-wide shape had run before it).
     */
    static void warmUp(List<Backend> open, Options o, Map<String, Double> peaks, PrintStream log) {
        Shape smallest = o.grid().stream().min(java.util.Comparator.comparingDouble(Shape::flopsPerStep))
                .orElse(null);
        if (smallest == null) {
            return;
        }
        List<Integer> widened = new java.util.ArrayList<>(smallest.layers());
        for (int i = 1; i < widened.size() - 1; i++) {
            widened.set(i, Math.max(widened.get(i), 1024));
        }
        List<Shape> shapes = List.of(smallest, new Shape(smallest.batch(), widened));
        Options warm = o.withTiming(0, 1, Math.min(WARM_UP_SECONDS, o.budgetSeconds())).withEpochSteps(0);
        PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
        // a second, shorter pass: code shared by the backends (the network, the trainer) compiled while one backend
        // ran is recompiled once another has run through it, so every backend comes back to it before timing
        for (int pass = 0; pass < 2; pass++) {
            for (Backend b : open) {
                b.setPrecision(Precision.FP32);
                for (Shape shape : shapes.get(1).equals(smallest) ? List.of(smallest) : shapes) {
                    double seconds = pass == 0 ? WARM_UP_SECONDS : WARM_UP_SECONDS / 4;
                    long until = System.nanoTime() + (long) (seconds * 1e9);
                    while (System.nanoTime() < until) {
                        Measurement m = measure(b, shape, warm, peaks.getOrDefault(b.name() + " fp32", 1.0), quiet,
                                false);
                        if (!m.measured()) {
                            break;
                        }
                    }
                    if (pass == 1) {
                        log.println("warmed up " + b.name() + " on " + shape.id() + " (not reported)");
                    }
                }
            }
        }
    }

    /** Seconds of untimed steps on each backend before the first timing. */
    static final double WARM_UP_SECONDS = 2;

    /** The step every system times: forward, softmax cross-entropy, backward, SGD update. */
    static void step(Network net, Sgd sgd, Tensor x, Tensor y) {
        net.forwardBackward(x, y, null);
        sgd.step(net.parameters(), net.gradients());
    }

    /** How long a JVM side (LogitNet, DJL) keeps warming up after its warm-up steps, for the JIT (up to 50 steps). */
    static double warmSeconds(Options o) {
        return Math.min(o.quick() ? 0.1 : 0.5, o.budgetSeconds() / 4);
    }

    /** The backend name of the rows timed with CUDA graphs, beside the backend's own rows: {@code cuda-graphs}. */
    static final String GRAPHS_SUFFIX = "-graphs";
    /** CUDA graphs are timed beside call-by-call steps where those take under this (launch-bound shapes). */
    static final double GRAPHS_BELOW_MS = 10;

    /**
     * Whether to time CUDA graphs beside: a CUDA backend opened with {@code -Dlogitnet.cudaGraphs=true}. Its own rows
     * are then timed with graphs off, and the FP32 shapes whose step takes under {@value #GRAPHS_BELOW_MS} ms again
     * with graphs on, as backend {@code cuda-graphs}: the next GPU run measures whether graphs should be the default.
     */
    static boolean graphsBeside(Backend b) {
        if (b instanceof io.logitnet.cuda.CudaBackend c && c.cudaGraphs()) {
            c.setCudaGraphs(false);
            graphsOn.add(c);
        }
        return graphsOn.contains(b);
    }

    private static final java.util.Set<Backend> graphsOn = java.util.Collections.newSetFromMap(
            new java.util.IdentityHashMap<>());

    /** {@link #measure} with CUDA graphs on, reported as backend {@code cuda-graphs}. */
    static Measurement measureWithGraphs(io.logitnet.cuda.CudaBackend b, Shape s, Options o, double peakTflops,
                                         PrintStream log, boolean epoch) {
        b.setCudaGraphs(true);
        try {
            log.println("with CUDA graphs:");
            Measurement m = measure(b, s, o, peakTflops, log, epoch);
            return m.withBackend(b.name() + GRAPHS_SUFFIX);
        } finally {
            b.setCudaGraphs(false);
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    /**
     * One epoch through {@link Trainer} on {@code steps} random mini-batches: shuffling, host → device copies of each
     * batch, the steps, and the trainer's end-of-epoch evaluation pass over the training rows.
     */
    static double epoch(Network net, Shape s, int steps) {
        int rows = s.batch() * steps;
        int in = s.layers().get(0);
        Dataset data = new Dataset(BenchData.uniform(Math.multiplyExact(rows, in), 3), rows, in,
                BenchData.labels(rows, s.layers().get(s.layers().size() - 1), 4), 1, null);
        TrainConfig config = TrainConfig.defaults().withEpochs(1).withBatchSize(s.batch()).withValidationSplit(0)
                .withOptimizer(OptimizerSpec.sgd(0.01f, 0f));
        Trainer trainer = new Trainer(config, TrainingListener.NONE);
        long t0 = System.nanoTime();
        trainer.fit(net, data);
        net.backend().synchronize();
        return (System.nanoTime() - t0) / 1e6;
    }

    /** PyTorch device and precision pairs to compare with: the same hardware as each backend. */
    static List<String[]> torchTargets(List<Backend> open, PyTorchRunner torch) {
        List<String[]> out = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (Backend b : open) {
            String dev = torchDevice(b, torch.cudaAvailable());
            if (dev == null) {
                continue;
            }
            for (Precision p : precisions(b)) {
                String key = dev + " " + lower(p);
                if (!seen.contains(key)) {
                    seen.add(key);
                    out.add(new String[] {dev, lower(p)});
                }
            }
        }
        return out;
    }

    /** PyTorch's device on the same hardware as b: cpu for the CPU backend and CPU OpenCL devices, else cuda. */
    static String torchDevice(Backend b, boolean torchCuda) {
        String name = b.deviceName().toLowerCase(Locale.ROOT);
        boolean onCpu = b.name().equals("cpu") || name.contains("pthread") || name.contains("cpu")
                || name.contains("portable computing language");
        if (onCpu) {
            return "cpu";
        }
        boolean nvidia = b.name().equals("cuda") || name.contains("nvidia");
        return nvidia && torchCuda ? "cuda" : null;
    }

    private static List<Measurement> withPytorch(List<Measurement> shapeRows, List<Backend> open, PyTorchRunner torch,
                                                 Map<String, Double> torchPeaks, Shape s, Options o,
                                                 List<String> notes, PrintStream log) {
        Map<String, JsonNode> answers = new LinkedHashMap<>();
        List<Measurement> out = new ArrayList<>();
        for (Measurement m : shapeRows) {
            Backend b = open.stream().filter(x -> x.name().equals(m.backend())
                    || (x.name() + GRAPHS_SUFFIX).equals(m.backend())).findFirst().orElseThrow();
            String dev = torchDevice(b, torch.cudaAvailable());
            String key = dev + " " + m.precision();
            if (dev == null || !m.measured() || !torchPeaks.containsKey(key)) {
                out.add(m);
                continue;
            }
            JsonNode r = answers.get(key);
            if (r == null) {
                int minReps = Math.min(3, o.reps());
                r = torch.step(dev, m.precision(), s, o.warmup(), o.reps(), minReps, o.budgetSeconds(),
                        o.minSeconds(), dev.equals("cpu") ? torchThreadChoices(o, torch) : List.of());
                answers.put(key, r);
                if (r.has("error")) {
                    notes.add("PyTorch " + key + " " + s.id() + ": " + r.get("error").asText());
                    log.println("pytorch " + key + " " + s.id() + ": " + r.get("error").asText());
                } else {
                    log.printf(Locale.ROOT, "pytorch %s %s: median %.3f ms over %d steps, %.4f TFLOP/s%n", key, s.id(),
                            r.get("step_ms").asDouble(), r.get("steps").asInt(), r.get("tflops").asDouble());
                }
            }
            if (r.has("error")) {
                out.add(m);
            } else {
                out.add(m.withPytorch(dev, r.get("step_ms").asDouble(), r.get("tflops").asDouble(),
                        torchPeaks.get(key), r.has("threads") ? r.get("threads").asInt() : null));
            }
        }
        return out;
    }

    /**
     * PyTorch's CPU thread counts to try: {@code --torch-threads N} alone, or else every core (as LogitNet uses) and
     * PyTorch's own default, so that neither setting handicaps it.
     */
    static List<Integer> torchThreadChoices(Options o, PyTorchRunner torch) {
        if (o.torchThreads() > 0) {
            return List.of(o.torchThreads());
        }
        int cores = Runtime.getRuntime().availableProcessors();
        int own = torch.defaultThreads();
        return own == cores ? List.of(cores) : List.of(cores, own);
    }

    /**
     * DJL's timing of shape {@code s} beside each fp32 row measured on the CPU (the CPU backend, OpenCL on a CPU
     * device): one request per shape, in the same run, right after the other sides'.
     */
    private static List<Measurement> withDjl(List<Measurement> shapeRows, List<Backend> open, DjlRunner djl, Shape s,
                                             Options o, List<String> notes, PrintStream log) {
        JsonNode r = null;
        List<Measurement> out = new ArrayList<>();
        for (Measurement m : shapeRows) {
            Backend b = open.stream().filter(x -> x.name().equals(m.backend())).findFirst().orElseThrow();
            if (!"cpu".equals(torchDevice(b, false)) || !m.precision().equals("fp32") || !m.measured()) {
                out.add(m);
                continue;
            }
            if (r == null) {
                try {
                    r = djl.step(s, o.warmup(), warmSeconds(o), o.reps(), Math.min(3, o.reps()), o.budgetSeconds(),
                            o.minSeconds(), djlThreadChoices(o, djl));
                } catch (RuntimeException e) {
                    r = JsonNodeFactory.instance.objectNode().put("error", e.getMessage());
                }
                if (r.has("error")) {
                    notes.add("DJL " + s.id() + ": " + r.get("error").asText());
                    log.println("djl " + s.id() + ": " + r.get("error").asText());
                } else {
                    log.printf(Locale.ROOT, "djl cpu fp32 %s: median %.3f ms over %d steps, %.4f TFLOP/s, %d thread(s)"
                            + "%n", s.id(), r.get("step_ms").asDouble(), r.get("steps").asInt(),
                            r.get("tflops").asDouble(), r.get("threads").asInt());
                }
            }
            out.add(r.has("error") ? m : m.withDjl(r.get("step_ms").asDouble(), r.get("tflops").asDouble(),
                    r.has("threads") ? r.get("threads").asInt() : null));
        }
        return out;
    }

    /**
     * libtorch's intra-op thread counts for DJL: the policy of PyTorch's column ({@code --torch-threads N} alone, or
     * else every core and libtorch's own default), so that the two peers run alike.
     */
    static List<Integer> djlThreadChoices(Options o, DjlRunner djl) {
        if (o.torchThreads() > 0) {
            return List.of(o.torchThreads());
        }
        int cores = Runtime.getRuntime().availableProcessors();
        int own = djl.defaultThreads();
        return own == cores ? List.of(cores) : List.of(cores, own);
    }

    private static List<Measurement> withRatioVsCpu(List<Measurement> shapeRows) {
        Double cpu = null;
        for (Measurement m : shapeRows) {
            if (m.backend().equals("cpu") && m.precision().equals("fp32") && m.measured()) {
                cpu = m.stepMs();
            }
        }
        List<Measurement> out = new ArrayList<>();
        for (Measurement m : shapeRows) {
            out.add(cpu != null && m.measured() ? m.withRatioVsCpu(cpu / m.stepMs()) : m);
        }
        return out;
    }

    /** Command-line entry point; see {@link BenchCli} for the options. */
    public static void main(String[] args) {
        System.exit(BenchCli.run(args, "java -cp " + System.getProperty("java.class.path")
                + " io.logitnet.bench.StepBench", System.out, System.err));
    }

    /** The output folder's name for files of a run: {@code DATE-NAME}. */
    static Path stem(Path dir, String date, String name) {
        return dir.resolve(date + "-" + name);
    }
}
