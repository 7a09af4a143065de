package io.logitnet.cli;

import io.logitnet.io.Checkpoint;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command as a process, the way a shell, a job scheduler or an IDE runs it: killed at random moments, stopped with
 * SIGINT and SIGTERM, and failing inside. Nothing of it may run or write after the process that was started ended.
 */
class CliProcessTest {
    @TempDir
    Path dir;
    private Path circles;

    @BeforeEach
    void data() throws IOException {
        Assumptions.assumeTrue(System.getProperty("os.name", "").toLowerCase().contains("linux"),
                "signals are tested on Linux");
        circles = dir.resolve("circles.csv");
        try (InputStream in = getClass().getResourceAsStream("/circles.csv")) {
            Files.copy(in, circles, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** `java -cp <the test class path> io.logitnet.cli.Main args...`, as the logitnet jar runs. */
    private Process start(Path err, String... args) throws IOException {
        return start("-Xmx512m", err, args);
    }

    private Process start(String heap, Path err, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add(heap);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.logitnet.cli.Main");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(dir.resolve("out.txt")
                .toFile()).redirectError(err.toFile());
        return pb.start();
    }

    private String[] longTraining(Path out) {
        return new String[] {"train", "--data", circles.toString(), "--target", "ring", "--model", "mlp", "--hidden",
            "32", "--epochs", "100000", "--batch-size", "50", "--backend", "cpu", "--out", out.toString()};
    }

    @Test
    void killingTheStartedProcessLeavesNothingRunningAndAValidOrAbsentModel() throws Exception {
        Random r = new Random(2026);
        Path err = dir.resolve("err.txt");
        for (int round = 0; round < 6; round++) {
            Path out = dir.resolve("m" + round + ".safetensors");
            Process p = start(err, longTraining(out));
            Thread.sleep(300 + r.nextInt(2500));
            List<ProcessHandle> children = p.descendants().toList();
            assertTrue(children.isEmpty(), "the command starts no other process: " + children);
            Process kill = new ProcessBuilder("kill", "-9", Long.toString(p.pid())).start();
            assertTrue(kill.waitFor(10, TimeUnit.SECONDS));
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "the started process ended");
            assertEquals(137, p.exitValue());
            long size = Files.exists(out) ? Files.size(out) : -1;
            Thread.sleep(700);
            assertEquals(size, Files.exists(out) ? Files.size(out) : -1, "nothing writes after the kill");
            if (Files.exists(out)) {
                Checkpoint.Contents c = Checkpoint.load(out); // complete, valid, finite (the reader checks)
                assertTrue(c.state().epochsDone() >= 1);
            }
        }
    }

    @Test
    void sigintAndSigtermSayWhatWasSavedAndLeaveNoTemporaryFiles() throws Exception {
        String[][] signals = {{"INT", "130"}, {"TERM", "143"}};
        for (String[] sig : signals) {
            Path out = dir.resolve("m-" + sig[0] + ".safetensors");
            Path err = dir.resolve("err-" + sig[0] + ".txt");
            Process p = start(err, longTraining(out));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(out) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(Files.exists(out), "a first epoch was saved: " + Files.readString(err));
            Thread.sleep(400);
            Process kill = new ProcessBuilder("kill", "-" + sig[0], Long.toString(p.pid())).start();
            assertTrue(kill.waitFor(10, TimeUnit.SECONDS));
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "stopped");
            assertEquals(Integer.parseInt(sig[1]), p.exitValue(), Files.readString(err));
            String e = Files.readString(err, StandardCharsets.UTF_8);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("interrupted; .* holds the model after epoch "
                    + "(\\d+)").matcher(e);
            assertTrue(m.find(), e);
            Checkpoint.Contents c = Checkpoint.load(out);
            assertEquals(Integer.parseInt(m.group(1)), c.state().epochsDone(), "the line says what the file holds");
            try (var s = Files.list(dir)) {
                assertTrue(s.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temporary files");
            }
        }
    }

    @Test
    void anInternalFailureExitsOneWithOneLineAndTheTraceInAFile() throws Exception {
        Path err = dir.resolve("err.txt");
        Process p = start(err, "train", "--data", circles.toString(), "--target", "ring", "--model", "logistic",
                "--backend", "broken", "--out", dir.resolve("m.safetensors").toString());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String e = Files.readString(err).trim();
        assertEquals(1, p.exitValue(), e);
        assertEquals(1, e.split("\n").length, e);
        assertTrue(e.startsWith("logitnet: internal error: "), e);
        assertFalse(e.contains("\tat "), e);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("details are in (\\S+);").matcher(e);
        assertTrue(m.find(), e);
        Path trace = Path.of(m.group(1));
        assertTrue(Files.readString(trace).contains("\tat "), "the stack trace is in the file");
        Files.deleteIfExists(trace);
        Process debug = start(err, "--debug", "train", "--data", circles.toString(), "--target", "ring", "--model",
                "logistic", "--backend", "broken", "--out", dir.resolve("m.safetensors").toString());
        assertTrue(debug.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, debug.exitValue());
        assertTrue(Files.readString(err).contains("\tat "), "--debug prints the stack trace");
    }

    @Test
    void aCsvLargerThanTheHeapIsRefusedBeforeReadingAndTrainsWhenStreamed() throws Exception {
        Path big = dir.resolve("big.csv");
        StringBuilder sb = new StringBuilder("x1,x2,x3,x4,y\n");
        Random r = new Random(5);
        for (int i = 0; i < 400_000; i++) {
            double a = r.nextGaussian();
            double b = r.nextGaussian();
            sb.append(String.format(java.util.Locale.ROOT, "%.6f,%.6f,%.6f,%.6f,%d%n", a, b, r.nextGaussian(),
                    r.nextGaussian(), a + b > 0 ? 1 : 0));
        }
        Files.writeString(big, sb);
        Path err = dir.resolve("err.txt");
        Path out = dir.resolve("big.safetensors");
        String[] args = {"train", "--data", big.toString(), "--target", "y", "--model", "logistic", "--backend",
            "cpu", "-q", "--out", out.toString()};
        assertTrue(Files.size(big) > 12L << 20, "larger than half of a 24 MiB heap");
        Process p = start("-Xmx24m", err, args);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String e = Files.readString(err);
        assertEquals(2, p.exitValue(), e);
        assertTrue(e.contains("more than half of the Java heap") && e.contains("--stream"), e);
        String[] streamed = java.util.Arrays.copyOf(args, args.length + 5);
        System.arraycopy(new String[] {"--stream", "--optimizer", "adam", "--epochs", "2"}, 0, streamed,
                args.length, 5);
        p = start("-Xmx24m", err, streamed);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), Files.readString(err));
        assertEquals(4, Checkpoint.load(out).card().architecture().inputs());
    }
}
