package io.logitnet.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Interoperability with PyTorch through the file format alone: Python reads what Java writes and Java reads what
 * Python writes, each side with a small safetensors reader or writer of its own (struct, json, torch.frombuffer),
 * not the {@code safetensors} package. Skipped, with the reason, where {@code python3} with {@code torch} is absent.
 */
class SafeTensorsPythonTest {
    private static final String PYTHON = "/usr/bin/python3";

    /** Reads a safetensors file and prints {"metadata": ..., "tensors": {name: {shape, dtype, values}}}. */
    private static final String PY_READ = String.join("\n",
            "import json, struct, sys, torch",
            "data = open(sys.argv[1], 'rb').read()",
            "(n,) = struct.unpack('<Q', data[:8])",
            "assert n % 8 == 0, 'header not padded to 8: %d' % n",
            "header = json.loads(data[8:8 + n].decode('utf-8'))",
            "meta = header.pop('__metadata__', {})",
            "buf = data[8 + n:]",
            "out = {}",
            "end = 0",
            "for name, info in header.items():",
            "    assert info['dtype'] == 'F32', info",
            "    b, e = info['data_offsets']",
            "    end = max(end, e)",
            "    if e > b:",
            "        t = torch.frombuffer(bytearray(buf[b:e]), dtype=torch.float32).reshape(info['shape'])",
            "    else:",
            "        t = torch.zeros(info['shape'], dtype=torch.float32)",
            "    out[name] = {'shape': list(t.shape), 'dtype': str(t.dtype), 'values': t.flatten().tolist()}",
            "assert end == len(buf), (end, len(buf))",
            "print(json.dumps({'metadata': meta, 'tensors': out}))");

    /** Writes tensors made with torch, in its own (unsorted) order, with a padded header. */
    private static final String PY_WRITE = String.join("\n",
            "import json, struct, sys, torch",
            "tensors = {",
            "    'z.bias': torch.arange(5, dtype=torch.float32) / 8 - 0.25,",
            "    'a.weight': (torch.arange(6, dtype=torch.float32) - 3).reshape(2, 3) * 0.5,",
            "    'scalar': torch.tensor(3.5),",
            "    'empty': torch.zeros(0, 4),",
            "    'm.weight': torch.tensor([[2.0 ** -100, -(2.0 ** 100)], [3.25, -0.0]]),",
            "}",
            "header = {'__metadata__': {'format': 'pt', 'writer': 'python'}}",
            "blobs = []",
            "off = 0",
            "for name, t in tensors.items():",
            "    b = struct.pack('<%df' % t.numel(), *t.flatten().tolist())",
            "    header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [off, off + len(b)]}",
            "    off += len(b)",
            "    blobs.append(b)",
            "h = json.dumps(header).encode('utf-8')",
            "h += b' ' * ((8 - len(h) % 8) % 8)",
            "with open(sys.argv[1], 'wb') as f:",
            "    f.write(struct.pack('<Q', len(h)))",
            "    f.write(h)",
            "    f.write(b''.join(blobs))");

    private static String unavailable;

    @TempDir
    Path dir;

    @BeforeAll
    static void findTorch() {
        if (!Files.isExecutable(Path.of(PYTHON))) {
            unavailable = PYTHON + " is not installed";
            return;
        }
        try {
            Result r = run(List.of(PYTHON, "-c", "import torch"));
            if (r.exit != 0) {
                unavailable = "python3 cannot import torch: " + r.stderr.strip();
            }
        } catch (IOException e) {
            unavailable = "cannot run " + PYTHON + ": " + e.getMessage();
        }
    }

    private record Result(int exit, String stdout, String stderr) {
    }

    private static Result run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).start();
        p.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
        try {
            if (!p.waitFor(180, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + command.get(0));
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static String drain(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static float[] floats(JsonNode values) {
        float[] v = new float[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) values.get(i).doubleValue();
        }
        return v;
    }

    private static int[] ints(JsonNode values) {
        int[] v = new int[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = values.get(i).intValue();
        }
        return v;
    }

    @Test
    void pythonReadsWhatJavaWrites() throws IOException {
        assumeTrue(unavailable == null, () -> "skipped: " + unavailable);
        Path f = dir.resolve("from-java.safetensors");
        Map<String, TensorData> tensors = SafeTensorsTest.sample();
        Map<String, String> meta = Map.of("architecture", "mlp", "note", "größe ✓");
        SafeTensors.write(f, tensors, meta);

        Result r = run(List.of(PYTHON, "-c", PY_READ, f.toString()));
        assertEquals(0, r.exit, () -> "python failed: " + r.stderr);
        JsonNode root = new ObjectMapper().readTree(r.stdout);
        assertEquals("mlp", root.get("metadata").get("architecture").textValue());
        assertEquals("größe ✓", root.get("metadata").get("note").textValue());
        JsonNode got = root.get("tensors");
        assertEquals(tensors.size(), got.size());
        List<String> names = new ArrayList<>();
        got.fieldNames().forEachRemaining(names::add);
        for (String name : names) {
            TensorData expected = tensors.get(name);
            JsonNode t = got.get(name);
            assertEquals("torch.float32", t.get("dtype").textValue());
            assertArrayEquals(expected.shape(), ints(t.get("shape")), name);
            assertArrayEquals(expected.data(), floats(t.get("values")), name);
        }
    }

    @Test
    void javaReadsWhatPythonWrites() throws IOException {
        assumeTrue(unavailable == null, () -> "skipped: " + unavailable);
        Path f = dir.resolve("from-python.safetensors");
        Result r = run(List.of(PYTHON, "-c", PY_WRITE, f.toString()));
        assertEquals(0, r.exit, () -> "python failed: " + r.stderr);

        TensorFile t = SafeTensors.read(f);
        assertEquals(Map.of("format", "pt", "writer", "python"), t.metadata());
        assertEquals(List.of("z.bias", "a.weight", "scalar", "empty", "m.weight"), List.copyOf(t.tensors().keySet()),
                "tensors in the order of their data");
        assertArrayEquals(new float[] {-0.25f, -0.125f, 0, 0.125f, 0.25f}, t.tensor("z.bias", 5).data());
        assertArrayEquals(new float[] {-1.5f, -1, -0.5f, 0, 0.5f, 1}, t.tensor("a.weight", 2, 3).data());
        assertArrayEquals(new float[] {3.5f}, t.tensor("scalar").data());
        assertArrayEquals(new int[0], t.tensor("scalar").shape());
        assertArrayEquals(new float[0], t.tensor("empty", 0, 4).data());
        assertArrayEquals(new float[] {Math.scalb(1f, -100), -Math.scalb(1f, 100), 3.25f, -0f},
                t.tensor("m.weight", 2, 2).data());
    }
}
