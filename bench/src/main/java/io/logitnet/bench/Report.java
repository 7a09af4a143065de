package io.logitnet.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The harness's results as a JSON array, a JSON document with the run's context, a Markdown report and a table. */
public final class Report {
    /** snake_case names, nulls left out. */
    static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private Report() {
    }

    /** One JSON array: an object per measurement. */
    public static String jsonArray(StepBench.Result r) {
        try {
            return JSON.writeValueAsString(r.measurements());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The whole run: date, command, machine, devices, GEMM peaks, PyTorch's versions, measurements, profiles. */
    public static String jsonDocument(StepBench.Result r) {
        ObjectNode doc = JSON.createObjectNode();
        doc.put("date", r.date());
        doc.put("command", r.command());
        doc.set("machine", JSON.valueToTree(r.machine()));
        doc.set("devices", JSON.valueToTree(r.devices()));
        doc.put("gemm_n", r.gemmN());
        doc.set("gemm_peak_tflops", JSON.valueToTree(r.gemmPeaks()));
        if (r.pytorchInfo() != null) {
            doc.set("pytorch", r.pytorchInfo());
        }
        if (r.djlInfo() != null) {
            doc.set("djl", r.djlInfo());
        }
        if (r.djlNotRun() != null) {
            doc.put("djl_not_run", r.djlNotRun());
        }
        doc.set("measurements", JSON.valueToTree(r.measurements()));
        ArrayNode profiles = doc.putArray("profiles");
        for (StepProfile.Breakdown b : r.profiles()) {
            ObjectNode p = profiles.addObject().put("backend", b.backend()).put("device", b.device())
                    .put("shape", b.shape().id());
            ArrayNode ops = p.putArray("ops");
            for (StepProfile.Op op : b.ops()) {
                ObjectNode o = ops.addObject().put("op", op.name()).put("ms", op.ms());
                if (op.flops() > 0) {
                    o.put("gflops", op.gflops());
                }
            }
        }
        doc.set("pytorch_profiles", JSON.valueToTree(r.pytorchProfiles()));
        doc.set("notes", JSON.valueToTree(r.notes()));
        doc.put("wall_seconds", r.wallSeconds());
        try {
            return JSON.writeValueAsString(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes {@code DATE-NAME.json}, {@code .md} and {@code .png} into {@code dir}. A plot that cannot be drawn here
     * (a Java runtime without {@code java.desktop}, no fonts) leaves the other two files whole; the Markdown says why
     * and how to draw it from the JSON ({@link Plot#main}).
     *
     * @return the files written
     */
    public static List<Path> write(StepBench.Result r, Path dir, String name) {
        try {
            Files.createDirectories(dir);
            Path stem = StepBench.stem(dir, r.date(), name);
            Path json = Path.of(stem + ".json");
            Path md = Path.of(stem + ".md");
            Path png = Path.of(stem + ".png");
            Files.writeString(json, jsonDocument(r) + "\n", StandardCharsets.UTF_8);
            String plotMissing = null;
            try {
                Plot.write(r, png);
            } catch (IOException | RuntimeException | Error e) { // never name a java.desktop class here: it may be absent
                if (e instanceof VirtualMachineError) {
                    throw (VirtualMachineError) e;
                }
                plotMissing = e.toString();
            }
            Files.writeString(md, markdown(r, png.getFileName().toString(), json.getFileName().toString(),
                    plotMissing), StandardCharsets.UTF_8);
            return plotMissing == null ? List.of(md, json, png) : List.of(md, json);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the benchmark report into " + dir, e);
        }
    }

    /**
     * The step times of an earlier report ({@code DATE-NAME.json} as {@link #write} writes it), keyed by backend,
     * precision and shape id, for the no-regression goals.
     *
     * @throws UncheckedIOException if the file cannot be read
     * @throws IllegalArgumentException naming the file if it is not such a report
     */
    public static Map<String, Double> baseline(Path file) {
        JsonNode doc;
        try {
            doc = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the baseline report " + file, e);
        }
        JsonNode rows = doc == null ? null : doc.get("measurements");
        if (rows == null || !rows.isArray()) {
            throw new IllegalArgumentException(file + " is not a bench report: it has no \"measurements\" array");
        }
        Map<String, Double> out = new java.util.LinkedHashMap<>();
        for (JsonNode m : rows) {
            JsonNode ms = m.get("step_ms");
            if (ms != null && ms.isNumber() && m.hasNonNull("backend") && m.hasNonNull("precision")
                    && m.hasNonNull("batch") && m.hasNonNull("layers")) {
                List<Integer> layers = new ArrayList<>();
                m.get("layers").forEach(l -> layers.add(l.asInt()));
                out.put(m.get("backend").asText() + " " + m.get("precision").asText() + " "
                        + new Shape(m.get("batch").asInt(), layers).id(), ms.asDouble());
            }
        }
        return out;
    }

    /** A plain-text table of the measurements, for a terminal. */
    public static String table(StepBench.Result r) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-7s %-5s %-28s %10s %8s %6s %8s %10s %9s %10s %8s%n", "backend",
                "prec", "shape", "step ms", "TFLOP/s", "%peak", "vs cpu", "torch ms", "vs torch", "djl ms", "vs djl"));
        for (Measurement m : r.measurements()) {
            if (!m.measured()) {
                sb.append(String.format(Locale.ROOT, "%-7s %-5s %-28s skipped: %s%n", m.backend(), m.precision(),
                        m.shape().id(), m.skipped()));
                continue;
            }
            sb.append(String.format(Locale.ROOT, "%-7s %-5s %-28s %10.3f %8.4f %5.0f%% %8s %10s %9s %10s %8s%n",
                    m.backend(), m.precision(), m.shape().id(), m.stepMs(), m.tflops(), 100 * m.fractionOfPeak(),
                    ratio(m.ratioVsCpu()), m.pytorchStepMs() == null ? "-" : f3(m.pytorchStepMs()),
                    ratio(m.ratioVsPytorch()), m.djlStepMs() == null ? "-" : f3(m.djlStepMs()),
                    ratio(m.ratioVsDjl())));
        }
        for (String n : r.notes()) {
            sb.append("note: ").append(n).append('\n');
        }
        for (Verdict v : verdicts(r)) {
            sb.append("goal: ").append(v.goal()).append(": ").append(v.measured()).append(": ").append(v.verdict())
                    .append('\n');
        }
        return sb.toString();
    }

    /**
     * The Markdown report: context, goals with pass/miss, issue 2's shape, the breakdowns, every number.
     *
     * @param plotMissing why the plot could not be drawn, or null when it was
     */
    public static String markdown(StepBench.Result r, String png, String json, String plotMissing) {
        StringBuilder sb = new StringBuilder();
        sb.append("# LogitNet training-step benchmark, ").append(r.date()).append("\n\n");
        sb.append("Command: `").append(r.command()).append("`  \n");
        sb.append(String.format(Locale.ROOT, "Wall time: %.0f s. Raw numbers: [%s](%s).%n%n", r.wallSeconds(), json,
                json));
        sb.append("## Machine\n\n| | |\n|---|---|\n");
        r.machine().forEach((k, v) -> sb.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        r.devices().forEach((k, v) -> sb.append("| backend ").append(k).append(" | ").append(v).append(" |\n"));
        if (r.pytorchInfo() != null) {
            JsonNode p = r.pytorchInfo();
            sb.append("| PyTorch | ").append(p.path("torch_version").asText()).append(", Python ")
                    .append(p.path("python").asText()).append(", its default ").append(p.path("threads").asText())
                    .append(" CPU thread(s) (the harness times each CPU shape with every core and with the default, and"
                            + " keeps the faster; see the threads column), BLAS_INFO=")
                    .append(p.path("blas").asText().isEmpty() ? "(none reported)" : p.path("blas").asText())
                    .append(", mkldnn ").append(p.path("mkldnn").asText())
                    .append(p.path("cuda_available").asBoolean() ? ", CUDA " + p.path("cuda_version").asText()
                            + " on " + p.path("cuda_device").asText() : ", no CUDA")
                    .append(" |\n");
        }
        sb.append("| DJL | ").append(djlLine(r)).append(" |\n");
        sb.append("\n## What is measured\n\n");
        sb.append("One training step: forward through sigmoid hidden layers, softmax cross-entropy on the logits, "
                + "backward, plain SGD update (lr 0.01), with the device synchronized at the end of every step; each "
                + "step timed alone after warm-up steps, median reported. PyTorch times the same step "
                + "(`nn.Sequential` of `nn.Linear` + `nn.Sigmoid`, `F.cross_entropy`, `backward()`, "
                + "`torch.optim.SGD`) on the same hardware, in the same run, shape by shape. TFLOP/s = 6 × batch × "
                + "Σ in·out / step time (both sides skip the first layer's input gradient, so the real work is "
                + "2 × batch × in·h1 less). The GEMM peak is the best rate of an ")
                .append(r.gemmN()).append("×").append(r.gemmN()).append("×").append(r.gemmN())
                .append(" product measured on each device in this run. Memory: bytes of tensors a step holds "
                        + "(parameters, gradients, optimizer state, workspaces, the batch), computed from the shapes. "
                        + "Epoch: one pass of `Trainer` over N random mini-batches (shuffling, host → device copies, "
                        + "the steps, and its end-of-epoch evaluation pass). Ratios: \"vs CPU\" is the CPU "
                        + "backend's step time over this one's, \"vs PyTorch\" is PyTorch's over LogitNet's; "
                        + "above 1 means LogitNet (this backend) is faster. DJL (its PyTorch engine, libtorch on the "
                        + "CPU, in its own JVM, offline) times the same step with DJL's training API "
                        + "(`SequentialBlock` of `Linear` + `Activation.sigmoidBlock()`, "
                        + "`Loss.softmaxCrossEntropyLoss()`, `GradientCollector.backward`, `Trainer.step()` with "
                        + "`Optimizer.sgd()`, lr 0.01) beside the rows measured on the CPU, warmed up as LogitNet is; "
                        + "\"vs DJL\" is DJL's step time over LogitNet's.");
        int rounds = r.measurements().stream().map(Measurement::rounds).filter(java.util.Objects::nonNull)
                .mapToInt(Integer::intValue).max().orElse(1);
        if (rounds > 1) {
            sb.append(" Each shape was measured in ").append(rounds).append(" rounds, every side in turn (LogitNet, "
                    + "PyTorch, DJL, then again), so that a change of the machine's load hits both sides of a ratio "
                    + "alike: step times are the medians of the rounds' medians, min–max over all steps, and each "
                    + "goal lists every round's ratio.");
        }
        sb.append("\n\n");
        goals(sb, r);
        issue2(sb, r);
        breakdowns(sb, r);
        sb.append("## Throughput\n\n![throughput against hidden width](").append(png).append(")\n\n");
        if (plotMissing != null) {
            sb.append("(Not drawn where the benchmark ran: ").append(plotMissing).append(". Draw it from the JSON: `java "
                    + "-cp cli/target/logitnet.jar io.logitnet.bench.Plot ").append(json).append("`.)\n\n");
        }
        sb.append("## GEMM peaks (TFLOP/s, ").append(r.gemmN()).append("³)\n\n| device | TFLOP/s |\n|---|---:|\n");
        r.gemmPeaks().forEach((k, v) -> sb.append("| ").append(k).append(" | ").append(f4(v)).append(" |\n"));
        sb.append("\n## All measurements\n\n");
        sb.append("| backend | prec | batch | layers | step ms (min–max, steps) | TFLOP/s | of GEMM peak | examples/s "
                + "| memory MiB | vs CPU | epoch ms (steps) | PyTorch ms (threads) | PyTorch TFLOP/s | vs PyTorch "
                + "| DJL ms (threads) | vs DJL |\n");
        sb.append("|---|---|---:|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|\n");
        List<Measurement> skipped = new ArrayList<>();
        for (Measurement m : r.measurements()) {
            if (!m.measured()) {
                skipped.add(m);
                continue;
            }
            sb.append("| ").append(m.backend()).append(" | ").append(m.precision()).append(" | ").append(m.batch())
                    .append(" | ").append(m.shape().arrows()).append(" | ")
                    .append(String.format(Locale.ROOT, "%s (%s–%s, %d)", f3(m.stepMs()), f3(m.stepMsMin()),
                            f3(m.stepMsMax()), m.steps()))
                    .append(" | ").append(f4(m.tflops()))
                    .append(" | ").append(String.format(Locale.ROOT, "%.0f%%", 100 * m.fractionOfPeak()))
                    .append(" | ").append(String.format(Locale.ROOT, "%.0f", m.examplesPerS()))
                    .append(" | ").append(String.format(Locale.ROOT, "%.1f", m.peakMemoryBytes() / 1048576.0))
                    .append(" | ").append(ratio(m.ratioVsCpu()))
                    .append(" | ").append(m.epochMs() == null ? "-" : f3(m.epochMs()) + " (" + m.epochSteps() + ")")
                    .append(" | ").append(m.pytorchStepMs() == null ? "-" : f3(m.pytorchStepMs())
                            + (m.pytorchThreads() == null ? "" : " (" + m.pytorchThreads() + "t)"))
                    .append(" | ").append(m.pytorchTflops() == null ? "-" : f4(m.pytorchTflops()))
                    .append(" | ").append(ratio(m.ratioVsPytorch()))
                    .append(" | ").append(m.djlStepMs() == null ? "-" : f3(m.djlStepMs())
                            + (m.djlThreads() == null ? "" : " (" + m.djlThreads() + "t)"))
                    .append(" | ").append(ratio(m.ratioVsDjl())).append(" |\n");
        }
        if (!skipped.isEmpty()) {
            sb.append("\n## Skipped\n\n");
            for (Measurement m : skipped) {
                sb.append("- ").append(m.backend()).append(' ').append(m.precision()).append(", batch ")
                        .append(m.batch()).append(", ").append(m.shape().arrows()).append(": ").append(m.skipped())
                        .append('\n');
            }
        }
        if (!r.notes().isEmpty()) {
            sb.append("\n## Notes\n\n");
            for (String n : r.notes()) {
                sb.append("- ").append(n).append('\n');
            }
        }
        return sb.toString();
    }

    /**
     * The machine table's DJL line: DJL's version, engine, libtorch's version and where it was loaded from, and its
     * threads; or why DJL was not run.
     */
    static String djlLine(StepBench.Result r) {
        JsonNode d = r.djlInfo();
        if (d == null) {
            return r.djlNotRun() == null ? "not run" : r.djlNotRun().replaceFirst("^DJL: ", "");
        }
        StringBuilder sb = new StringBuilder();
        sb.append("DJL ").append(d.path("djl_version").asText()).append(", engine ").append(d.path("engine").asText())
                .append(", libtorch ").append(d.path("libtorch_version").asText());
        if (d.hasNonNull("libtorch_path")) {
            sb.append(" (loaded from ").append(d.path("libtorch_path").asText()).append(')');
        }
        sb.append(", its default ").append(d.path("threads").asText()).append(" intra-op thread(s) (each CPU shape is "
                + "timed with every core and with the default, and the faster kept, as PyTorch's; see the threads "
                + "column), ").append(d.path("interop_threads").asText()).append(" inter-op, offline ")
                .append(d.path("offline").asText());
        if (d.path("features").size() > 0) {
            List<String> f = new ArrayList<>();
            d.path("features").forEach(x -> f.add(x.asText()));
            sb.append(", ").append(String.join(" ", f));
        }
        if (d.hasNonNull("java")) {
            sb.append(", Java ").append(d.path("java").asText());
        }
        return sb.toString();
    }

    /** One goal of the benchmark: what it asks, what this run measured, and pass, miss or why it was not judged. */
    public record Verdict(String goal, String measured, String verdict) {
    }

    private static void goals(StringBuilder sb, StepBench.Result r) {
        sb.append("## Goals\n\n| goal | measured | verdict |\n|---|---|---|\n");
        for (Verdict v : verdicts(r)) {
            sb.append("| ").append(v.goal()).append(" | ").append(v.measured()).append(" | ").append(v.verdict())
                    .append(" |\n");
        }
        sb.append('\n');
    }

    /** "miss by 12%", or with a decimal below 1% ("miss by 0.4%", never "miss by 0%"). */
    static String missBy(double percent) {
        return String.format(Locale.ROOT, percent < 1 ? "miss by %.1f%%" : "miss by %.0f%%", percent);
    }

    /** "; rounds 1.02×, 0.97×, 1.10×" when the shape was measured in several rounds, else nothing. */
    static String rounds(Measurement m) {
        if (m.roundRatiosVsPytorch() == null) {
            return "";
        }
        List<String> each = new ArrayList<>();
        for (Double r : m.roundRatiosVsPytorch()) {
            each.add(ratio(r));
        }
        return "; medians of " + m.rounds() + " rounds, whose ratios were " + String.join(", ", each);
    }

    /** The verdict of every goal (issue 14): CPU vs PyTorch per shape, OpenCL against a baseline, the GPU goals. */
    public static List<Verdict> verdicts(StepBench.Result r) {
        List<Verdict> out = new ArrayList<>();
        List<Measurement> cpu = select(r, "cpu", true);
        if (cpu.isEmpty()) {
            out.add(new Verdict("CPU backend ≥ 1.0× PyTorch CPU", "not measured (no PyTorch or no CPU rows)", "-"));
        } else {
            for (Measurement m : cpu) {
                out.add(new Verdict("CPU backend ≥ 1.0× PyTorch CPU, " + m.batch() + " × " + m.shape().arrows(),
                        ratio(m.ratioVsPytorch()) + " (" + f3(m.stepMs()) + " vs " + f3(m.pytorchStepMs()) + " ms"
                                + rounds(m) + ")",
                        m.ratioVsPytorch() >= 1.0 ? "pass" : missBy(100 * (1 - m.ratioVsPytorch()))));
            }
        }
        List<Measurement> cuda = select(r, "cuda", true);
        if (cuda.isEmpty()) {
            out.add(new Verdict("CUDA ≥ 0.95× PyTorch at wide shapes (BF16 vs autocast BF16), ≥ 1.0× at small",
                    "not measured: no GPU (no CUDA device, or no PyTorch with CUDA) in this run", "-"));
        } else {
            for (Measurement m : cuda) {
                boolean wide = m.hiddenWidth() >= 4096;
                double target = wide ? 0.95 : 1.0;
                out.add(new Verdict("CUDA " + m.precision() + " ≥ " + target + "× PyTorch, " + m.batch() + " × "
                        + m.shape().arrows(), ratio(m.ratioVsPytorch()), m.ratioVsPytorch() >= target ? "pass"
                        : String.format(Locale.ROOT, "miss by %.0f%%", 100 * (target - m.ratioVsPytorch()) / target)));
            }
        }
        for (String p : List.of("fp32", "tf32")) {
            Double ours = r.gemmPeaks().get("cuda " + p);
            Double theirs = r.gemmPeaks().get("pytorch cuda " + p);
            if (ours != null && theirs != null) {
                double ratio = ours / theirs;
                out.add(new Verdict("CUDA GEMM " + r.gemmN() + "³ " + p + " ≥ 0.95× PyTorch's",
                        String.format(Locale.ROOT, "%.1f vs %.1f TFLOP/s: %s", ours, theirs, ratio(ratio)),
                        ratio >= 0.95 ? "pass" : String.format(Locale.ROOT, "miss by %.0f%%",
                                100 * (0.95 - ratio) / 0.95)));
            }
        }
        List<Measurement> cl = select(r, "opencl", false);
        boolean nvidia = !cl.isEmpty() && cl.get(0).device().toLowerCase(Locale.ROOT).contains("nvidia");
        List<Measurement> cudaAll = select(r, "cuda", false);
        if (!nvidia || cudaAll.isEmpty()) {
            String why = cl.isEmpty() ? "no OpenCL rows" : "OpenCL ran on " + cl.get(0).device()
                    + ", not an NVIDIA GPU" + (cudaAll.isEmpty() ? ", and no CUDA backend" : "");
            out.add(new Verdict("OpenCL on an NVIDIA GPU ≥ 0.5× CUDA backend", "not measured: " + why, "-"));
        } else {
            for (Measurement m : cl) {
                for (Measurement c : cudaAll) {
                    if (c.shape().equals(m.shape()) && c.precision().equals("fp32")) {
                        double ratio = c.stepMs() / m.stepMs();
                        out.add(new Verdict("OpenCL ≥ 0.5× CUDA, " + m.batch() + " × " + m.shape().arrows(),
                                ratio(ratio), ratio >= 0.5 ? "pass" : String.format(Locale.ROOT, "miss by %.0f%%",
                                        100 * (0.5 - ratio) / 0.5)));
                    }
                }
            }
        }
        for (Measurement m : cl) {
            Double before = r.baseline().get(m.backend() + " " + m.precision() + " " + m.shape().id());
            String goal = "OpenCL no regression, " + m.batch() + " × " + m.shape().arrows();
            if (before == null) {
                out.add(new Verdict(goal, f3(m.stepMs()) + " ms; vs CPU backend " + ratio(m.ratioVsCpu()),
                        "not judged: no baseline for this shape (--baseline an earlier report's .json)"));
            } else {
                // a step may be up to 10% slower than the baseline's before it counts: the noise of a shared machine
                out.add(new Verdict(goal, f3(m.stepMs()) + " ms vs " + f3(before) + " ms before",
                        m.stepMs() <= 1.10 * before ? "pass" : String.format(Locale.ROOT, "miss: %.0f%% slower",
                                100 * (m.stepMs() / before - 1))));
            }
        }
        return out;
    }

    private static void issue2(StringBuilder sb, StepBench.Result r) {
        Shape s = StepBench.ISSUE_2_SHAPE;
        sb.append("## Issue 2: batch 1024, 784 → 4096 sigmoid → 10 softmax cross-entropy, SGD\n\n");
        boolean any = false;
        for (Measurement m : r.measurements()) {
            if (m.shape().equals(s) && m.measured()) {
                any = true;
                sb.append("- ").append(m.backend()).append(' ').append(m.precision()).append(": ")
                        .append(f3(m.stepMs())).append(" ms per step (").append(f4(m.tflops())).append(" TFLOP/s, ")
                        .append(String.format(Locale.ROOT, "%.0f%%", 100 * m.fractionOfPeak()))
                        .append(" of this device's GEMM peak)");
                if (m.pytorchStepMs() != null) {
                    sb.append("; PyTorch ").append(m.pytorchDevice()).append(' ').append(f3(m.pytorchStepMs()))
                            .append(" ms; ratio ").append(ratio(m.ratioVsPytorch()))
                            .append(m.ratioVsPytorch() >= 1 ? " (LogitNet faster)" : " (PyTorch faster)");
                }
                if (m.djlStepMs() != null) {
                    sb.append("; DJL cpu ").append(f3(m.djlStepMs())).append(" ms; ratio ").append(ratio(m.ratioVsDjl()))
                            .append(m.ratioVsDjl() >= 1 ? " (LogitNet faster)" : " (DJL faster)");
                }
                sb.append('\n');
            } else if (m.shape().equals(s)) {
                any = true;
                sb.append("- ").append(m.backend()).append(": skipped, ").append(m.skipped()).append('\n');
            }
        }
        if (!any) {
            sb.append("Not in this run's grid.\n");
        }
        sb.append('\n');
    }

    /** Where the time goes: each profiled shape on each backend, then PyTorch's own view of the same step. */
    private static void breakdowns(StringBuilder sb, StepBench.Result r) {
        List<Shape> shapes = new ArrayList<>();
        r.profiles().forEach(b -> {
            if (!shapes.contains(b.shape())) {
                shapes.add(b.shape());
            }
        });
        for (Shape s : shapes) {
            sb.append("## Where the time goes: batch ").append(s.batch()).append(", ").append(s.arrows())
                    .append("\n");
            for (StepProfile.Breakdown b : r.profiles()) {
                if (!b.shape().equals(s)) {
                    continue;
                }
                double total = 0;
                for (StepProfile.Op op : b.ops()) {
                    total += op.ms();
                }
                sb.append("\n").append(b.backend()).append(" fp32 on ").append(b.device())
                        .append(" (each operation run alone, synchronized; median of the repetitions):\n\n")
                        .append("| operation | ms | share | GFLOP/s |\n|---|---:|---:|---:|\n");
                for (StepProfile.Op op : b.ops()) {
                    sb.append("| ").append(op.name()).append(" | ").append(f3(op.ms())).append(" | ")
                            .append(String.format(Locale.ROOT, "%.1f%%", 100 * op.ms() / total)).append(" | ")
                            .append(op.flops() > 0 ? String.format(Locale.ROOT, "%.1f", op.gflops()) : "")
                            .append(" |\n");
                }
                sb.append("| **sum** | ").append(f3(total)).append(" | 100% | |\n");
                roofline(sb, r, b.backend(), b.ops(), total);
            }
            for (JsonNode p : r.pytorchProfiles()) {
                List<Integer> layers = new ArrayList<>();
                p.path("layers").forEach(w -> layers.add(w.asInt()));
                if (!new Shape(p.path("batch").asInt(), layers).equals(s)) {
                    continue;
                }
                sb.append("\nPyTorch ").append(p.path("device").asText()).append(", the same step in fp32 under the "
                        + "profiler (").append(p.path("measure").asText("self CPU time per operator"))
                        .append(", per step; the profiler adds overhead):\n\n| operator | ms | calls |\n|---|---:|---:|\n");
                for (JsonNode op : p.path("ops")) {
                    sb.append("| ").append(op.path("name").asText()).append(" | ")
                            .append(f3(op.path("ms").asDouble())).append(" | ")
                            .append(String.format(Locale.ROOT, "%.0f", op.path("calls").asDouble())).append(" |\n");
                }
            }
            sb.append('\n');
        }
    }

    /** GEMM time against element-wise time, and the step against the bound its FLOPs set at the GEMM peak. */
    private static void roofline(StringBuilder sb, StepBench.Result r, String backend, List<StepProfile.Op> ops,
                                 double total) {
        double gemm = 0;
        double flops = 0;
        for (StepProfile.Op op : ops) {
            if (op.flops() > 0) {
                gemm += op.ms();
                flops += op.flops();
            }
        }
        Double peak = r.gemmPeaks().get(backend + " fp32");
        sb.append(String.format(Locale.ROOT, "%nGEMMs: %.1f ms (%.0f%% of the sum) at %.1f GFLOP/s; element-wise "
                + "work, reductions and the update: %.1f ms (%.0f%%).", gemm, 100 * gemm / total,
                flops / (gemm / 1e3) / 1e9, total - gemm, 100 * (total - gemm) / total));
        if (peak != null) {
            double bound = flops / (peak * 1e12) * 1e3;
            sb.append(String.format(Locale.ROOT, " At this device's measured GEMM peak (%.1f GFLOP/s) the step's "
                    + "%.1f GFLOP of products need at least %.1f ms; the profiled step is %.2f× that bound: its GEMMs "
                    + "take %.1f ms more than the bound and the element-wise work adds %.1f ms.", peak * 1e3,
                    flops / 1e9, bound, total / bound, gemm - bound, total - gemm));
        }
        sb.append('\n');
    }

    /** Measured rows of one backend, with a PyTorch ratio when {@code withTorch}. */
    private static List<Measurement> select(StepBench.Result r, String backend, boolean withTorch) {
        List<Measurement> out = new ArrayList<>();
        for (Measurement m : r.measurements()) {
            if (m.backend().equals(backend) && m.measured() && (!withTorch || m.ratioVsPytorch() != null)) {
                out.add(m);
            }
        }
        return out;
    }

    private static double geomean(List<Measurement> rows) {
        double s = 0;
        for (Measurement m : rows) {
            s += Math.log(m.ratioVsPytorch());
        }
        return Math.exp(s / rows.size());
    }

    static String ratio(Double r) {
        return r == null ? "-" : String.format(Locale.ROOT, "%.2f×", r);
    }

    static String f3(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.1f" : v >= 1 ? "%.2f" : "%.3f", v);
    }

    static String f4(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
