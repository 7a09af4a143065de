package io.logitnet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DJL's PyTorch engine timing a tiny step for real, offline, from the class path that
 * {@code ./mvnw -Pdjl -pl bench -am verify} builds (bench/target/djl). Without it (the default build, which never
 * fetches DJL's ~110 MB of libtorch) every test here is skipped with the reason.
 */
class DjlPeerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private Path dir;

    @BeforeEach
    void classPathBuilt() {
        dir = Path.of(System.getProperty("logitnet.djl.dir", "target/djl")).toAbsolutePath();
        String why = DjlRunner.problem(dir);
        Path d = dir;
        Assumptions.assumeTrue(why == null, () -> "DJL class path " + d + " not built (" + why + "): run "
                + "./mvnw -Pdjl -pl bench -am verify to include these tests");
    }

    @Test
    void djlLoadsLibtorchFromItsJarsOfflineAndTrains() {
        List<String> notes = new ArrayList<>();
        try (DjlRunner djl = DjlRunner.start(dir, notes)) {
            assertNotNull(djl, notes::toString);
            JsonNode info = djl.info();
            assertEquals("PyTorch", info.get("engine").asText());
            assertTrue(info.get("offline").asBoolean(), "the child runs with ai.djl.offline: " + info);
            assertTrue(Path.of(info.get("libtorch_path").asText()).startsWith(dir.resolve("cache")),
                    "libtorch unpacked from the class path's jar into DIR/cache, not downloaded: " + info);
            assertTrue(djl.defaultThreads() >= 1);

            Shape s = Shape.parse("16x20-12-3");
            JsonNode r = djl.step(s, 1, 0.0, 3, 3, 5.0, 0.0, List.of(1));
            assertTrue(!r.has("error"), r::toPrettyString);
            double ms = r.get("step_ms").asDouble();
            assertTrue(ms > 0 && r.get("step_ms_min").asDouble() <= ms && ms <= r.get("step_ms_max").asDouble(),
                    r::toPrettyString);
            assertEquals(3, r.get("steps").asInt());
            assertEquals(1, r.get("threads").asInt());
            assertEquals(s.flopsPerStep() / (ms / 1e3) / 1e12, r.get("tflops").asDouble(), 1e-9 * ms);
            double first = r.get("loss_first").asDouble();
            double after = r.get("loss_after").asDouble();
            // cross-entropy of 3 classes starts near ln 3 and SGD on one fixed batch brings it down
            assertTrue(first > 0.5 && first < 3, "first loss " + first);
            assertTrue(after < first, "loss " + first + " -> " + after + ": the steps update the weights");
        }
    }

    @Test
    void theHarnessPutsDjlBesideTheCpuRow() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = BenchCli.run(new String[] {"--quick", "--json", "--backend", "cpu", "--no-pytorch", "--djl",
                dir.toString(), "--torch-threads", "1", "--gemm-n", "64", "--epoch-steps", "0", "--shape",
                "16x20-12-3"}, "StepBench", new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, status, () -> err.toString(StandardCharsets.UTF_8));
        JsonNode m = JSON.readTree(out.toString(StandardCharsets.UTF_8)).get(0);
        assertTrue(m.get("djl_step_ms").asDouble() > 0, m::toPrettyString);
        assertEquals(1, m.get("djl_threads").asInt(), "--torch-threads 1 holds for DJL too");
        assertEquals(m.get("djl_step_ms").asDouble() / m.get("step_ms").asDouble(), m.get("ratio_vs_djl").asDouble(),
                1e-9);
    }
}
