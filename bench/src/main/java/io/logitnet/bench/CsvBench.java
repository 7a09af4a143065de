package io.logitnet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitnet.backend.Loss;
import io.logitnet.cpu.CpuBackend;
import io.logitnet.data.ClassLabels;
import io.logitnet.data.CsvBatchSource;
import io.logitnet.data.CsvReader;
import io.logitnet.data.Dataset;
import io.logitnet.data.FeatureEncoding;
import io.logitnet.data.FeatureSelection;
import io.logitnet.data.Target;
import io.logitnet.data.TrainingData;
import io.logitnet.model.LogisticRegression;
import io.logitnet.nn.Architecture;
import io.logitnet.nn.Init;
import io.logitnet.nn.Network;
import io.logitnet.train.History;
import io.logitnet.train.OptimizerSpec;
import io.logitnet.train.TrainConfig;
import io.logitnet.train.Trainer;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Issue 17's side-by-side measurement of reading CSV data: a 200,000 × 50 file generated here with a fixed seed,
 * then, alternating in one run, LogitNet's {@code train} path (a fresh JVM: read, standardize, L-BFGS logistic
 * regression on the CPU backend) against {@code /usr/bin/python3} with pandas {@code read_csv} + scikit-learn
 * {@code LogisticRegression().fit}, and {@code evaluate} (read + predict) against pandas + {@code predict_proba}:
 * wall time of each process from start to exit and its peak resident memory. Then a CSV of about 2 GB is streamed
 * through one epoch of Adam in a JVM with {@code -Xmx1g}. Run from the command's jar, it also times the
 * {@code logitnet} command itself (train with scikit-learn's penalty, train unpenalized with inference, evaluate).
 *
 * <pre>
 * java -cp cli/target/logitnet.jar io.logitnet.bench.CsvBench --out bench/results
 * </pre>
 */
public final class CsvBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCRIPT = "io/logitnet/bench/csv/csv_bench.py";

    private CsvBench() {
    }

    /**
     * Options: --rows N --cols N --seed N --repeats N --stream-gb G (0: skip) --python PATH --work DIR --out DIR;
     * or {@code --render REPORT.json DIR} to write the Markdown of a report again.
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--child")) {
            child(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length == 3 && args[0].equals("--render")) { // rewrite a report's Markdown from its JSON
            write((ObjectNode) JSON.readTree(Files.readString(Path.of(args[1]))), Path.of(args[2]));
            return;
        }
        int rows = 200_000;
        int cols = 50;
        long seed = 42;
        int repeats = 3;
        double streamGb = 2;
        String python = "/usr/bin/python3";
        Path work = null;
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--rows" -> rows = Integer.parseInt(v);
                case "--cols" -> cols = Integer.parseInt(v);
                case "--seed" -> seed = Long.parseLong(v);
                case "--repeats" -> repeats = Integer.parseInt(v);
                case "--stream-gb" -> streamGb = Double.parseDouble(v);
                case "--python" -> python = v;
                case "--work" -> work = Path.of(v);
                case "--out" -> out = Path.of(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; options: --rows N "
                        + "--cols N --seed N --repeats N --stream-gb G --python PATH --work DIR --out DIR");
            }
            i++;
        }
        if (work == null) {
            work = Files.createTempDirectory("logitnet-csvbench");
        }
        ObjectNode report = run(rows, cols, seed, repeats, streamGb, python, work, String.join(" ", args));
        System.out.println(report.toPrettyString());
        if (out != null) {
            write(report, out);
        }
    }

    // ---- the data ----

    /**
     * Writes {@code rows} rows of {@code cols} standard normal float32 features (Java's shortest decimal) and a 0/1
     * target {@code y} drawn from a logistic model with fixed weights, all from {@code seed}.
     */
    public static void generate(Path file, long rows, int cols, long seed) throws IOException {
        Random r = new Random(seed);
        double[] w = new double[cols];
        for (int j = 0; j < cols; j++) {
            w[j] = r.nextGaussian() / Math.sqrt(cols) * 3;
        }
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            StringBuilder sb = new StringBuilder(cols * 12);
            for (int j = 0; j < cols; j++) {
                sb.append('x').append(j + 1).append(',');
            }
            out.write(sb.append("y\n").toString());
            for (long i = 0; i < rows; i++) {
                sb.setLength(0);
                double z = 0;
                for (int j = 0; j < cols; j++) {
                    float x = (float) r.nextGaussian();
                    z += w[j] * x;
                    sb.append(x).append(',');
                }
                sb.append(r.nextDouble() < 1 / (1 + Math.exp(-z)) ? '1' : '0').append('\n');
                out.write(sb.toString());
            }
        }
    }

    // ---- what each child process does ----

    private static void child(String[] args) throws IOException {
        long t0 = System.nanoTime();
        ObjectNode o = switch (args[0]) {
            case "train" -> train(Path.of(args[1]), Path.of(args[2]));
            case "evaluate" -> evaluate(Path.of(args[1]), Path.of(args[2]));
            case "stream" -> stream(Path.of(args[1]), Integer.parseInt(args[2]));
            case "cli" -> cli(Arrays.copyOfRange(args, 1, args.length));
            default -> throw new IllegalArgumentException(args[0]);
        };
        o.put("in_jvm_s", (System.nanoTime() - t0) / 1e9);
        o.put("peak_rss_bytes", procStatus("VmHWM"));
        o.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
        System.out.println(o);
    }

    /**
     * What {@code logitnet train --model logistic --l2 1/n --backend cpu} does: read, standardize, L-BFGS; saves the
     * model.
     */
    static ObjectNode train(Path file, Path model) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        long t0 = System.nanoTime();
        TrainingData d = CsvReader.readTraining(file, Target.classes("y"), FeatureSelection.all());
        long t1 = System.nanoTime();
        try (CpuBackend cpu = new CpuBackend()) {
            // l2 = 1/n: the objective scikit-learn's default C = 1 minimizes (a penalized fit has no Newton finish)
            LogisticRegression m = new LogisticRegression().backend(cpu).standardize(true)
                    .l2((float) (1.0 / d.dataset().rows()));
            History h = m.fit(d.dataset());
            long t2 = System.nanoTime();
            ObjectNode saved = JSON.createObjectNode();
            saved.put("encoding", d.encoding().toJson());
            saved.putPOJO("classes", d.classes().labels());
            saved.putPOJO("coefficients", m.coefficients());
            saved.put("intercept", m.intercept());
            Files.writeString(model, saved.toString());
            o.put("read_s", (t1 - t0) / 1e9);
            o.put("fit_s", (t2 - t1) / 1e9);
            o.put("iterations", h.epochs().size());
            o.put("rows", d.dataset().rows());
            o.put("train_accuracy", accuracy(m, d.dataset()));
        }
        return o;
    }

    /** What {@code logitnet evaluate} does: read the file with the stored encoding and labels, predict. */
    static ObjectNode evaluate(Path file, Path model) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        long t0 = System.nanoTime();
        JsonNode saved = JSON.readTree(Files.readString(model));
        FeatureEncoding enc = FeatureEncoding.fromJson(saved.get("encoding").asText());
        List<String> classes = new ArrayList<>();
        saved.get("classes").forEach(c -> classes.add(c.asText()));
        float[] w = new float[enc.width()];
        for (int j = 0; j < w.length; j++) {
            w[j] = (float) saved.get("coefficients").get(j).asDouble();
        }
        Dataset d = CsvReader.read(file, enc, Target.classes("y", ClassLabels.of(classes)));
        long t1 = System.nanoTime();
        try (CpuBackend cpu = new CpuBackend()) {
            LogisticRegression m = LogisticRegression.of(w, (float) saved.get("intercept").asDouble(),
                    enc.featureNames()).backend(cpu);
            o.put("accuracy", accuracy(m, d));
        }
        o.put("read_s", (t1 - t0) / 1e9);
        o.put("predict_s", (System.nanoTime() - t1) / 1e9);
        o.put("rows", d.rows());
        return o;
    }

    /** A file streamed through epochs of Adam (batch 1024) for a logistic regression, standardized. */
    static ObjectNode stream(Path file, int epochs) {
        ObjectNode o = JSON.createObjectNode();
        long t0 = System.nanoTime();
        try (CsvBatchSource s = CsvBatchSource.open(file, Target.classes("y"), FeatureSelection.all(),
                CsvBatchSource.Options.defaults()); CpuBackend cpu = new CpuBackend()) {
            long t1 = System.nanoTime();
            TrainConfig config = TrainConfig.defaults().withOptimizer(OptimizerSpec.adam(0.01f)).withBatchSize(1024)
                    .withEpochs(epochs).withSeed(1);
            Architecture arch = new Architecture(List.of(s.cols(), 1), List.of(), Loss.SIGMOID_BINARY_CROSS_ENTROPY);
            try (Network net = Network.create(cpu, arch, Init.ZEROS, 1, false)) {
                History h = new Trainer(config, null).fit(net, s, null, null);
                o.put("first_pass_s", (t1 - t0) / 1e9);
                o.put("epochs_s", (System.nanoTime() - t1) / 1e9);
                o.put("rows", s.rows());
                o.put("objective", h.last().trainObjective());
                o.put("window_rows", s.windowRows());
                o.put("source_resident_bytes", s.residentBytes(1024));
            }
        }
        return o;
    }

    /** The class of the {@code logitnet} command, when this class path has it (the CLI's jar), else null. */
    static final String CLI_MAIN = "io.logitnet.cli.Main";

    static boolean cliPresent() {
        try {
            Class.forName(CLI_MAIN, false, CsvBench.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /**
     * The {@code logitnet} command itself, end to end in this JVM ({@code Main.run}, what {@code java -jar
     * logitnet.jar} runs): what it printed is kept to read the accuracy it reports.
     */
    static ObjectNode cli(String[] args) {
        ObjectNode o = JSON.createObjectNode();
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stdout = System.out;
        int status;
        long t0 = System.nanoTime();
        try {
            System.setOut(new java.io.PrintStream(printed, true, StandardCharsets.UTF_8));
            status = (int) Class.forName(CLI_MAIN).getMethod("run", String[].class).invoke(null, (Object) args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot run " + CLI_MAIN + ": " + e, e);
        } finally {
            System.setOut(stdout);
        }
        String text = printed.toString(StandardCharsets.UTF_8);
        if (status != 0) {
            throw new IllegalStateException("logitnet " + String.join(" ", args) + " exited with " + status + ":\n"
                    + text);
        }
        o.put("work_s", (System.nanoTime() - t0) / 1e9);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^(?:train_)?accuracy: (\\S+)").matcher(text);
        o.put("accuracy", m.find() ? Double.parseDouble(m.group(1)) : Double.NaN);
        return o;
    }

    private static double accuracy(LogisticRegression m, Dataset d) {
        float[] p = m.predictRaw(d.x(), d.rows());
        int correct = 0;
        for (int i = 0; i < p.length; i++) {
            correct += (p[i] > 0.5f ? 1 : 0) == (int) d.y()[i] ? 1 : 0;
        }
        return correct / (double) p.length;
    }

    // ---- the side-by-side run ----

    private static ObjectNode run(int rows, int cols, long seed, int repeats, double streamGb, String python,
                                  Path work, String command) throws Exception {
        ObjectNode report = JSON.createObjectNode();
        report.put("date", LocalDate.now().toString());
        String cp = System.getProperty("java.class.path");
        report.put("command", "java -cp " + (cp.contains(java.io.File.pathSeparator) ? "bench/target/benchmarks.jar"
                : cp) + " io.logitnet.bench.CsvBench " + command);
        report.set("machine", JSON.valueToTree(MachineInfo.describe()));
        report.put("load_before", MachineInfo.loadAverage());
        Path data = work.resolve("data-" + rows + "x" + cols + ".csv");
        long g0 = System.nanoTime();
        generate(data, rows, cols, seed);
        report.put("file", data.getFileName().toString());
        report.put("file_bytes", Files.size(data));
        report.put("generate_s", (System.nanoTime() - g0) / 1e9);
        Path script = work.resolve("csv_bench.py");
        try (InputStream s = CsvBench.class.getClassLoader().getResourceAsStream(SCRIPT)) {
            Files.copy(s, script, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Path jmodel = work.resolve("model.json");
        Path pmodel = work.resolve("model.pickle");
        ArrayNode runs = report.putArray("runs");
        for (int r = 0; r < repeats; r++) {
            runs.add(timed("logitnet_train", List.of(), List.of("train", data.toString(), jmodel.toString()), null));
            runs.add(timed("python_train", List.of(), List.of("train", data.toString(), pmodel.toString()),
                    List.of(python, script.toString())));
            runs.add(timed("logitnet_evaluate", List.of(), List.of("evaluate", data.toString(), jmodel.toString()),
                    null));
            runs.add(timed("python_evaluate", List.of(), List.of("evaluate", data.toString(), pmodel.toString()),
                    List.of(python, script.toString())));
            if (cliPresent()) {
                // the command a user types: --l2 1/n is scikit-learn's default C = 1 for this objective; without
                // it the command fits the unpenalized model and adds Newton's finish and the inference table
                Path cmodel = work.resolve("model.safetensors");
                List<String> train = List.of("cli", "train", "--data", data.toString(), "--target", "y", "--model",
                        "logistic", "--backend", "cpu", "--out", cmodel.toString());
                List<String> l2 = new ArrayList<>(train);
                l2.addAll(List.of("--l2", Double.toString(1.0 / rows)));
                runs.add(timed("cli_train", List.of(), l2, null));
                runs.add(timed("cli_train_inference", List.of(), train, null));
                runs.add(timed("cli_evaluate", List.of(), List.of("cli", "evaluate", "--model", cmodel.toString(),
                        "--data", data.toString()), null));
            }
        }
        ObjectNode summary = report.putObject("summary");
        for (String what : List.of("train", "evaluate")) {
            double lw = median(runs, "logitnet_" + what, "wall_s");
            double pw = median(runs, "python_" + what, "wall_s");
            summary.put(what + "_logitnet_wall_s", lw);
            summary.put(what + "_python_wall_s", pw);
            summary.put(what + "_ratio", lw / pw);
            summary.put(what + "_logitnet_peak_rss_mib", median(runs, "logitnet_" + what, "peak_rss_bytes") / (1 << 20));
            summary.put(what + "_python_peak_rss_mib", median(runs, "python_" + what, "peak_rss_bytes") / (1 << 20));
        }
        for (String what : List.of("cli_train", "cli_train_inference", "cli_evaluate")) {
            if (runs.findValuesAsText("name").contains(what)) {
                double w = median(runs, what, "wall_s");
                double pw = median(runs, what.equals("cli_evaluate") ? "python_evaluate" : "python_train", "wall_s");
                summary.put(what + "_wall_s", w);
                summary.put(what + "_ratio", w / pw);
                summary.put(what + "_peak_rss_mib", median(runs, what, "peak_rss_bytes") / (1 << 20));
            }
        }
        Files.deleteIfExists(data);
        if (streamGb > 0) {
            Path big = work.resolve("stream.csv");
            long bytesPerRow = Math.max(1, report.get("file_bytes").asLong() / rows);
            long bigRows = (long) (streamGb * 1e9 / bytesPerRow);
            long s0 = System.nanoTime();
            generate(big, bigRows, cols, seed + 1);
            report.put("stream_file_bytes", Files.size(big));
            report.put("stream_generate_s", (System.nanoTime() - s0) / 1e9);
            report.set("stream", timed("logitnet_stream", List.of("-Xmx1g"), List.of("stream", big.toString(), "1"),
                    null));
            Files.deleteIfExists(big);
        }
        report.put("load_after", MachineInfo.loadAverage());
        return report;
    }

    /** Runs a child process (a JVM of this class path, or Python) and times it from start to exit. */
    private static ObjectNode timed(String name, List<String> jvmFlags, List<String> args, List<String> python)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (python == null) {
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(jvmFlags);
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(CsvBench.class.getName());
            cmd.add("--child");
        } else {
            cmd.addAll(python);
        }
        cmd.addAll(args);
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = p.waitFor();
        double wall = (System.nanoTime() - t0) / 1e9;
        if (status != 0) {
            throw new IllegalStateException(name + " exited with " + status + ": " + stdout);
        }
        String[] lines = stdout.trim().split("\n");
        ObjectNode o = (ObjectNode) JSON.readTree(lines[lines.length - 1]);
        o.put("name", name);
        o.put("wall_s", wall);
        System.err.printf(Locale.ROOT, "%-18s %7.3f s  peak RSS %5d MiB%n", name, wall,
                o.path("peak_rss_bytes").asLong() >> 20);
        return o;
    }

    private static double median(ArrayNode runs, String name, String field) {
        List<Double> v = new ArrayList<>();
        runs.forEach(r -> {
            if (r.get("name").asText().equals(name)) {
                v.add(r.get(field).asDouble());
            }
        });
        v.sort(null);
        return v.get(v.size() / 2);
    }

    private static long procStatus(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static void write(ObjectNode report, Path dir) throws IOException {
        Files.createDirectories(dir);
        String date = report.get("date").asText();
        Files.writeString(dir.resolve(date + "-csv.json"), report.toPrettyString() + "\n");
        Files.writeString(dir.resolve(date + "-csv.md"), markdown(report));
    }

    private static String markdown(JsonNode r) {
        JsonNode s = r.get("summary");
        StringBuilder sb = new StringBuilder();
        sb.append("# Reading CSV data: LogitNet against pandas + scikit-learn, ").append(r.get("date").asText())
                .append("\n\nCommand: `").append(r.get("command").asText()).append("`  \nRaw numbers: [")
                .append(r.get("date").asText()).append("-csv.json](").append(r.get("date").asText())
                .append("-csv.json).\n\nRun under `flock /tmp/mvn.lock` on a machine shared with other agents: no "
                        + "other build ran meanwhile, other processes could (see the load average).\n\n## Machine\n\n"
                        + "| | |\n|---|---|\n");
        r.get("machine").properties().forEach(e -> sb.append("| ").append(e.getKey()).append(" | ")
                .append(e.getValue().asText()).append(" |\n"));
        sb.append("| load average 1/5/15 min, before / after | ").append(r.get("load_before").asText()).append("; ")
                .append(r.get("load_after").asText()).append(" |\n\n");
        sb.append(String.format(Locale.ROOT, "## Results\n\nFile: %s, %.1f MB (generated with a fixed seed in "
                + "%.1f s). Wall time of each process from start to exit, median of the runs; peak RSS = VmHWM "
                + "(JVM) or ru_maxrss (Python).\n\n| | LogitNet | pandas + scikit-learn | ratio (≤ 1.0 is the goal) "
                + "|\n|---|---|---|---|\n", r.get("file").asText(), r.get("file_bytes").asLong() / 1e6,
                r.get("generate_s").asDouble()));
        for (String what : List.of("train", "evaluate")) {
            sb.append(String.format(Locale.ROOT, "| %s wall | %.2f s | %.2f s | %.2f× |\n", what,
                    s.get(what + "_logitnet_wall_s").asDouble(), s.get(what + "_python_wall_s").asDouble(),
                    s.get(what + "_ratio").asDouble()));
            sb.append(String.format(Locale.ROOT, "| %s peak RSS | %.0f MiB | %.0f MiB | |\n", what,
                    s.get(what + "_logitnet_peak_rss_mib").asDouble(), s.get(what + "_python_peak_rss_mib")
                            .asDouble()));
        }
        if (s.has("cli_train_wall_s")) {
            sb.append("\nThe `logitnet` command itself (`Main.run` in a fresh JVM, as `java -jar logitnet.jar` runs "
                    + "it), against the same Python runs:\n\n| command | wall | peak RSS | ratio |\n|---|---|---|---|\n");
            String[][] rowsOf = {{"cli_train", "`logitnet train ... --model logistic --l2 1/n` (scikit-learn's C = 1)"},
                {"cli_train_inference", "`logitnet train ... --model logistic` (unpenalized: Newton finish and "
                    + "inference table)"},
                {"cli_evaluate", "`logitnet evaluate`"}};
            for (String[] c : rowsOf) {
                sb.append(String.format(Locale.ROOT, "| %s | %.2f s | %.0f MiB | %.2f× |\n", c[1],
                        s.get(c[0] + "_wall_s").asDouble(), s.get(c[0] + "_peak_rss_mib").asDouble(),
                        s.get(c[0] + "_ratio").asDouble()));
            }
        } else {
            sb.append("\nThe `logitnet` command itself was not run (this class path has no CLI: run the bench from "
                    + "cli/target/logitnet.jar).\n");
        }
        JsonNode st = r.get("stream");
        if (st != null) {
            sb.append(String.format(Locale.ROOT, "\nStreaming: %.2f GB file (%d rows) in a JVM with -Xmx1g (max "
                    + "heap %d MiB): first pass %.1f s, one epoch of Adam (batch 1024) %.1f s, wall %.1f s, peak RSS "
                    + "%d MiB; the source holds %.1f MiB (window %d rows); final objective %.4f.\n",
                    r.get("stream_file_bytes").asLong() / 1e9, st.get("rows").asLong(),
                    st.get("max_heap_bytes").asLong() >> 20, st.get("first_pass_s").asDouble(),
                    st.get("epochs_s").asDouble(), st.get("wall_s").asDouble(),
                    st.get("peak_rss_bytes").asLong() >> 20, st.get("source_resident_bytes").asLong() / 1048576.0,
                    st.get("window_rows").asInt(), st.get("objective").asDouble()));
        }
        sb.append("\n## Every run\n\n| run | wall s | read s | fit/predict s | peak RSS MiB | accuracy |\n"
                + "|---|---|---|---|---|---|\n");
        r.get("runs").forEach(x -> sb.append(String.format(Locale.ROOT, "| %s | %.2f | %s | %.2f | %d | %.4f |\n",
                x.get("name").asText(), x.get("wall_s").asDouble(),
                x.has("read_s") ? String.format(Locale.ROOT, "%.2f", x.get("read_s").asDouble()) : "–",
                x.has("fit_s") ? x.get("fit_s").asDouble() : x.has("predict_s") ? x.get("predict_s").asDouble()
                        : x.get("work_s").asDouble(),
                x.get("peak_rss_bytes").asLong() >> 20,
                x.has("train_accuracy") ? x.get("train_accuracy").asDouble() : x.get("accuracy").asDouble())));
        return sb.toString();
    }
}
