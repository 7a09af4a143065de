package io.logitnet.data;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.logitnet.InvalidDataException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary bytes as a CSV file (gzipped when they start with the gzip magic): reading and then using the table as
 * a trainer would either works, with consistent rows and line numbers, or throws an {@link InvalidDataException}
 * that names the file and a location inside it; never anything else. A plain build runs the seeds in
 * {@code CsvReaderFuzzTestInputs/read/}; {@code JAZZER_FUZZ=1} makes Jazzer generate inputs.
 */
class CsvReaderFuzzTest {
    private static Path dir;

    @BeforeAll
    static void createFolder() throws IOException {
        dir = Files.createTempDirectory("csv-fuzz");
    }

    @AfterAll
    static void deleteFolder() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(dir);
    }

    @FuzzTest(maxDuration = "60s")
    // Jazzer writes these into a libFuzzer dictionary one per line: no line breaks in an entry.
    @DictionaryEntries({"\"", "\"\"", ",", "nan", "inf", "-Infinity", "1e39", "1.5e-3", "NaN", "label"})
    void read(byte[] input) throws IOException {
        boolean gzip = input.length >= 2 && (input[0] & 0xff) == 0x1f && (input[1] & 0xff) == 0x8b;
        Path f = dir.resolve(gzip ? "input.csv.gz" : "input.csv");
        Files.write(f, input);
        CsvTable t;
        try {
            t = CsvReader.read(f);
        } catch (InvalidDataException e) {
            assertEquals(f.toString(), e.source());
            assertTrue(e.line() >= 0 && e.column() >= 0, e.getMessage());
            return;
        }
        assertTrue(t.rowCount() > 0);
        assertTrue(t.headerLine() >= 1);
        long previous = t.headerLine();
        for (int i = 0; i < t.rowCount(); i++) {
            assertTrue(t.line(i) > previous, "lines increase");
            previous = t.line(i);
            for (int j = 0; j < t.columnCount(); j++) {
                assertTrue(t.cell(i, j) != null);
            }
        }
        String target = t.header().get(t.columnCount() - 1);
        try {
            ClassLabels labels = ClassLabels.fit(t, target);
            int[] classes = labels.encode(t, target);
            for (int i = 0; i < classes.length; i++) {
                assertEquals(t.cell(i, t.columnCount() - 1), labels.label(classes[i]));
            }
        } catch (InvalidDataException e) {
            // the errors fit can make: a single class, an empty label (named at its line), too many labels
            boolean empty = t.column(target).stream().anyMatch(String::isEmpty);
            long distinct = t.column(target).stream().distinct().count();
            assertTrue(distinct == 1 || empty && e.line() > t.headerLine() || distinct > 1000, e.getMessage());
        }
        if (t.columnCount() > 1) {
            List<String> features = t.allColumnsExcept(target);
            try {
                Dataset d = t.regression(target, features);
                assertEquals(t.rowCount(), d.rows());
                for (float v : d.x()) {
                    assertTrue(Float.isFinite(v));
                }
            } catch (InvalidDataException e) {
                assertEquals(f.toString(), e.source());
                assertTrue(e.line() > t.headerLine() && e.column() >= 1 && e.column() <= t.columnCount(),
                        e.getMessage());
            }
        }
    }
}
