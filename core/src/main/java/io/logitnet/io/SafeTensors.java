package io.logitnet.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitnet.io.CheckpointFormatException.Problem;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads and writes <a href="https://huggingface.co/docs/safetensors">safetensors</a> files of float32 tensors, the
 * checkpoint format of LogitNet, which PyTorch and the {@code safetensors} library load directly.
 *
 * <p>The layout: an 8-byte little-endian unsigned header length N; N bytes of UTF-8 JSON, an object mapping each
 * tensor name to {@code {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}} plus an optional
 * {@code "__metadata__"} object of strings; then the data, little-endian, with offsets relative to its start.
 *
 * <p>{@link #write} sorts tensors by name, lays them out contiguously, pads the header with spaces to a multiple of
 * 8 bytes, and replaces the target atomically (temporary file in the same folder, fsync, rename, fsync of the
 * folder): a reader sees the old file or the new one, never a partial one. {@link #read} checks everything the
 * format promises and fails with a {@link CheckpointFormatException} that says what is wrong; a file that cannot be
 * opened or read at all fails with an {@link UncheckedIOException} naming it.
 */
public final class SafeTensors {
    /** Largest header accepted, as in the reference implementation: 100 MB. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    /** The header key that holds the string metadata rather than a tensor. */
    public static final String METADATA_KEY = "__metadata__";

    private static final String DTYPE = "F32";
    private static final Set<String> ENTRY_KEYS = Set.of("dtype", "shape", "data_offsets");
    private static final int CHUNK_BYTES = 1 << 20;
    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxStringLength((int) MAX_HEADER_BYTES)
                            .maxNameLength((int) MAX_HEADER_BYTES)
                            .build())
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** One validated header entry: where its data lies relative to the data section. */
    private record Entry(String name, int[] shape, int count, long begin, long end) {
    }

    /** A validated header. */
    private record Header(List<Entry> entries, Map<String, String> metadata, long dataStart) {
    }

    private SafeTensors() {
    }

    /**
     * Writes tensors and metadata to {@code file}, replacing it atomically if it exists.
     *
     * @param file     the target; its folder must exist
     * @param tensors  name → tensor; written sorted by name
     * @param metadata string → string, stored as {@code __metadata__} (omitted when empty)
     * @throws IllegalArgumentException if a name is {@value #METADATA_KEY} or the header would be too large
     * @throws UncheckedIOException     if writing fails; the target is then as it was, and no temporary file remains
     */
    public static void write(Path file, Map<String, TensorData> tensors, Map<String, String> metadata) {
        write(file, tensors, metadata, temporary -> {
        });
    }

    static void write(Path file, Map<String, TensorData> tensors, Map<String, String> metadata,
                      AtomicFile.Hook hook) {
        Objects.requireNonNull(file, "file");
        TreeMap<String, TensorData> sorted = new TreeMap<>();
        for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
            String name = Objects.requireNonNull(e.getKey(), "tensor name");
            if (name.equals(METADATA_KEY)) {
                throw new IllegalArgumentException("'" + METADATA_KEY + "' is reserved and cannot name a tensor");
            }
            requireUnicode(name, "tensor name");
            sorted.put(name, Objects.requireNonNull(e.getValue(), () -> "tensor '" + name + "'"));
        }
        TreeMap<String, String> meta = new TreeMap<>();
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            String key = Objects.requireNonNull(e.getKey(), "metadata key");
            String value = Objects.requireNonNull(e.getValue(), () -> "metadata value of '" + key + "'");
            requireUnicode(key, "metadata key");
            requireUnicode(value, "metadata value of '" + key + "'");
            meta.put(key, value);
        }
        byte[] header = header(sorted, meta);
        AtomicFile.write(file, ch -> {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            length.putLong(header.length).flip();
            writeFully(ch, length);
            writeFully(ch, ByteBuffer.wrap(header));
            ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (TensorData t : sorted.values()) {
                writeFloats(ch, t.data(), buf);
            }
        }, hook);
    }

    /**
     * Reads every tensor and the metadata, checking the whole file against the format.
     *
     * @throws CheckpointFormatException if the file is not a valid safetensors file of F32 tensors
     * @throws UncheckedIOException      if the file cannot be opened or read
     */
    public static TensorFile read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header h = header(ch, file);
            Map<String, TensorData> out = new LinkedHashMap<>();
            long dataBytes = ch.size() - h.dataStart();
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK_BYTES, Math.max(4, dataBytes)))
                    .order(ByteOrder.LITTLE_ENDIAN);
            for (Entry e : h.entries()) {
                float[] data = new float[e.count()];
                readFloats(ch, file, h.dataStart() + e.begin(), data, buf);
                out.put(e.name(), new TensorData(e.shape(), data));
            }
            return new TensorFile(file, out, h.metadata());
        } catch (IOException e) {
            throw new UncheckedIOException(IoErrors.cannot("read", file, e), e);
        }
    }

    /**
     * Reads only the header's {@code __metadata__} (empty when there is none), checking the header as
     * {@link #read} does but not reading the tensor data.
     *
     * @throws CheckpointFormatException if the header is not valid
     * @throws UncheckedIOException      if the file cannot be opened or read
     */
    public static Map<String, String> readMetadata(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return header(ch, file).metadata();
        } catch (IOException e) {
            throw new UncheckedIOException(IoErrors.cannot("read", file, e), e);
        }
    }

    // ---- writing ----

    private static byte[] header(TreeMap<String, TensorData> tensors, TreeMap<String, String> metadata) {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = root.putObject(METADATA_KEY);
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
            ObjectNode entry = root.putObject(e.getKey());
            entry.put("dtype", DTYPE);
            ArrayNode shape = entry.putArray("shape");
            for (int d : e.getValue().shape()) {
                shape.add(d);
            }
            long end = offset + 4L * e.getValue().size();
            entry.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize a checkpoint header", e);
        }
        int padded = (json.length + 7) / 8 * 8;
        if (padded > MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("the checkpoint header would be " + padded + " bytes, over the "
                    + MAX_HEADER_BYTES + " that readers accept; keep names and metadata smaller");
        }
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    private static void requireUnicode(String s, String what) {
        if (unpairedSurrogate(s) >= 0) {
            throw new IllegalArgumentException(what + " holds an unpaired UTF-16 surrogate at index "
                    + unpairedSurrogate(s) + " and cannot be written as UTF-8");
        }
    }

    private static void writeFloats(FileChannel ch, float[] data, ByteBuffer buf) throws IOException {
        FloatBuffer floats = buf.clear().asFloatBuffer();
        int perChunk = buf.capacity() / 4;
        for (int off = 0; off < data.length; off += perChunk) {
            int n = Math.min(perChunk, data.length - off);
            floats.clear();
            floats.put(data, off, n);
            buf.clear().limit(n * 4);
            writeFully(ch, buf);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    // ---- reading ----

    private static Header header(FileChannel ch, Path file) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new CheckpointFormatException(file, null, Problem.TOO_SHORT, "not a safetensors file: it has " + size
                    + " bytes; a safetensors file starts with an 8-byte header length");
        }
        ByteBuffer lengthBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, file, lengthBuf, 0);
        long n = lengthBuf.flip().getLong();
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw new CheckpointFormatException(file, null, Problem.HEADER_TOO_LARGE, "not a safetensors file: "
                    + "it does not start with a plausible header length (its first 8 bytes read as "
                    + Long.toUnsignedString(n) + ", over the limit of " + MAX_HEADER_BYTES + " bytes)");
        }
        if (n > size - 8) {
            throw new CheckpointFormatException(file, null, Problem.HEADER_PAST_END, "not a safetensors file, or a "
                    + "truncated one: the header length in its first 8 bytes (" + n + ") runs past the end of the file ("
                    + size + " bytes)");
        }
        ByteBuffer headerBuf = ByteBuffer.allocate((int) n);
        readFully(ch, file, headerBuf, 8);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(headerBuf.flip())
                    .toString();
        } catch (CharacterCodingException e) {
            throw new CheckpointFormatException(file, null, Problem.HEADER_NOT_UTF8,
                    "the header is not valid UTF-8 (" + e + ")");
        }
        long dataStart = 8 + n;
        return parseHeader(text, file, size - dataStart, dataStart);
    }

    private static Header parseHeader(String text, Path file, long dataBytes, long dataStart) {
        if (text.isEmpty() || text.charAt(0) != '{') {
            throw new CheckpointFormatException(file, null, Problem.HEADER_NOT_JSON,
                    "not a safetensors file: the header must be a JSON object starting with '{', it starts with "
                            + (text.isEmpty() ? "nothing" : describe(text.codePointAt(0))));
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new CheckpointFormatException(file, null, Problem.HEADER_NOT_JSON, "the header is not valid JSON: "
                    + e.getOriginalMessage() + (at == null ? "" : " (header line " + at.getLineNr() + ", column "
                    + at.getColumnNr() + ")"));
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointFormatException(file, null, Problem.HEADER_NOT_JSON,
                    "the header is not a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            String name = field.getKey();
            checkUnicode(name, file);
            if (name.equals(METADATA_KEY)) {
                metadata = metadata(field.getValue(), file);
            } else {
                entries.add(entry(name, field.getValue(), file, dataBytes));
            }
        }
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end)
                .thenComparing(Entry::name));
        long expected = 0;
        for (Entry e : entries) {
            if (e.begin() != expected) {
                throw new CheckpointFormatException(file, e.name(), Problem.BAD_OFFSETS, "data starts at byte "
                        + e.begin() + " but the previous tensor ends at " + expected + " (tensors must be laid out"
                        + " one after another from offset 0, without gaps or overlaps)");
            }
            expected = e.end();
        }
        if (expected != dataBytes) {
            throw new CheckpointFormatException(file, null, Problem.BUFFER_LENGTH, "the tensors take " + expected
                    + " bytes but the file holds " + dataBytes + " bytes of data after the header");
        }
        return new Header(List.copyOf(entries), metadata, dataStart);
    }

    private static Map<String, String> metadata(JsonNode node, Path file) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node.isNull()) {
            return out; // the reference implementation reads null as no metadata
        }
        if (!node.isObject()) {
            throw new CheckpointFormatException(file, null, Problem.BAD_METADATA,
                    "'" + METADATA_KEY + "' must be an object of strings, not " + kind(node));
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw new CheckpointFormatException(file, null, Problem.BAD_METADATA, "'" + METADATA_KEY
                        + "' value of '" + e.getKey() + "' must be a string, not " + kind(e.getValue()));
            }
            checkUnicode(e.getKey(), file);
            checkUnicode(e.getValue().textValue(), file);
            out.put(e.getKey(), e.getValue().textValue());
        }
        return out;
    }

    /** JSON escapes can spell unpaired UTF-16 surrogates, which are not text; the reference rejects them too. */
    private static void checkUnicode(String s, Path file) {
        int bad = unpairedSurrogate(s);
        if (bad >= 0) {
            throw new CheckpointFormatException(file, null, Problem.HEADER_NOT_UTF8, String.format(
                    "the header escapes an unpaired surrogate \\u%04X, which is not Unicode text",
                    (int) s.charAt(bad)));
        }
    }

    /** The index of the first unpaired surrogate in {@code s}, or -1. */
    static int unpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    private static Entry entry(String name, JsonNode node, Path file, long dataBytes) {
        if (!node.isObject()) {
            throw new CheckpointFormatException(file, name, Problem.BAD_ENTRY,
                    "the entry must be an object with dtype, shape and data_offsets, not " + kind(node));
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!ENTRY_KEYS.contains(e.getKey())) {
                throw new CheckpointFormatException(file, name, Problem.BAD_ENTRY, "unknown key '" + e.getKey()
                        + "'; an entry has only dtype, shape and data_offsets");
            }
        }
        JsonNode dtype = required(node, "dtype", name, file);
        if (!dtype.isTextual()) {
            throw new CheckpointFormatException(file, name, Problem.BAD_ENTRY,
                    "dtype must be a string, not " + kind(dtype));
        }
        if (!dtype.textValue().equals(DTYPE)) {
            throw new CheckpointFormatException(file, name, Problem.UNSUPPORTED_DTYPE, "dtype '"
                    + dtype.textValue() + "' is not supported; LogitNet checkpoints hold F32 (float32) tensors");
        }
        JsonNode shapeNode = required(node, "shape", name, file);
        if (!shapeNode.isArray()) {
            throw new CheckpointFormatException(file, name, Problem.BAD_ENTRY,
                    "shape must be an array, not " + kind(shapeNode));
        }
        long[] dims = new long[shapeNode.size()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = nonNegativeLong(shapeNode.get(i), file, name, Problem.BAD_SHAPE, "shape dimension " + i);
        }
        long count;
        long bytes;
        try {
            count = 1;
            for (long d : dims) {
                count = Math.multiplyExact(count, d);
            }
            bytes = Math.multiplyExact(count, 4L);
        } catch (ArithmeticException e) {
            throw new CheckpointFormatException(file, name, Problem.BAD_SHAPE, "shape " + Arrays.toString(dims)
                    + " holds more bytes than a 64-bit size can count");
        }
        JsonNode offsets = required(node, "data_offsets", name, file);
        if (!offsets.isArray()) {
            throw new CheckpointFormatException(file, name, Problem.BAD_ENTRY,
                    "data_offsets must be an array, not " + kind(offsets));
        }
        if (offsets.size() != 2) {
            throw new CheckpointFormatException(file, name, Problem.BAD_OFFSETS,
                    "data_offsets must be [begin, end], it has " + offsets.size() + " values");
        }
        long begin = nonNegativeLong(offsets.get(0), file, name, Problem.BAD_OFFSETS, "data_offsets begin");
        long end = nonNegativeLong(offsets.get(1), file, name, Problem.BAD_OFFSETS, "data_offsets end");
        if (begin > end) {
            throw new CheckpointFormatException(file, name, Problem.BAD_OFFSETS, "data_offsets begin " + begin
                    + " is after end " + end);
        }
        if (end > dataBytes) {
            throw new CheckpointFormatException(file, name, Problem.BAD_OFFSETS, "data_offsets end " + end
                    + " is past the end of the data (" + dataBytes + " bytes after the header)");
        }
        if (end - begin != bytes) {
            throw new CheckpointFormatException(file, name, Problem.SIZE_MISMATCH, "data_offsets ["
                    + begin + ", " + end + "] span " + (end - begin) + " bytes, but shape " + Arrays.toString(dims)
                    + " of F32 needs " + count + " × 4 = " + bytes);
        }
        if (count > Integer.MAX_VALUE - 8) {
            throw new CheckpointFormatException(file, name, Problem.TOO_LARGE, count
                    + " values are more than a Java array holds");
        }
        int[] shape = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] > Integer.MAX_VALUE) {
                throw new CheckpointFormatException(file, name, Problem.TOO_LARGE, "dimension " + i + " is "
                        + dims[i] + ", over the largest int");
            }
            shape[i] = (int) dims[i];
        }
        return new Entry(name, shape, (int) count, begin, end);
    }

    private static JsonNode required(JsonNode node, String key, String name, Path file) {
        JsonNode v = node.get(key);
        if (v == null) {
            throw new CheckpointFormatException(file, name, Problem.BAD_ENTRY, "the entry has no '" + key + "'");
        }
        return v;
    }

    private static long nonNegativeLong(JsonNode v, Path file, String name, Problem problem, String what) {
        if (v == null || !v.isIntegralNumber()) {
            throw new CheckpointFormatException(file, name, problem, what + " must be an integer, not "
                    + (v == null ? "missing" : kind(v) + " " + v));
        }
        BigInteger b = v.bigIntegerValue();
        if (b.signum() < 0) {
            throw new CheckpointFormatException(file, name, problem, what + " is negative: " + b);
        }
        if (b.bitLength() > 63) {
            throw new CheckpointFormatException(file, name, problem, what + " is too large: " + b);
        }
        return b.longValue();
    }

    private static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> node.isIntegralNumber() ? "an integer" : "a non-integer number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> node.getNodeType().toString().toLowerCase(Locale.ROOT);
        };
    }

    private static String describe(int codePoint) {
        return codePoint >= 0x20 && codePoint < 0x7f ? "'" + (char) codePoint + "'"
                : String.format("U+%04X", codePoint);
    }

    private static void readFully(FileChannel ch, Path file, ByteBuffer buf, long position) throws IOException {
        long p = position;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, p);
            if (r < 0) {
                throw new CheckpointFormatException(file, null, Problem.TOO_SHORT,
                        "the file ended at byte " + p + " while being read (was it changed meanwhile?)");
            }
            p += r;
        }
    }

    private static void readFloats(FileChannel ch, Path file, long position, float[] dst, ByteBuffer buf)
            throws IOException {
        FloatBuffer floats = buf.clear().asFloatBuffer();
        int perChunk = buf.capacity() / 4;
        long p = position;
        for (int off = 0; off < dst.length; off += perChunk) {
            int n = Math.min(perChunk, dst.length - off);
            buf.clear().limit(n * 4);
            readFully(ch, file, buf, p);
            floats.clear();
            floats.get(dst, off, n);
            p += 4L * n;
        }
    }
}
