package io.logitnet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The DJL side of the harness: DJL's PyTorch engine timing the same step as PyTorch, in its own JVM, as
 * {@link PyTorchRunner} runs Python. The class path is a folder that {@code ./mvnw -Pdjl -pl bench -am package}
 * fills ({@code bench/target/djl}: DJL's jars, libtorch from Maven Central's {@code pytorch-native-cpu}, and
 * {@code classes/} with {@code io.logitnet.bench.djl.DjlStep}); none of it is in the bench jar or the CLI jar.
 *
 * <p>The child runs offline ({@code -Dai.djl.offline=true}): DJL loads libtorch from the jar on the class path and
 * refuses any download, so a folder without libtorch fails with DJL's reason instead of fetching one. libtorch is
 * unpacked into {@code DIR/cache} (about 430 MB, once), not into {@code ~/.djl.ai}.
 */
public final class DjlRunner implements AutoCloseable {
    /** The class the child runs. */
    static final String MAIN = "io.logitnet.bench.djl.DjlStep";
    /** Where {@code -Pdjl} leaves the class path, relative to the repository root. */
    static final String DEFAULT_DIR = "bench/target/djl";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final Process process;
    private final BufferedWriter in;
    private final BufferedReader out;
    private final Path log;
    private final JsonNode info;

    private DjlRunner(Path dir) throws IOException {
        this.dir = dir;
        this.log = Files.createTempFile("logitnet-djl-", ".log");
        Path cache = dir.resolve("cache");
        List<String> cmd = List.of(javaExecutable(), "-Dai.djl.offline=true",
                "-DENGINE_CACHE_DIR=" + cache, "-DDJL_CACHE_DIR=" + cache,
                "-cp", classPath(dir), MAIN, "--serve");
        Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        this.process = p;
        this.in = new BufferedWriter(new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8));
        this.out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        JsonNode answer;
        try {
            answer = request(JSON.createObjectNode().put("op", "info"));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        if (answer.has("error")) {
            String why = answer.get("error").asText() + "; its log: " + logTail();
            close();
            throw new IOException(why);
        }
        this.info = answer;
    }

    /**
     * Starts DJL from {@code explicit} when given, else from the first folder of {@link #candidates} that holds a
     * complete class path.
     *
     * @param notes receives why DJL is not run, as one {@code DJL: not run (...)} line
     * @return the runner, or null when DJL is not run
     */
    public static DjlRunner start(Path explicit, List<String> notes) {
        Path dir;
        if (explicit != null) {
            String why = problem(explicit);
            if (why != null) {
                notes.add(notRun("--djl " + explicit + ": " + why));
                return null;
            }
            dir = explicit;
        } else {
            dir = null;
            List<String> looked = new ArrayList<>();
            for (Path c : candidates()) {
                String why = problem(c);
                if (why == null) {
                    dir = c;
                    break;
                }
                looked.add(c + " (" + why + ")");
            }
            if (dir == null) {
                notes.add(notRun("no DJL class path: looked in " + String.join(", ", looked) + "; build it with "
                        + "`./mvnw -Pdjl -pl bench -am package -DskipTests` or pass --djl DIR"));
                return null;
            }
        }
        try {
            return new DjlRunner(dir.toAbsolutePath());
        } catch (IOException | RuntimeException e) {
            notes.add(notRun("the DJL process at " + dir + " failed to start: " + e.getMessage()));
            return null;
        }
    }

    /** The line a report carries when DJL is not run. */
    static String notRun(String reason) {
        return "DJL: not run (" + reason + ")";
    }

    /**
     * Folders searched when no {@code --djl} is given: {@code bench/target/djl} under the working directory, and
     * under the repository that this class was loaded from ({@code cli/target/logitnet.jar},
     * {@code bench/target/classes}: three levels up).
     */
    static List<Path> candidates() {
        List<Path> out = new ArrayList<>();
        out.add(Path.of(DEFAULT_DIR).toAbsolutePath().normalize());
        try {
            Path code = Path.of(DjlRunner.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path root = code.getParent() == null ? null : code.getParent().getParent();
            root = root == null ? null : root.getParent();
            if (root != null) {
                Path d = root.resolve(DEFAULT_DIR).toAbsolutePath().normalize();
                if (!out.contains(d)) {
                    out.add(d);
                }
            }
        } catch (URISyntaxException | RuntimeException ignored) {
            // no code source (an unusual class loader): the working directory alone
        }
        return out;
    }

    /** Null when {@code dir} holds a class path DJL can run from, else what is missing. */
    static String problem(Path dir) {
        if (!Files.isDirectory(dir)) {
            return "no such directory";
        }
        List<String> missing = new ArrayList<>();
        for (String prefix : List.of("api-", "pytorch-engine-", "pytorch-jni-", "pytorch-native-cpu-")) {
            if (jar(dir, prefix) == null) {
                missing.add(prefix + "*.jar");
            }
        }
        if (!Files.isRegularFile(dir.resolve("classes/" + MAIN.replace('.', '/') + ".class"))) {
            missing.add("classes/" + MAIN.replace('.', '/') + ".class");
        }
        return missing.isEmpty() ? null : "missing " + String.join(", ", missing);
    }

    /** The first jar in {@code dir} whose name starts with {@code prefix}, or null. */
    static Path jar(Path dir, String prefix) {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, prefix + "[0-9]*.jar")) {
            for (Path p : s) {
                return p;
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /** Every jar of {@code dir} and its {@code classes} folder. */
    static String classPath(Path dir) {
        return dir.resolve("*") + java.io.File.pathSeparator + dir.resolve("classes");
    }

    private static String javaExecutable() {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return Files.isExecutable(java) ? java.toString() : "java";
    }

    /** The class path folder in use. */
    public Path dir() {
        return dir;
    }

    /** DJL's version, engine, libtorch's version and location, its default threads, as the child reports them. */
    public JsonNode info() {
        return info;
    }

    /** libtorch's own default number of intra-op threads in the child (what it uses when nobody sets it). */
    public int defaultThreads() {
        return info.path("threads").asInt(1);
    }

    /**
     * Times one shape on the CPU in fp32 with each of {@code threads} intra-op thread counts (the fastest is kept,
     * its count reported as {@code threads}).
     *
     * @param warmSeconds keep warming up (after {@code warmup} steps) until this long has passed, up to 50 steps:
     *                    DJL's Java code needs the JIT's warm-up as LogitNet's does
     * @return the child's answer ({@code step_ms}, {@code step_ms_min}, {@code step_ms_max}, {@code steps},
     *         {@code tflops}, {@code threads}, {@code loss_first}, {@code loss_after}), or an object with {@code error}
     */
    public JsonNode step(Shape s, int warmup, double warmSeconds, int reps, int minReps, double budgetSeconds,
                         double minSeconds, List<Integer> threads) {
        ObjectNode req = JSON.createObjectNode().put("op", "step").put("batch", s.batch()).put("warmup", warmup)
                .put("warm_s", warmSeconds).put("reps", reps).put("min_reps", minReps).put("budget_s", budgetSeconds)
                .put("min_time_s", minSeconds);
        threads.forEach(req.putArray("threads")::add);
        s.layers().forEach(req.putArray("layers")::add);
        return request(req);
    }

    private JsonNode request(ObjectNode req) {
        try {
            in.write(JSON.writeValueAsString(req));
            in.newLine();
            in.flush();
            String line = out.readLine();
            if (line == null) {
                boolean ended = process.waitFor(5, TimeUnit.SECONDS);
                throw new IOException("the DJL process ended (exit status " + (ended ? process.exitValue() : "?")
                        + ")");
            }
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException("DJL request " + req.get("op").asText() + " failed: " + e.getMessage()
                    + (process.isAlive() ? "" : "; its log: " + logTail()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the DJL process", e);
        }
    }

    /** The last lines the child wrote on stderr (DJL's log), one line. */
    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException | RuntimeException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    /** Ends the process and removes its log; never throws. */
    @Override
    public void close() {
        PeerProcess.end(process, in, log);
    }
}
