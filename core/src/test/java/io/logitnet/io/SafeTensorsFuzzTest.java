package io.logitnet.io;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Arbitrary bytes as a checkpoint file: the reader either returns tensors that survive a write and a second read
 * unchanged, or throws a {@link CheckpointFormatException}; never anything else. In a plain build this runs over
 * the seeds in {@code SafeTensorsFuzzTestInputs/read/}; {@code JAZZER_FUZZ=1} makes Jazzer generate inputs.
 */
class SafeTensorsFuzzTest {
    private static Path dir;

    @BeforeAll
    static void createFolder() throws IOException {
        dir = Files.createTempDirectory("safetensors-fuzz");
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
    @DictionaryEntries({"\"dtype\"", "\"F32\"", "\"shape\"", "\"data_offsets\"", "\"__metadata__\"", "[0,4]",
            "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}", "\\ud800", "1e3", "-1"})
    void read(byte[] input) throws IOException {
        Path f = dir.resolve("input.safetensors");
        Files.write(f, input);
        TensorFile t;
        try {
            t = SafeTensors.read(f);
        } catch (CheckpointFormatException e) {
            assertEquals(f, e.file());
            assertNotNull(e.problem());
            // The header-only reader must reject the same header for the same reason.
            CheckpointFormatException m = null;
            try {
                SafeTensors.readMetadata(f);
            } catch (CheckpointFormatException e2) {
                m = e2;
            }
            assertNotNull(m, "readMetadata accepted what read rejected: " + e.getMessage());
            assertEquals(e.problem(), m.problem());
            return;
        }
        assertEquals(t.metadata(), SafeTensors.readMetadata(f));
        Path copy = dir.resolve("copy.safetensors");
        SafeTensors.write(copy, t.tensors(), t.metadata());
        TensorFile back = SafeTensors.read(copy);
        assertEquals(t.tensors(), back.tensors());
        assertEquals(t.metadata(), back.metadata());
    }
}
