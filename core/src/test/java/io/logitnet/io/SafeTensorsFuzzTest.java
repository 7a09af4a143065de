package io.logitnet.io;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary bytes as a checkpoint file: the reader either returns tensors that survive a write and a second read
 * unchanged, or throws a {@link CheckpointFormatException}; never anything else. And arbitrary tensors, names and
 * metadata: whatever the writer accepts reads back equal. In a plain build these run over their seeds in
 * {@code SafeTensorsFuzzTestInputs/<method>/}; {@code JAZZER_FUZZ=1} makes Jazzer generate inputs (one fuzz test
 * per run: pick it with {@code -Dtest=SafeTensorsFuzzTest#read}).
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

    @FuzzTest(maxDuration = "60s")
    void writeThenRead(FuzzedDataProvider data) throws IOException {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        int count = data.consumeInt(0, 4);
        for (int i = 0; i < count; i++) {
            String name = data.consumeString(24);
            int[] shape = new int[data.consumeInt(0, 3)];
            int n = 1;
            for (int k = 0; k < shape.length; k++) {
                shape[k] = data.consumeInt(0, 5);
                n *= shape[k];
            }
            float[] values = new float[n];
            for (int j = 0; j < n; j++) {
                values[j] = data.consumeFloat(); // NaN, infinities and subnormals included
            }
            tensors.put(name, new TensorData(shape, values));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        int entries = data.consumeInt(0, 3);
        for (int i = 0; i < entries; i++) {
            metadata.put(data.consumeString(16), data.consumeString(64));
        }
        Path f = dir.resolve("written.safetensors");
        try {
            SafeTensors.write(f, tensors, metadata);
        } catch (IllegalArgumentException e) {
            // Only a reserved tensor name or text that is not Unicode may be refused.
            assertTrue(tensors.containsKey(SafeTensors.METADATA_KEY)
                    || tensors.keySet().stream().anyMatch(s -> SafeTensors.unpairedSurrogate(s) >= 0)
                    || metadata.entrySet().stream().anyMatch(m -> SafeTensors.unpairedSurrogate(m.getKey()) >= 0
                            || SafeTensors.unpairedSurrogate(m.getValue()) >= 0), e.getMessage());
            return;
        }
        TensorFile back = SafeTensors.read(f);
        assertEquals(tensors, back.tensors());
        assertEquals(metadata, back.metadata());
        byte[] bytes = Files.readAllBytes(f);
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLength % 8, "header padded to a multiple of 8");
    }
}
