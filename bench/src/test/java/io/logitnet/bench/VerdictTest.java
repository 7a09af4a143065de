package io.logitnet.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The goals' verdicts from measurements made up for the purpose: pass, miss by how much, not measured and why. */
class VerdictTest {
    private static final Shape SMALL = Shape.parse("256x784-256-10");
    private static final Shape WIDE = Shape.parse("1024x784-4096-10");

    private static StepBench.Result result(List<Measurement> rows) {
        return new StepBench.Result("2026-12-02", "logitnet bench", Map.of(), Map.of(), Map.of(), 1024, rows,
                List.of(), null, List.of(), List.of(), 1.0, Map.of());
    }

    private static Measurement timed(String backend, Shape s, double ms) {
        return Measurement.timed(backend, "device", "fp32", s, new double[] {ms, ms, ms}, 1.0);
    }

    private static Report.Verdict find(List<Report.Verdict> vs, String goalPart) {
        return vs.stream().filter(v -> v.goal().contains(goalPart)).findFirst()
                .orElseThrow(() -> new AssertionError("no goal with '" + goalPart + "' in " + vs));
    }

    @Test
    void cpuAgainstPytorchPerShapeAndTheGpuGoalsNotMeasuredWithoutAGpu() {
        Measurement small = timed("cpu", SMALL, 2.0).withPytorch("cpu", 1.6, 1, null, 2); // 0.80x
        Measurement wide = timed("cpu", WIDE, 100.0).withPytorch("cpu", 135.0, 1, null, 2); // 1.35x
        List<Report.Verdict> vs = Report.verdicts(result(List.of(small, wide)));
        assertEquals("miss by 20%", find(vs, "256 × 784").verdict());
        assertTrue(find(vs, "256 × 784").measured().startsWith("0.80×"), find(vs, "256 × 784").measured());
        assertEquals("pass", find(vs, "1024 × 784").verdict());
        Report.Verdict gpu = find(vs, "CUDA ≥ 0.95×");
        assertTrue(gpu.measured().startsWith("not measured: no GPU"), gpu.measured());
        assertEquals("-", gpu.verdict());
    }

    /**
     * Rounds: each side's time is the median of its rounds' medians, the ratio follows from those (not from any one
     * round), min and max span every round, and the verdict lists every round's ratio.
     */
    @Test
    void roundsCombineIntoMediansAndTheVerdictListsEachRoundsRatio() {
        List<Measurement> rounds = List.of(
                timed("cpu", SMALL, 2.0).withPytorch("cpu", 2.2, 1, null, 1).withDjl(3.0, 1, 2), // 1.10x
                Measurement.timed("cpu", "device", "fp32", SMALL, new double[] {4.0, 5.0, 9.0}, 1.0)
                        .withPytorch("cpu", 3.0, 1, null, 1).withDjl(6.0, 1, 2), // 0.60x, a loaded round
                timed("cpu", SMALL, 2.5).withPytorch("cpu", 2.4, 1, null, 1).withDjl(3.5, 1, 2)); // 0.96x
        Measurement m = Measurement.combine(rounds);
        assertEquals(2.5, m.stepMs(), 1e-12);
        assertEquals(2.4, m.pytorchStepMs(), 1e-12);
        assertEquals(3.5, m.djlStepMs(), 1e-12);
        assertEquals(2.4 / 2.5, m.ratioVsPytorch(), 1e-12);
        assertEquals(3.5 / 2.5, m.ratioVsDjl(), 1e-12);
        assertEquals(2.0, m.stepMsMin(), 1e-12);
        assertEquals(9.0, m.stepMsMax(), 1e-12);
        assertEquals(9, m.steps());
        assertEquals(3, m.rounds());
        assertEquals(List.of(2.2 / 2.0, 3.0 / 5.0, 2.4 / 2.5), m.roundRatiosVsPytorch());
        assertEquals(SMALL.flopsPerStep() / 2.5e-3 / 1e12, m.tflops(), 1e-12);
        Report.Verdict v = find(Report.verdicts(result(List.of(m))), "256 × 784");
        assertEquals("miss by 4%", v.verdict());
        assertTrue(v.measured().contains("medians of 3 rounds, whose ratios were 1.10×, 0.60×, 0.96×"), v.measured());
        assertEquals(rounds.get(0), Measurement.combine(rounds.subList(0, 1)), "one round is kept as it is");
        Measurement close = timed("cpu", SMALL, 2.0).withPytorch("cpu", 1.992, 1, null, 1); // 0.996x
        assertEquals("miss by 0.4%", find(Report.verdicts(result(List.of(close))), "256 × 784").verdict());
    }

    @Test
    void openclIsJudgedAgainstABaselineReportAndOnlyThen(@TempDir Path dir) throws Exception {
        Measurement cl = timed("opencl", SMALL, 11.0);
        List<Report.Verdict> none = Report.verdicts(result(List.of(cl)));
        assertTrue(find(none, "OpenCL no regression").verdict().startsWith("not judged: no baseline"),
                none.toString());
        // an earlier report as write() writes it: 10 ms before, 11 ms now is within the 10% allowance; 12 is not
        Path earlier = dir.resolve("earlier.json");
        Files.writeString(earlier, Report.jsonDocument(result(List.of(timed("opencl", SMALL, 10.0)))));
        Map<String, Double> baseline = Report.baseline(earlier);
        assertEquals(Map.of("opencl fp32 " + SMALL.id(), 10.0), baseline);
        assertEquals("pass", find(Report.verdicts(result(List.of(cl)).withBaseline(baseline)),
                "OpenCL no regression").verdict());
        assertEquals("miss: 20% slower", find(Report.verdicts(result(List.of(timed("opencl", SMALL, 12.0)))
                .withBaseline(baseline)), "OpenCL no regression").verdict());
        assertTrue(Report.table(result(List.of(cl)).withBaseline(baseline)).contains("goal: OpenCL no regression"));
    }
}
