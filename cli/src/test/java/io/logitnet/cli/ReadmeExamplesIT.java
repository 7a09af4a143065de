package io.logitnet.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs the README's examples as written, with the jar this build made, so that the README cannot drift from the
 * program (an integration test: it runs after {@code package}).
 *
 * <p>The rules, for whoever edits the README:
 * <ul>
 *   <li>Every {@code ```sh} block runs, top to bottom, in one scratch folder holding {@code cli/examples} and the jar,
 *       with {@code logitnet} on the PATH; blocks fenced otherwise ({@code ```bash}, {@code ```text}) are not run.
 *       A line {@code ./mvnw ... && CMD} runs only CMD (Maven is already running this test).</li>
 *   <li>Lines {@code #   TEXT} right after a command are output it must print (standard output or error), in order;
 *       {@code #   (exit N)} says the status it must end with (otherwise 0). Text must match exactly; a number
 *       with decimals matches within one unit of its last shown digit (so show fewer digits where the value is
 *       less stable), an integer exactly; a line ending in {@code ...} need only match the beginning of an output
 *       line.</li>
 *   <li>The {@code ```python} block runs with /usr/bin/python3 after the shell blocks, where PyTorch is installed;
 *       the {@code ```java} block must be, verbatim, the consumer project's ReadmeExample, which CI builds and runs.</li>
 * </ul>
 */
class ReadmeExamplesIT {
    private static final Pattern FENCE = Pattern.compile("(?s)```(\\w+)\\n(.*?)```");
    private static final Pattern NUMBER = Pattern.compile("(?<![A-Za-z_0-9.])\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?");

    @TempDir
    Path work;

    private static Path root() {
        Path p = Path.of("").toAbsolutePath();
        return Files.exists(p.resolve("README.md")) ? p : p.getParent();
    }

    @Test
    void everyExampleRunsAndPrintsWhatTheReadmeShows() throws Exception {
        Path root = root();
        Path jar = root.resolve("cli/target/logitnet.jar");
        Assumptions.assumeTrue(Files.exists(jar), "the jar is built by package: " + jar);
        Files.createDirectories(work.resolve("cli/examples"));
        Files.createDirectories(work.resolve("cli/target"));
        try (var s = Files.list(root.resolve("cli/examples"))) {
            for (Path f : s.toList()) {
                Files.copy(f, work.resolve("cli/examples").resolve(f.getFileName()));
            }
        }
        Files.copy(jar, work.resolve("cli/target/logitnet.jar"));
        Path bin = Files.createDirectories(work.resolve("bin"));
        Path launcher = bin.resolve("logitnet");
        Files.writeString(launcher, "#!/bin/sh\nexec \"" + Path.of(System.getProperty("java.home"), "bin", "java")
                + "\" -jar \"" + work.resolve("cli/target/logitnet.jar") + "\" \"$@\"\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));

        String readme = Files.readString(root.resolve("README.md"), StandardCharsets.UTF_8);
        Matcher fence = FENCE.matcher(readme);
        int commands = 0;
        String python = null;
        String java = null;
        while (fence.find()) {
            switch (fence.group(1)) {
                case "sh" -> commands += runBlock(fence.group(2), bin);
                case "python" -> python = fence.group(2);
                case "java" -> java = fence.group(2);
                default -> {
                    // not run
                }
            }
        }
        assertTrue(commands >= 8, "the README's command blocks ran (" + commands + " commands)");
        if (java != null) {
            String consumer = Files.readString(root.resolve(
                    "examples/consumer/src/main/java/example/ReadmeExample.java"));
            assertTrue(consumer.contains(java.strip()), "the README's Java example is the consumer project's "
                    + "ReadmeExample.java, verbatim (CI builds and runs it)");
        }
        if (python != null) {
            runPython(python);
        }
    }

    /** Runs a block's commands; returns how many ran. */
    private int runBlock(String block, Path bin) throws Exception {
        List<String> lines = block.lines().toList();
        int ran = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith("alias ")) {
                continue;
            }
            String command = stripComment(line);
            if (command.startsWith("./mvnw")) {
                int and = command.indexOf("&&");
                if (and < 0) {
                    continue;
                }
                command = command.substring(and + 2).strip();
            }
            List<String> expected = new ArrayList<>();
            int status = 0;
            while (i + 1 < lines.size() && lines.get(i + 1).startsWith("#   ")) {
                String e = lines.get(++i).substring(4);
                Matcher exit = Pattern.compile("^\\(exit (\\d+)\\)$").matcher(e.strip());
                if (exit.matches()) {
                    status = Integer.parseInt(exit.group(1));
                } else {
                    expected.add(e);
                }
            }
            run(command, expected, status, bin);
            ran++;
        }
        return ran;
    }

    /** The command without a trailing {@code # comment} (a # inside quotes is kept). */
    static String stripComment(String line) {
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\'' || c == '"') {
                quoted = !quoted;
            } else if (c == '#' && !quoted && i > 0 && Character.isWhitespace(line.charAt(i - 1))) {
                return line.substring(0, i).strip();
            }
        }
        return line;
    }

    private void run(String command, List<String> expected, int status, Path bin) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", command).directory(work.toFile()).redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().remove("LOGITNET_TEST");
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), command);
        assertEquals(status, p.exitValue(), "exit status of `" + command + "`:\n" + output);
        List<String> actual = output.lines().toList();
        int from = 0;
        for (String e : expected) {
            int at = -1;
            for (int j = from; j < actual.size(); j++) {
                if (matches(e, actual.get(j))) {
                    at = j;
                    break;
                }
            }
            if (at < 0) {
                fail("`" + command + "` should print a line like\n  " + e + "\nbut printed:\n" + output);
            }
            from = at + 1;
        }
    }

    /** Text equal, numbers within one unit of the expected number's last digit; "..." at the end: a prefix. */
    static boolean matches(String expected, String actual) {
        boolean prefix = expected.endsWith("...");
        String e = prefix ? expected.substring(0, expected.length() - 3) : expected;
        List<Object> et = tokens(e);
        List<Object> at = tokens(actual);
        if (prefix ? at.size() < et.size() : at.size() != et.size()) {
            return false;
        }
        for (int k = 0; k < et.size(); k++) {
            Object x = et.get(k);
            Object y = at.get(k);
            boolean last = k == et.size() - 1;
            if (x instanceof String xs) {
                if (!(y instanceof String ys) || !(xs.equals(ys) || prefix && last && ys.startsWith(xs))) {
                    return false;
                }
            } else if (!(y instanceof double[] yv) || !close((double[]) x, yv[0])) {
                return false;
            }
        }
        return true;
    }

    /** Text and numbers ({value, unit of the last shown digit}) in order. */
    private static List<Object> tokens(String s) {
        List<Object> out = new ArrayList<>();
        Matcher m = NUMBER.matcher(s);
        int pos = 0;
        while (m.find()) {
            if (m.start() > pos) {
                out.add(s.substring(pos, m.start()));
            }
            String n = m.group();
            String mantissa = n.split("[eE]")[0];
            int exp = n.contains("e") || n.contains("E") ? Integer.parseInt(n.split("[eE]")[1]) : 0;
            int decimals = mantissa.contains(".") ? mantissa.length() - mantissa.indexOf('.') - 1 : 0;
            boolean integer = !n.contains(".") && !n.contains("e") && !n.contains("E");
            out.add(new double[] {Double.parseDouble(n), integer ? 0 : Math.pow(10, exp - decimals)});
            pos = m.end();
        }
        if (pos < s.length()) {
            out.add(s.substring(pos));
        }
        return out;
    }

    /** Within one unit of the last shown digit (integers, such as counts, exactly). */
    private static boolean close(double[] expected, double actual) {
        return Math.abs(actual - expected[0]) <= expected[1] * (1 + 1e-9);
    }

    private void runPython(String script) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Assumptions.assumeTrue(Files.isExecutable(python), "no /usr/bin/python3 for the README's Python example");
        Process check = new ProcessBuilder(python.toString(), "-c", "import torch").redirectErrorStream(true).start();
        Assumptions.assumeTrue(check.waitFor(120, TimeUnit.SECONDS) && check.exitValue() == 0,
                "PyTorch is not installed for /usr/bin/python3 (apt-get install python3-torch)");
        Path py = work.resolve("readme_example.py");
        Files.writeString(py, script);
        Process p = new ProcessBuilder(python.toString(), py.toString()).directory(work.toFile())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), "the README's Python example:\n" + out);
        List<String> expected = new ArrayList<>();
        for (String line : script.lines().toList()) {
            int hash = line.indexOf("#   ");
            if (line.strip().startsWith("#   ")) {
                expected.add(line.strip().substring(4));
            } else if (hash > 0 && line.substring(hash).startsWith("#   ")) {
                expected.add(line.substring(hash + 4).strip());
            }
        }
        for (String e : expected) {
            assertTrue(out.lines().anyMatch(l -> matches(e, l)), "the Python example should print a line like\n  "
                    + e + "\nbut printed:\n" + out);
        }
    }

    @Test
    void theMatcherComparesNumbersToTheShownPrecision() {
        assertTrue(matches("train_accuracy: 0.985940", "train_accuracy: 0.985940"));
        assertTrue(matches("accuracy: 1.00000", "accuracy: 1.00000"));
        assertTrue(!matches("accuracy: 0.985940", "accuracy: 0.985980"));
        assertTrue(matches("p = -23.25 + 0.1182·mean_radius ...", "p = -23.25 + 0.1182·mean_radius + 0.1·x"));
        assertTrue(matches("outer,0.00017,...", "outer,0.00017464161,0.99982536"));
        assertTrue(!matches("outer,0.00017,...", "inner,0.00017464161,0.99982536"));
        assertTrue(matches("tol 1.00000e-06", "tol 1.00000e-06"));
        assertTrue(!matches("x1 = 2", "x1 = 3"));
        assertTrue(matches("p 0.98594", "p 0.98595"));
        assertTrue(!matches("p 0.98594", "p 0.98596"));
        assertTrue(!matches("rows: 1000", "rows: 1000 extra"));
        assertEquals("logitnet train --out m", stripComment("logitnet train --out m   # a comment"));
    }
}
