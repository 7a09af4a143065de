package io.logitnet.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CSV bench's pieces on a small file, in this JVM: the same seed writes the same file; train then evaluate. */
class CsvBenchTest {
    @Test
    void generatedFileIsFixedBySeedAndLearnable(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.csv");
        Path b = dir.resolve("b.csv");
        CsvBench.generate(a, 3000, 8, 7);
        CsvBench.generate(b, 3000, 8, 7);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        assertTrue(Files.readAllLines(a).get(0).equals("x1,x2,x3,x4,x5,x6,x7,x8,y"));
        Path model = dir.resolve("model.json");
        ObjectNode t = CsvBench.train(a, model);
        assertEquals(3000, t.get("rows").asInt());
        assertTrue(t.get("train_accuracy").asDouble() > 0.7, t.toString());
        ObjectNode e = CsvBench.evaluate(a, model);
        assertEquals(t.get("train_accuracy").asDouble(), e.get("accuracy").asDouble(), 1e-12);
        ObjectNode s = CsvBench.stream(a, 2);
        assertEquals(3000, s.get("rows").asLong());
        assertTrue(s.get("objective").asDouble() < Math.log(2), s.toString());
    }
}
