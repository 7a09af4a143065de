package io.logitnet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The harness in quick mode on the CPU with a tiny grid: the JSON it prints is complete and sane. No timing limits. */
class StepBenchTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Runs the command line and returns the JSON array it printed on stdout. */
    private static JsonNode runJson(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = BenchCli.run(args, "StepBench", new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, status, () -> "exit status, stderr: " + err.toString(StandardCharsets.UTF_8));
        JsonNode array = JSON.readTree(out.toString(StandardCharsets.UTF_8));
        assertTrue(array.isArray(), "stdout is one JSON array");
        return array;
    }

    @Test
    void quickCpuRunPrintsSaneJson(@TempDir Path dir) throws Exception {
        JsonNode array = runJson("--quick", "--json", "--backend", "cpu", "--no-pytorch", "--no-djl", "--gemm-n", "128",
                "--shape", "16x20-12-3,8x10-6-6-4", "--out", dir.toString());
        assertEquals(2, array.size(), array::toPrettyString);
        List<List<Integer>> expected = List.of(List.of(20, 12, 3), List.of(10, 6, 6, 4));
        for (int i = 0; i < array.size(); i++) {
            JsonNode m = array.get(i);
            assertEquals("cpu", m.get("backend").asText());
            assertEquals("fp32", m.get("precision").asText());
            int batch = m.get("batch").asInt();
            assertEquals(i == 0 ? 16 : 8, batch);
            JsonNode layers = m.get("layers");
            long macs = 0;
            for (int j = 0; j < layers.size(); j++) {
                assertEquals(expected.get(i).get(j), layers.get(j).asInt());
                if (j + 1 < layers.size()) {
                    macs += (long) layers.get(j).asInt() * layers.get(j + 1).asInt();
                }
            }
            double stepMs = m.get("step_ms").asDouble();
            assertTrue(stepMs > 0, "step_ms > 0");
            assertTrue(m.get("step_ms_min").asDouble() > 0);
            assertTrue(m.get("step_ms_min").asDouble() <= stepMs && stepMs <= m.get("step_ms_max").asDouble());
            assertTrue(m.get("steps").asInt() >= 3);
            double tflops = m.get("tflops").asDouble();
            double formula = 6.0 * batch * macs / (stepMs / 1e3) / 1e12;
            assertEquals(formula, tflops, 1e-9 * formula, "tflops = 6 x batch x sum(in*out) / step time");
            assertTrue(m.get("gemm_peak_tflops").asDouble() > 0);
            assertEquals(tflops / m.get("gemm_peak_tflops").asDouble(), m.get("fraction_of_peak").asDouble(), 1e-9);
            assertTrue(m.get("peak_memory_bytes").asLong() > 4L * 2 * macs, "at least parameters and gradients");
            assertEquals(1.0, m.get("ratio_vs_cpu").asDouble(), 1e-12, "the CPU against itself");
            assertTrue(m.get("epoch_ms").asDouble() > 0);
            assertTrue(!m.has("ratio_vs_pytorch") && !m.has("skipped"));
        }
        String date = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
        for (String ext : List.of(".md", ".json", ".png")) {
            Path p = dir.resolve(date + "-stepbench" + ext);
            assertTrue(Files.size(p) > 0, p + " written");
        }
        String md = Files.readString(dir.resolve(date + "-stepbench.md"));
        assertTrue(md.contains("## Goals") && md.contains("16 | 20 → 12 → 3"), md);
        JsonNode doc = JSON.readTree(dir.resolve(date + "-stepbench.json").toFile());
        assertEquals(2, doc.get("measurements").size());
        assertTrue(doc.get("machine").has("cpu"));
    }

    @Test
    void namedReportWithAddedShapeAndItsProfileAndAPlotDrawnAgainFromTheJson(@TempDir Path dir) throws Exception {
        JsonNode array = runJson("--quick", "--json", "--backend", "cpu", "--no-pytorch", "--no-djl", "--gemm-n", "64",
                "--epoch-steps", "0", "--shape", "16x20-12-3", "--add-shape", "8x10-6-4", "--profile-shape",
                "8x10-6-4,4x5-5-5", "--name", "cpu-check", "--out", dir.toString());
        assertEquals(2, array.size(), array::toPrettyString);
        assertEquals("[10,6,4]", array.get(1).get("layers").toString(), "the added shape runs after the grid");
        String date = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
        JsonNode doc = JSON.readTree(dir.resolve(date + "-cpu-check.json").toFile());
        JsonNode profiles = doc.get("profiles");
        assertEquals(1, profiles.size(), profiles::toPrettyString);
        assertEquals("cpu", profiles.get(0).get("backend").asText());
        assertEquals("8x10-6-4", profiles.get(0).get("shape").asText());
        assertTrue(profiles.get(0).get("ops").size() >= 8, "forward, loss, backward and update operations");
        assertTrue(doc.get("notes").toString().contains("4x5-5-5"), "a profile shape outside the grid is noted");
        String md = Files.readString(dir.resolve(date + "-cpu-check.md"));
        assertTrue(md.contains("## Where the time goes: batch 8, 10 → 6 → 4"), md);
        Path png = dir.resolve(date + "-cpu-check.png");
        byte[] drawn = Files.readAllBytes(png);
        Files.delete(png);
        Plot.main(new String[] {dir.resolve(date + "-cpu-check.json").toString()});
        assertEquals(drawn.length, Files.size(png), "the plot drawn again from the JSON is the same image");
    }

    @Test
    void shapesOverTheBudgetAreSkippedWithTheReason() throws Exception {
        JsonNode array = runJson("--quick", "--json", "--backend", "cpu", "--no-pytorch", "--no-djl", "--gemm-n", "128",
                "--budget-s", "0.000001", "--shape", "64x512-512-10");
        assertEquals(1, array.size());
        assertTrue(array.get(0).get("skipped").asText().contains("budget"), array::toPrettyString);
        assertTrue(!array.get(0).has("step_ms"));
    }

    @Test
    void pytorchSideBySideWhenTorchIsInstalled() throws Exception {
        Assumptions.assumeTrue(PyTorchRunner.probe("/usr/bin/python3") == null, "no torch for /usr/bin/python3");
        JsonNode array = runJson("--quick", "--json", "--backend", "cpu", "--python", "/usr/bin/python3",
                "--gemm-n", "128", "--epoch-steps", "0", "--shape", "16x20-12-3");
        JsonNode m = array.get(0);
        assertTrue(m.get("pytorch_step_ms").asDouble() > 0, m::toPrettyString);
        assertEquals(m.get("pytorch_step_ms").asDouble() / m.get("step_ms").asDouble(),
                m.get("ratio_vs_pytorch").asDouble(), 1e-9);
        assertEquals("cpu", m.get("pytorch_device").asText());
    }

    @Test
    void unknownOptionIsAUserError() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = BenchCli.run(new String[] {"--frobnicate"}, "StepBench", System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, status);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--frobnicate"));
    }

    @Test
    void shapeParsesAndCountsFlops() {
        Shape s = Shape.parse("1024x784-4096-10");
        assertEquals(StepBench.ISSUE_2_SHAPE, s);
        assertEquals(784L * 4096 + 4096L * 10, s.macsPerExample());
        assertEquals(6.0 * 1024 * s.macsPerExample(), s.flopsPerStep());
        assertEquals(4096, s.hiddenWidth());
        assertEquals("1024x784-4096-10", s.id());
    }
}
