package io.logitnet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DJL column without DJL: finding its class path, the reason a report gives when it is not run, and how a DJL
 * timing is shown beside a row (made-up numbers). {@link DjlPeerTest} runs the real thing when it is built.
 */
class DjlReportTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Shape SHAPE = Shape.parse("128x784-256-10");

    @Test
    void aClassPathFolderIsCheckedForEveryPartDjlNeeds(@TempDir Path dir) throws Exception {
        assertEquals("no such directory", DjlRunner.problem(dir.resolve("absent")));
        String empty = DjlRunner.problem(dir);
        for (String part : List.of("api-*.jar", "pytorch-engine-*.jar", "pytorch-jni-*.jar",
                "pytorch-native-cpu-*.jar", "classes/io/logitnet/bench/djl/DjlStep.class")) {
            assertTrue(empty.contains(part), part + " named in: " + empty);
        }
        for (String jar : List.of("api-0.36.0.jar", "pytorch-engine-0.36.0.jar", "pytorch-jni-2.7.1-0.36.0.jar")) {
            Files.createFile(dir.resolve(jar));
        }
        String noTorch = DjlRunner.problem(dir);
        assertTrue(noTorch.contains("pytorch-native-cpu-*.jar") && !noTorch.contains("pytorch-engine"), noTorch);
        Files.createFile(dir.resolve("pytorch-native-cpu-2.7.1-linux-x86_64.jar"));
        Path main = dir.resolve("classes/io/logitnet/bench/djl/DjlStep.class");
        Files.createDirectories(main.getParent());
        Files.createFile(main);
        assertNull(DjlRunner.problem(dir));
        assertEquals(dir.resolve("pytorch-jni-2.7.1-0.36.0.jar"), DjlRunner.jar(dir, "pytorch-jni-"));
        assertEquals(dir.resolve("*") + java.io.File.pathSeparator + dir.resolve("classes"),
                DjlRunner.classPath(dir));
    }

    @Test
    void aFolderWhoseClassesCannotRunIsNotRunWithTheChildsOwnReason(@TempDir Path dir) throws Exception {
        // every part present by name, but the class is not a class file: the child JVM fails, and the note says how
        for (String jar : List.of("api-0.36.0.jar", "pytorch-engine-0.36.0.jar", "pytorch-jni-2.7.1-0.36.0.jar",
                "pytorch-native-cpu-2.7.1-linux-x86_64.jar")) {
            Files.createFile(dir.resolve(jar));
        }
        Path main = dir.resolve("classes/io/logitnet/bench/djl/DjlStep.class");
        Files.createDirectories(main.getParent());
        Files.writeString(main, "not a class file");
        List<String> notes = new ArrayList<>();
        assertNull(DjlRunner.start(dir, notes));
        assertEquals(1, notes.size(), notes::toString);
        assertTrue(notes.get(0).startsWith("DJL: not run (the DJL process at " + dir + " failed to start: "),
                notes.get(0));
        assertTrue(notes.get(0).contains("ClassFormatError") || notes.get(0).contains("Incompatible magic"),
                "the child's own error is in the note: " + notes.get(0));
    }

    @Test
    void withoutAClassPathTheReportSaysWhyAndHasNoDjlNumbers(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("no-djl-here");
        JsonNode array = run("--quick", "--json", "--backend", "cpu", "--no-pytorch", "--djl", missing.toString(),
                "--gemm-n", "64", "--epoch-steps", "0", "--shape", "8x10-6-4", "--out", dir.toString());
        assertEquals(1, array.size());
        assertTrue(array.get(0).get("step_ms").asDouble() > 0);
        assertFalse(array.get(0).has("djl_step_ms") || array.get(0).has("ratio_vs_djl"), array::toPrettyString);
        String date = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
        String expected = "DJL: not run (--djl " + missing + ": no such directory)";
        JsonNode doc = JSON.readTree(dir.resolve(date + "-stepbench.json").toFile());
        assertEquals(expected, doc.get("djl_not_run").asText());
        assertFalse(doc.has("djl"));
        assertTrue(doc.get("notes").toString().contains(expected), doc.get("notes")::toString);
        String md = Files.readString(dir.resolve(date + "-stepbench.md"));
        assertTrue(md.contains("| DJL | not run (--djl " + missing + ": no such directory) |"), md);
        assertTrue(md.contains("| DJL ms (threads) | vs DJL |"), md);
    }

    @Test
    void noDjlIsSaidSoAndTheOptionsParse() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = BenchCli.run(new String[] {"--quick", "--backend", "cpu", "--no-pytorch", "--no-djl",
                "--gemm-n", "64", "--epoch-steps", "0", "--shape", "8x10-6-4"}, "StepBench",
                new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertEquals(0, status);
        String table = out.toString(StandardCharsets.UTF_8);
        assertTrue(table.contains("note: DJL: not run (--no-djl)"), table);
        assertTrue(table.lines().anyMatch(l -> l.startsWith("backend prec") && l.endsWith("djl ms   vs djl")), table);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, BenchCli.run(new String[] {"--djl"}, "StepBench", System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--djl needs a value"));
        StepBench.Options o = StepBench.Options.defaults(true);
        assertTrue(o.djl() && o.djlDir() == null, "DJL is looked for by default");
        assertEquals(Path.of("x"), o.withDjl(true, Path.of("x")).djlDir());
    }

    @Test
    void aDjlTimingIsShownBesideTheRowWithItsRatioAndTheMachineLine() throws Exception {
        Measurement cpu = Measurement.timed("cpu", "device", "fp32", SHAPE, new double[] {2.0, 2.0, 2.0}, 1.0)
                .withDjl(5.0, 0.123, 2);
        assertEquals(2.5, cpu.ratioVsDjl(), 1e-12, "DJL's time over LogitNet's");
        JsonNode info = JSON.readTree("{\"djl_version\":\"0.36.0\",\"engine\":\"PyTorch\",\"libtorch_version\":"
                + "\"2.7.1\",\"libtorch_path\":\"/x/cache/pytorch/2.7.1-cpu\",\"threads\":2,\"interop_threads\":1,"
                + "\"offline\":true,\"features\":[\"MKL\",\"OPENMP\"]}");
        StepBench.Result r = new StepBench.Result("2026-12-02", "logitnet bench", Map.of(), Map.of(), Map.of(), 1024,
                List.of(cpu), List.of(), null, List.of(), List.of(), 1.0, Map.of(), info, null);
        String md = Report.markdown(r, "x.png", "x.json", null);
        assertTrue(md.contains("| DJL | DJL 0.36.0, engine PyTorch, libtorch 2.7.1 (loaded from "
                + "/x/cache/pytorch/2.7.1-cpu), its default 2 intra-op thread(s)"), md);
        assertTrue(md.contains("offline true, MKL OPENMP"), md);
        assertTrue(md.contains("| 5.00 (2t) | 2.50× |"), md);
        String table = Report.table(r);
        assertTrue(table.contains("5.00") && table.contains("2.50×"), table);
        JsonNode row = JSON.readTree(Report.jsonArray(r)).get(0);
        assertEquals(5.0, row.get("djl_step_ms").asDouble());
        assertEquals(2, row.get("djl_threads").asInt());
        assertEquals(2.5, row.get("ratio_vs_djl").asDouble(), 1e-12);
        JsonNode doc = JSON.readTree(Report.jsonDocument(r));
        assertEquals("2.7.1", doc.get("djl").get("libtorch_version").asText());
        assertFalse(doc.has("djl_not_run"));
        // a result built without DJL says that it was not asked for
        StepBench.Result without = new StepBench.Result("2026-12-02", "c", Map.of(), Map.of(), Map.of(), 1,
                List.of(), List.of(), null, List.of(), List.of(), 1.0, Map.of());
        assertEquals("not run (not asked for)", Report.djlLine(without));
    }

    private static JsonNode run(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = BenchCli.run(args, "StepBench", new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, status, () -> err.toString(StandardCharsets.UTF_8));
        return JSON.readTree(out.toString(StandardCharsets.UTF_8));
    }
}
