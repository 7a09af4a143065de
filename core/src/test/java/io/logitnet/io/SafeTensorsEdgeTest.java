package io.logitnet.io;

import io.logitnet.io.CheckpointFormatException.Problem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The safetensors reader and writer at the edges of what they accept: header lengths at the limit and just past
 * the end, unpaired surrogates wherever text can hold one, entries listed out of order, dimensions at the largest
 * int, and messages that name what they found.
 */
class SafeTensorsEdgeTest {
    @TempDir
    Path dir;

    private Path file(byte[] bytes) throws IOException {
        Path f = dir.resolve("edge.safetensors");
        Files.write(f, bytes);
        return f;
    }

    private CheckpointFormatException bad(byte[] bytes, Problem problem) throws IOException {
        Path f = file(bytes);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> SafeTensors.read(f));
        assertEquals(problem, e.problem(), e.getMessage());
        assertEquals(problem, assertThrows(CheckpointFormatException.class, () -> SafeTensors.readMetadata(f))
                .problem());
        return e;
    }

    @Test
    void aHeaderLengthAtTheLimitIsNotTooLargeButRunsPastTheEnd() throws IOException {
        bad(SafeTensorsTest.raw(SafeTensors.MAX_HEADER_BYTES, "{}".getBytes(), new byte[0]),
                Problem.HEADER_PAST_END);
        bad(SafeTensorsTest.raw(SafeTensors.MAX_HEADER_BYTES + 1, "{}".getBytes(), new byte[0]),
                Problem.HEADER_TOO_LARGE);
    }

    @Test
    void aHeaderLengthOneByteBeyondTheFileRunsPastTheEnd() throws IOException {
        byte[] header = "{}      ".getBytes();
        bad(SafeTensorsTest.raw(header.length + 1, header, new byte[0]), Problem.HEADER_PAST_END);
        bad(SafeTensorsTest.raw(header.length + 8, header, new byte[0]), Problem.HEADER_PAST_END);
        assertTrue(SafeTensors.read(file(SafeTensorsTest.raw(header.length, header, new byte[0]))).tensors()
                .isEmpty());
    }

    @Test
    void unpairedSurrogatesAreFoundAtAnyIndex() {
        assertEquals(0, SafeTensors.unpairedSurrogate("\ud800"));
        assertEquals(0, SafeTensors.unpairedSurrogate("\udc00abc"));
        assertEquals(2, SafeTensors.unpairedSurrogate("ab\ud800"));
        assertEquals(3, SafeTensors.unpairedSurrogate("a\ud83d\ude00\ud83d"));
        assertEquals(-1, SafeTensors.unpairedSurrogate("a\ud83d\ude00b"));
        assertEquals(-1, SafeTensors.unpairedSurrogate(""));
    }

    @Test
    void textWithAnUnpairedSurrogateIsNeitherWrittenNorRead() throws IOException {
        Path f = dir.resolve("w.safetensors");
        Map<String, TensorData> one = Map.of("w", TensorData.of(new float[] {1f}, 1));
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(f, one, Map.of("k", "\ud800")));
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(f, one, Map.of("\udc00", "v")));
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(f,
                Map.of("\ud800w", TensorData.of(new float[] {1f}, 1)), Map.of()));
        java.util.HashMap<String, TensorData> nullTensor = new java.util.HashMap<>();
        nullTensor.put("w", null);
        assertTrue(assertThrows(NullPointerException.class, () -> SafeTensors.write(f, nullTensor, Map.of()))
                .getMessage().contains("'w'"));
        java.util.HashMap<String, String> nullValue = new java.util.HashMap<>();
        nullValue.put("seed", null);
        assertTrue(assertThrows(NullPointerException.class, () -> SafeTensors.write(f, one, nullValue))
                .getMessage().contains("'seed'"));
        assertTrue(Files.notExists(f));
        // JSON escapes can spell them in a file written elsewhere: in a metadata value (Jackson itself refuses them
        // in names, as invalid JSON)
        String entry = "{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}";
        bad(SafeTensorsTest.raw("{\"__metadata__\":{\"k\":\"\\udc00v\"},\"w\":" + entry + "}", new byte[4]),
                Problem.HEADER_NOT_UTF8);
        bad(SafeTensorsTest.raw("{\"__metadata__\":{\"k\":\"v\\ud800\"},\"w\":" + entry + "}", new byte[4]),
                Problem.HEADER_NOT_UTF8);
        bad(SafeTensorsTest.raw("{\"\\udc00\":" + entry + "}", new byte[4]), Problem.HEADER_NOT_JSON);
    }

    @Test
    void entriesMayBeListedInAnyOrder() throws IOException {
        String header = "{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        byte[] data = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(1.5f)
                .putFloat(-2f).array();
        TensorFile t = SafeTensors.read(file(SafeTensorsTest.raw(header, data)));
        assertArrayEquals(new float[] {1.5f}, t.tensor("a").data());
        assertArrayEquals(new float[] {-2f}, t.tensor("b").data());
    }

    @Test
    void dimensionsUpToTheLargestIntAreReadAndBeyondAreTooLarge() throws IOException {
        // with a zero dimension the tensor is empty whatever the others are
        String ok = "{\"e\":{\"dtype\":\"F32\",\"shape\":[2147483647,0],\"data_offsets\":[0,0]}}";
        assertArrayEquals(new int[] {Integer.MAX_VALUE, 0},
                SafeTensors.read(file(SafeTensorsTest.raw(ok, new byte[0]))).tensor("e").shape());
        String over = "{\"e\":{\"dtype\":\"F32\",\"shape\":[2147483648,0],\"data_offsets\":[0,0]}}";
        assertEquals("e", bad(SafeTensorsTest.raw(over, new byte[0]), Problem.TOO_LARGE).tensor());
        String huge = "{\"e\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,0],\"data_offsets\":[0,0]}}";
        bad(SafeTensorsTest.raw(huge, new byte[0]), Problem.TOO_LARGE);
        String beyondLong = "{\"e\":{\"dtype\":\"F32\",\"shape\":[9223372036854775808,0],\"data_offsets\":[0,0]}}";
        bad(SafeTensorsTest.raw(beyondLong, new byte[0]), Problem.BAD_SHAPE);
    }

    @ParameterizedTest(name = "shape {0}")
    @CsvSource(delimiter = '|', value = {
        "[[1]]|an array", "[{}]|an object", "[\"1\"]|a string", "[1.5]|a non-integer number", "[true]|a boolean",
        "[null]|null"})
    void messagesNameTheJsonTypeThatWasFound(String shape, String kind) throws IOException {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[0,4]}}";
        CheckpointFormatException e = bad(SafeTensorsTest.raw(header, new byte[4]), Problem.BAD_SHAPE);
        assertTrue(e.getMessage().contains("must be an integer, not " + kind), e.getMessage());
    }

    @Test
    void aHeaderThatIsNotAnObjectSaysHowItStarts() throws IOException {
        assertTrue(bad(SafeTensorsTest.raw("[1]     ", new byte[0]), Problem.HEADER_NOT_JSON).getMessage()
                .contains("starts with '['"));
        assertTrue(bad(SafeTensorsTest.raw("\u0001{}     ", new byte[0]), Problem.HEADER_NOT_JSON).getMessage()
                .contains("starts with U+0001"));
        assertTrue(bad(SafeTensorsTest.raw(" {}     ", new byte[0]), Problem.HEADER_NOT_JSON).getMessage()
                .contains("starts with ' '"));
        assertTrue(bad(SafeTensorsTest.raw("~{}     ", new byte[0]), Problem.HEADER_NOT_JSON).getMessage()
                .contains("starts with '~'"));
        assertTrue(bad(SafeTensorsTest.raw("\u007f{}     ", new byte[0]), Problem.HEADER_NOT_JSON).getMessage()
                .contains("starts with U+007F"));
        assertTrue(bad(SafeTensorsTest.raw("", new byte[0]), Problem.HEADER_NOT_JSON).getMessage()
                .contains("starts with nothing"));
    }

    @Test
    void tensorDataComparesShapeAndValues() {
        TensorData a = TensorData.of(new float[] {1f, 2f, 3f, 4f, 5f, 6f}, 2, 3);
        TensorData same = TensorData.of(new float[] {1f, 2f, 3f, 4f, 5f, 6f}, 2, 3);
        TensorData transposed = TensorData.of(new float[] {1f, 2f, 3f, 4f, 5f, 6f}, 3, 2);
        assertEquals(a, same);
        assertEquals(a.hashCode(), same.hashCode());
        assertNotEquals(a, transposed);
        assertNotEquals(a.hashCode(), transposed.hashCode());
        assertNotEquals(a, TensorData.of(new float[] {1f, 2f, 3f, 4f, 5f, 7f}, 2, 3));
        assertEquals("TensorData[2, 3]", a.toString());
        assertEquals(6, a.size());
        assertEquals(0, TensorData.of(new float[0], 4, 0).size());
        assertThrows(IllegalArgumentException.class, () -> TensorData.of(new float[6], 2, 2));
        assertThrows(IllegalArgumentException.class, () -> TensorData.of(new float[0], -1, 0));
        assertThrows(IllegalArgumentException.class, () -> TensorData.of(new float[0], 65536, 65536, 2));
    }
}
