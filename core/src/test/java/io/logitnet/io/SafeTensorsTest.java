package io.logitnet.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logitnet.io.CheckpointFormatException.Problem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Round trips, the exact file layout, atomic replacement, and one test per kind of malformed file. */
class SafeTensorsTest {
    @TempDir
    Path dir;

    static float[] ramp(int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (i - n / 2f) * scale;
        }
        return v;
    }

    static Map<String, TensorData> sample() {
        Map<String, TensorData> t = new LinkedHashMap<>();
        t.put("layers.1.weight", TensorData.of(ramp(6, 0.5f), 2, 3));
        t.put("layers.0.weight", TensorData.of(ramp(12, 0.25f), 3, 4));
        t.put("layers.0.bias", TensorData.of(new float[] {-1f, Float.MIN_VALUE, Float.MAX_VALUE}, 3));
        t.put("layers.1.bias", TensorData.of(new float[] {0.125f, -0f}, 2));
        t.put("step", TensorData.of(new float[] {42f}));
        t.put("empty", TensorData.of(new float[0], 0, 5));
        return t;
    }

    /** A file of the given header text (not padded) and data bytes. */
    static byte[] raw(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return raw(h.length, h, data);
    }

    static byte[] raw(long headerLength, byte[] header, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerLength);
        out.writeBytes(len.array());
        out.writeBytes(header);
        out.writeBytes(data);
        return out.toByteArray();
    }

    private Path file(byte[] bytes) throws IOException {
        Path f = dir.resolve("bad.safetensors");
        Files.write(f, bytes);
        return f;
    }

    private CheckpointFormatException assertBad(byte[] bytes, Problem problem, String tensor) throws IOException {
        Path f = file(bytes);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> SafeTensors.read(f));
        assertEquals(problem, e.problem(), e.getMessage());
        assertEquals(f, e.file());
        assertEquals(tensor, e.tensor(), e.getMessage());
        // The header-only reader checks the same header, except that it never reads the data.
        CheckpointFormatException m = assertThrows(CheckpointFormatException.class,
                () -> SafeTensors.readMetadata(f));
        assertEquals(problem, m.problem());
        return e;
    }

    private List<Path> leftovers() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
        }
    }

    // ---- writing and reading back ----

    @Test
    void roundTripKeepsShapesValuesAndMetadata() throws IOException {
        Path f = dir.resolve("model.safetensors");
        Map<String, String> meta = Map.of("architecture", "mlp[4,3,2]", "seed", "7", "unicode", "größe ✓");
        SafeTensors.write(f, sample(), meta);
        TensorFile read = SafeTensors.read(f);
        assertEquals(sample(), read.tensors());
        assertEquals(meta, read.metadata());
        assertEquals(meta, SafeTensors.readMetadata(f));
        assertEquals(f, read.file());
        assertArrayEquals(new int[0], read.tensor("step").shape());
        assertTrue(leftovers().isEmpty());
    }

    @Test
    void layoutIsSortedContiguousAndPadded() throws IOException {
        Path f = dir.resolve("layout.safetensors");
        SafeTensors.write(f, sample(), Map.of("k", "v"));
        byte[] bytes = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8, "header padded to a multiple of 8");
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertEquals(header.stripTrailing() + " ".repeat(header.length() - header.stripTrailing().length()), header);
        JsonNode root = new ObjectMapper().readTree(header);
        List<String> names = new ArrayList<>();
        root.fieldNames().forEachRemaining(names::add);
        assertEquals(List.of("__metadata__", "empty", "layers.0.bias", "layers.0.weight", "layers.1.bias",
                "layers.1.weight", "step"), names);
        long expected = 0;
        Iterator<String> it = names.listIterator(1);
        while (it.hasNext()) {
            JsonNode e = root.get(it.next());
            assertEquals("F32", e.get("dtype").textValue());
            assertEquals(expected, e.get("data_offsets").get(0).longValue());
            expected = e.get("data_offsets").get(1).longValue();
        }
        assertEquals(bytes.length - 8 - n, expected, "the data ends where the file ends");
        // The bias of layer 0 is stored little-endian right after the empty tensor, at the start of the data.
        float first = ByteBuffer.wrap(bytes, (int) (8 + n), 4).order(ByteOrder.LITTLE_ENDIAN).getFloat();
        assertEquals(-1f, first);
    }

    @Test
    void noMetadataMeansNoMetadataKey() throws IOException {
        Path f = dir.resolve("nometa.safetensors");
        SafeTensors.write(f, Map.of("w", TensorData.of(new float[] {1, 2}, 2)), Map.of());
        String text = new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
        assertTrue(!text.contains("__metadata__"));
        assertEquals(Map.of(), SafeTensors.read(f).metadata());
    }

    @Test
    void emptyCheckpoint() throws IOException {
        Path f = dir.resolve("none.safetensors");
        SafeTensors.write(f, Map.of(), Map.of());
        TensorFile t = SafeTensors.read(f);
        assertTrue(t.tensors().isEmpty());
        assertEquals(16, Files.size(f)); // "{}" padded to 8, after the 8-byte length
    }

    @Test
    void largeTensorCrossesTheCopyChunks() throws IOException {
        Path f = dir.resolve("big.safetensors");
        float[] v = ramp(700_001, 1e-3f); // more than two 1 MiB chunks, and not a multiple of one
        SafeTensors.write(f, Map.of("w", TensorData.of(v, 700_001)), Map.of());
        assertArrayEquals(v, SafeTensors.read(f).tensor("w").data());
    }

    @Test
    void overwriteReplacesTheOldFile() throws IOException {
        Path f = dir.resolve("model.safetensors");
        SafeTensors.write(f, sample(), Map.of("v", "1"));
        SafeTensors.write(f, Map.of("x", TensorData.of(new float[] {3}, 1)), Map.of("v", "2"));
        TensorFile t = SafeTensors.read(f);
        assertEquals(Map.of("v", "2"), t.metadata());
        assertEquals(List.of("x"), List.copyOf(t.tensors().keySet()));
        assertTrue(leftovers().isEmpty());
    }

    @Test
    void relativePathInTheWorkingFolderWorks() {
        // The temporary file goes in the folder of the absolute path, here the module's target folder.
        Path f = Path.of("target", "safetensors-relative-" + ProcessHandle.current().pid() + ".safetensors");
        try {
            SafeTensors.write(f, sample(), Map.of());
            assertEquals(sample(), SafeTensors.read(f).tensors());
        } finally {
            f.toFile().delete();
        }
    }

    // ---- atomic replacement ----

    @Test
    void failureBeforeCommitLeavesTheOldFileAndNoTemporary() throws IOException {
        Path f = dir.resolve("model.safetensors");
        SafeTensors.write(f, sample(), Map.of("v", "old"));
        byte[] before = Files.readAllBytes(f);
        List<Path> seen = new ArrayList<>();
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> SafeTensors.write(f,
                Map.of("w", TensorData.of(ramp(1000, 1), 1000)), Map.of("v", "new"), tmp -> {
                    seen.add(tmp);
                    assertTrue(Files.size(tmp) > 4000, "the data was written to the temporary file");
                    throw new IOException("disk full (injected)");
                }));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        assertEquals(1, seen.size());
        assertEquals(dir, seen.get(0).getParent(), "the temporary file is in the target's folder");
        assertArrayEquals(before, Files.readAllBytes(f));
        assertTrue(leftovers().isEmpty(), "temporary files left: " + leftovers());
        assertEquals(Map.of("v", "old"), SafeTensors.read(f).metadata());
    }

    @Test
    void uncheckedFailureAlsoCleansUp() throws IOException {
        Path f = dir.resolve("model.safetensors");
        SafeTensors.write(f, sample(), Map.of());
        byte[] before = Files.readAllBytes(f);
        assertThrows(IllegalStateException.class, () -> SafeTensors.write(f, sample(), Map.of(), tmp -> {
            throw new IllegalStateException("injected");
        }));
        assertArrayEquals(before, Files.readAllBytes(f));
        assertTrue(leftovers().isEmpty());
    }

    @Test
    void renameFailureLeavesNoTemporary() throws IOException {
        Path target = dir.resolve("occupied");
        Files.createDirectory(target);
        Files.writeString(target.resolve("keep.txt"), "keep");
        assertThrows(UncheckedIOException.class, () -> SafeTensors.write(target, sample(), Map.of()));
        assertEquals("keep", Files.readString(target.resolve("keep.txt")));
        assertTrue(leftovers().isEmpty());
    }

    @Test
    void missingFolderIsAnIoError() {
        Path f = dir.resolve("no/such/folder/model.safetensors");
        assertThrows(UncheckedIOException.class, () -> SafeTensors.write(f, sample(), Map.of()));
    }

    // ---- caller mistakes ----

    @Test
    void reservedNameAndBadTensorsAreCallerMistakes() {
        Path f = dir.resolve("x.safetensors");
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(f,
                Map.of("__metadata__", TensorData.of(new float[1], 1)), Map.of()));
        assertThrows(IllegalArgumentException.class, () -> TensorData.of(new float[5], 2, 3));
        assertThrows(IllegalArgumentException.class, () -> TensorData.of(new float[0], -1));
        assertThrows(IllegalArgumentException.class, () -> TensorData.of(new float[1], 65536, 65536));
        assertTrue(!Files.exists(f));
    }

    @Test
    void missingOrMisshapenTensorOnLookup() throws IOException {
        Path f = dir.resolve("m.safetensors");
        SafeTensors.write(f, sample(), Map.of());
        TensorFile t = SafeTensors.read(f);
        CheckpointFormatException missing = assertThrows(CheckpointFormatException.class,
                () -> t.tensor("layers.2.weight"));
        assertEquals(Problem.MISSING_TENSOR, missing.problem());
        assertEquals("layers.2.weight", missing.tensor());
        CheckpointFormatException shape = assertThrows(CheckpointFormatException.class,
                () -> t.tensor("layers.0.weight", 4, 3));
        assertEquals(Problem.BAD_SHAPE, shape.problem());
        assertArrayEquals(new int[] {3, 4}, t.tensor("layers.0.weight", 3, 4).shape());
    }

    @Test
    void missingFileIsAnIoError() {
        Path f = dir.resolve("absent.safetensors");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> SafeTensors.read(f));
        assertTrue(e.getMessage().contains(f.toString()));
    }

    // ---- what other writers produce ----

    @Test
    void acceptsUnpaddedHeadersTrailingWhitespaceAndAnyEntryOrder() throws IOException {
        String header = "{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"data_offsets\":[4,12],\"shape\":[2],\"dtype\":\"F32\"},"
                + "\"__metadata__\":{\"format\":\"pt\"}}  \n\t ";
        ByteBuffer data = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2)
                .putFloat(0.25f);
        TensorFile t = SafeTensors.read(file(raw(header, data.array())));
        assertArrayEquals(new float[] {1.5f}, t.tensor("b").data());
        assertArrayEquals(new float[] {-2, 0.25f}, t.tensor("a").data());
        assertEquals(Map.of("format", "pt"), t.metadata());
    }

    @Test
    void nullMetadataReadsAsNone() throws IOException {
        TensorFile t = SafeTensors.read(file(raw("{\"__metadata__\":null}", new byte[0])));
        assertEquals(Map.of(), t.metadata());
    }

    // ---- malformed files: one per kind ----

    @Test
    void shorterThanTheLengthField() throws IOException {
        assertBad(new byte[0], Problem.TOO_SHORT, null);
        assertBad(new byte[7], Problem.TOO_SHORT, null);
    }

    @Test
    void headerLengthOverTheLimit() throws IOException {
        assertBad(raw(SafeTensors.MAX_HEADER_BYTES + 1, new byte[0], new byte[0]), Problem.HEADER_TOO_LARGE, null);
        assertBad(raw(-1L, new byte[0], new byte[0]), Problem.HEADER_TOO_LARGE, null); // 2^64 - 1 unsigned
    }

    @Test
    void headerLengthPastTheEndOfTheFile() throws IOException {
        assertBad(raw(100, "{}".getBytes(StandardCharsets.UTF_8), new byte[0]), Problem.HEADER_PAST_END, null);
    }

    @Test
    void headerNotUtf8() throws IOException {
        byte[] h = {'{', '"', (byte) 0xff, '"', ':', '1', '}'};
        assertBad(raw(h.length, h, new byte[0]), Problem.HEADER_NOT_UTF8, null);
    }

    @Test
    void escapedUnpairedSurrogateIsNotText() throws IOException {
        // Jackson refuses a broken pair in a name while parsing; our own check catches those in values.
        assertBad(raw("{\"\\ud800\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}", new byte[0]),
                Problem.HEADER_NOT_JSON, null);
        assertBad(raw("{\"__metadata__\":{\"k\":\"a\\udc00\"}}", new byte[0]), Problem.HEADER_NOT_UTF8, null);
        // A pair written as two escapes is one character, and fine.
        TensorFile t = SafeTensors.read(file(raw("{\"__metadata__\":{\"k\":\"\\ud83d\\ude00\"}}", new byte[0])));
        assertEquals("\ud83d\ude00", t.metadata().get("k"));
    }

    @Test
    void unpairedSurrogateCannotBeWritten() {
        Path f = dir.resolve("s.safetensors");
        assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.write(f, Map.of("w\ud800", TensorData.of(new float[1], 1)), Map.of()));
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(f, Map.of(), Map.of("k", "\udfff")));
    }

    static Stream<Arguments> notJson() {
        return Stream.of(
                Arguments.of("empty header", ""),
                Arguments.of("array", "[]"),
                Arguments.of("leading space", " {}"),
                Arguments.of("syntax", "{\"a\":"),
                Arguments.of("trailing content", "{} {}"),
                Arguments.of("comment", "{/* no */}"),
                Arguments.of("duplicate tensor", "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},"
                        + "\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}"),
                Arguments.of("duplicate metadata key", "{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}"),
                Arguments.of("duplicate entry key", "{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[0],"
                        + "\"data_offsets\":[0,0]}}"),
                Arguments.of("NaN literal", "{\"a\":NaN}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("notJson")
    void headerNotAJsonObject(String why, String header) throws IOException {
        assertBad(raw(header, new byte[0]), Problem.HEADER_NOT_JSON, null);
    }

    static Stream<Arguments> badEntries() {
        String ok = "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]";
        return Stream.of(
                Arguments.of("{\"w\":[1,2]}", Problem.BAD_ENTRY),
                Arguments.of("{\"w\":\"F32\"}", Problem.BAD_ENTRY),
                Arguments.of("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", Problem.BAD_ENTRY),
                Arguments.of("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", Problem.BAD_ENTRY),
                Arguments.of("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", Problem.BAD_ENTRY),
                Arguments.of("{\"w\":{" + ok + ",\"extra\":1}}", Problem.BAD_ENTRY),
                Arguments.of("{\"w\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", Problem.BAD_ENTRY),
                Arguments.of("{\"w\":{\"dtype\":\"F32\",\"shape\":1,\"data_offsets\":[0,4]}}", Problem.BAD_ENTRY),
                Arguments.of("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":{}}}", Problem.BAD_ENTRY),
                Arguments.of("{\"w\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}",
                        Problem.UNSUPPORTED_DTYPE),
                Arguments.of("{\"w\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                        Problem.UNSUPPORTED_DTYPE),
                Arguments.of("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}",
                        Problem.BAD_SHAPE),
                Arguments.of("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]}}",
                        Problem.BAD_SHAPE),
                Arguments.of("{\"w\":{\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[0,4]}}",
                        Problem.BAD_SHAPE),
                Arguments.of("{\"w\":{\"dtype\":\"F32\",\"shape\":[null],\"data_offsets\":[0,4]}}",
                        Problem.BAD_SHAPE),
                Arguments.of("{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,4]}}",
                        Problem.BAD_SHAPE),
                Arguments.of("{\"w\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,4]}}",
                        Problem.BAD_SHAPE),
                Arguments.of("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}",
                        Problem.BAD_OFFSETS),
                Arguments.of("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}",
                        Problem.BAD_OFFSETS),
                Arguments.of("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}",
                        Problem.BAD_OFFSETS),
                Arguments.of("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}",
                        Problem.BAD_OFFSETS),
                Arguments.of("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4.0]}}",
                        Problem.BAD_OFFSETS),
                Arguments.of("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                        Problem.BAD_OFFSETS), // past the 4 data bytes
                Arguments.of("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}",
                        Problem.SIZE_MISMATCH),
                Arguments.of("{\"w\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,0]}}",
                        Problem.SIZE_MISMATCH));
    }

    @ParameterizedTest
    @MethodSource("badEntries")
    void badTensorEntry(String header, Problem problem) throws IOException {
        assertBad(raw(header, new byte[4]), problem, "w");
    }

    @Test
    void gapBetweenTensors() throws IOException {
        String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
        assertBad(raw(h, new byte[12]), Problem.BAD_OFFSETS, "b");
    }

    @Test
    void overlappingTensors() throws IOException {
        String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        assertBad(raw(h, new byte[8]), Problem.BAD_OFFSETS, "b");
    }

    @Test
    void firstTensorNotAtOffsetZero() throws IOException {
        String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        assertBad(raw(h, new byte[8]), Problem.BAD_OFFSETS, "a");
    }

    @Test
    void trailingBytesAfterTheLastTensor() throws IOException {
        String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        assertBad(raw(h, new byte[5]), Problem.BUFFER_LENGTH, null);
        assertBad(raw("{}", new byte[1]), Problem.BUFFER_LENGTH, null);
    }

    @Test
    void metadataNotAnObjectOfStrings() throws IOException {
        assertBad(raw("{\"__metadata__\":[\"a\"]}", new byte[0]), Problem.BAD_METADATA, null);
        assertBad(raw("{\"__metadata__\":\"a\"}", new byte[0]), Problem.BAD_METADATA, null);
        assertBad(raw("{\"__metadata__\":{\"epoch\":3}}", new byte[0]), Problem.BAD_METADATA, null);
        assertBad(raw("{\"__metadata__\":{\"k\":null}}", new byte[0]), Problem.BAD_METADATA, null);
        assertBad(raw("{\"__metadata__\":{\"k\":{\"x\":\"y\"}}}", new byte[0]), Problem.BAD_METADATA, null);
    }

    @Test
    void truncatedCheckpointBlamesTheTensorThatIsCut() throws IOException {
        Path good = dir.resolve("good.safetensors");
        SafeTensors.write(good, sample(), Map.of());
        byte[] bytes = Files.readAllBytes(good);
        byte[] cut = Arrays.copyOf(bytes, bytes.length - 3);
        assertBad(cut, Problem.BAD_OFFSETS, "step"); // the last tensor by name, so the last in the file
    }
}
