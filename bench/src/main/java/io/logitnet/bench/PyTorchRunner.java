package io.logitnet.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The PyTorch side of the harness: {@code bench/pytorch/bench.py} (shipped inside this jar) run as one long-lived
 * {@code --serve} process, asked for one measurement at a time so that PyTorch and LogitNet's backends are timed
 * shape by shape, side by side, in one run.
 */
public final class PyTorchRunner implements AutoCloseable {
    private static final String SCRIPT = "io/logitnet/bench/pytorch/bench.py";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String python;
    private final Process process;
    private final BufferedWriter in;
    private final BufferedReader out;
    private final Path script;
    private final JsonNode info;

    private PyTorchRunner(String python, int threads) throws IOException {
        this.python = python;
        this.script = Files.createTempFile("logitnet-bench-", ".py");
        try (InputStream s = PyTorchRunner.class.getClassLoader().getResourceAsStream(SCRIPT)) {
            if (s == null) {
                throw new IOException(SCRIPT + " is not on the class path");
            }
            Files.copy(s, script, StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "--serve"));
        if (threads > 0) {
            cmd.add("--threads");
            cmd.add(Integer.toString(threads));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        this.process = pb.start();
        this.in = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        ObjectNode req = JSON.createObjectNode().put("op", "info");
        this.info = request(req);
    }

    /**
     * Starts the PyTorch side with the first interpreter that can import torch: {@code explicit} when given, else
     * {@code /usr/bin/python3}, then {@code python3} on the PATH.
     *
     * @param threads CPU threads for PyTorch's process, 0 to leave PyTorch's default
     * @param notes   receives why each interpreter was rejected
     * @return the runner, or null when no interpreter has torch
     */
    public static PyTorchRunner start(String explicit, int threads, List<String> notes) {
        List<String> candidates = explicit != null ? List.of(explicit) : List.of("/usr/bin/python3", "python3");
        for (String py : candidates) {
            String why = probe(py);
            if (why != null) {
                notes.add("PyTorch: " + py + " rejected: " + why);
                continue;
            }
            try {
                return new PyTorchRunner(py, threads);
            } catch (IOException | RuntimeException e) {
                notes.add("PyTorch: " + py + " failed to start the benchmark script: " + e.getMessage());
            }
        }
        return null;
    }

    /** Null when {@code python} can import torch, else the reason it cannot. */
    static String probe(String python) {
        try {
            Process p = new ProcessBuilder(python, "-c", "import torch; print(torch.__version__)")
                    .redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "importing torch took over 60 s";
            }
            if (p.exitValue() != 0) {
                String[] lines = text.split("\n");
                return "cannot import torch (" + lines[lines.length - 1] + ")";
            }
            return null;
        } catch (IOException e) {
            return "not found (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** The interpreter in use. */
    public String python() {
        return python;
    }

    /** torch version, threads, BLAS and CUDA as the script reports them. */
    public JsonNode info() {
        return info;
    }

    /** Whether PyTorch here can use a CUDA device. */
    public boolean cudaAvailable() {
        return info.path("cuda_available").asBoolean(false);
    }

    /** PyTorch's own default number of CPU threads here (what it uses when nobody sets it). */
    public int defaultThreads() {
        return info.path("threads").asInt(1);
    }

    /**
     * Times one training step shape; on the CPU with each of {@code threads} (the fastest is kept, and its count
     * reported as {@code threads}).
     *
     * @return the script's answer (fields as {@link Measurement}'s), or an object with {@code error}
     */
    public JsonNode step(String device, String precision, Shape s, int warmup, int reps, int minReps,
                         double budgetSeconds, double minSeconds, List<Integer> threads) {
        ObjectNode req = JSON.createObjectNode().put("op", "step").put("device", device).put("precision", precision)
                .put("batch", s.batch()).put("warmup", warmup).put("reps", reps).put("min_reps", minReps)
                .put("budget_s", budgetSeconds).put("min_time_s", minSeconds);
        threads.forEach(req.putArray("threads")::add);
        s.layers().forEach(req.putArray("layers")::add);
        return request(req);
    }

    /** PyTorch's own per-operator breakdown of a step ({@code ops}: name, ms per step, calls per step). */
    public JsonNode profile(String device, Shape s, int reps) {
        ObjectNode req = JSON.createObjectNode().put("op", "profile").put("device", device).put("batch", s.batch())
                .put("reps", reps);
        s.layers().forEach(req.putArray("layers")::add);
        return request(req);
    }

    /** The best rate of an n×n×n product on the device. */
    public JsonNode gemm(String device, String precision, int n, int reps, int threads) {
        return request(JSON.createObjectNode().put("op", "gemm").put("device", device).put("precision", precision)
                .put("n", n).put("reps", reps).put("threads", threads));
    }

    private JsonNode request(ObjectNode req) {
        try {
            in.write(JSON.writeValueAsString(req));
            in.newLine();
            in.flush();
            String line = out.readLine();
            if (line == null) {
                throw new IOException("the PyTorch process ended (exit status "
                        + (process.isAlive() ? "?" : Integer.toString(process.exitValue())) + ")");
            }
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException("PyTorch benchmark request " + req + " failed", e);
        }
    }

    /** Ends the process and removes the script copy; never throws. */
    @Override
    public void close() {
        PeerProcess.end(process, in, script);
    }
}
