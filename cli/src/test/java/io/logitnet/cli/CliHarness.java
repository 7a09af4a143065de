package io.logitnet.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the command line in process with captured standard output and error, in a temporary folder. */
abstract class CliHarness {
    @TempDir
    Path dir;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldOut;
    private PrintStream oldErr;
    /** The two-circles example (1,000 rows: x1, x2, ring = inner/outer). */
    Path circles;

    @BeforeEach
    void capture() {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        circles = resource("/circles.csv", "circles.csv");
    }

    @AfterEach
    void restore() {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }

    /** Copies a test resource into the temporary folder. */
    Path resource(String name, String as) {
        Path p = dir.resolve(as);
        try (InputStream in = getClass().getResourceAsStream(name)) {
            Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    int run(String... args) {
        out.reset();
        err.reset();
        return Main.run(args);
    }

    String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** The value of a {@code name: value} line of standard output. */
    double metric(String name) {
        for (String line : stdout().split("\n")) {
            if (line.startsWith(name + ": ")) {
                return Double.parseDouble(line.substring(name.length() + 2).trim());
            }
        }
        throw new AssertionError("no '" + name + "' in output:\n" + stdout());
    }

    /** Exit status 2, and one line on standard error that contains every fragment, without a stack trace. */
    void assertUserError(int status, String... fragments) {
        assertEquals(2, status, stderr() + stdout());
        assertOneLine(fragments);
    }

    void assertOneLine(String... fragments) {
        String e = stderr().trim();
        assertTrue(e.startsWith("logitnet"), e);
        assertEquals(1, e.split("\n").length, "one line: " + e);
        for (String f : fragments) {
            assertTrue(e.contains(f), "'" + f + "' in: " + e);
        }
        assertFalse(e.contains("\tat ") || e.contains("Exception") || e.contains("java."), "no Java internals: " + e);
    }

    /** A train command on the circles example on the CPU, quiet, with extra options. */
    String[] trainCircles(String... more) {
        List<String> a = new java.util.ArrayList<>(List.of("train", "--data", circles.toString(), "--target", "ring",
                "--backend", "cpu", "-q"));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    /** No temporary file of an atomic write is left in the folder. */
    void assertNoTemporaryFiles(Path folder) throws IOException {
        try (var s = Files.list(folder)) {
            List<Path> left = s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
            assertTrue(left.isEmpty(), "temporary files left: " + left);
        }
    }
}
