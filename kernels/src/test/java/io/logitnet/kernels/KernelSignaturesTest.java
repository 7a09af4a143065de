package io.logitnet.kernels;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CUDA and OpenCL kernels of the same operation have the same name and the same parameters in the same order,
 * so that the two backends launch them alike; every CUDA kernel has its OpenCL twin and the other way round (OpenCL
 * alone has the GEMM kernels, which CUDA leaves to cuBLAS; CUDA alone has {@code round_bf16}, the bfloat16 operands
 * cuBLAS takes for BF16, which the OpenCL GEMM rounds as it loads them, and the {@code *_step_scalars} variants of the
 * optimizer updates, which read the per-step scalars from device memory for CUDA graphs and have the parameters of
 * their twins but for those scalars). Parameter types may differ where the languages do ({@code long long} and {@code long},
 * {@code double} and {@code acc_t}).
 */
class KernelSignaturesTest {
    private static final Pattern CUDA = Pattern.compile("extern \"C\" __global__ void (\\w+)\\(([^)]*)\\)");
    private static final Pattern OPENCL = Pattern.compile("__kernel\\s+(?:__attribute__\\(\\(.*?\\)\\)\\s*)?void (\\w+)\\(([^)]*)\\)",
            Pattern.DOTALL);

    /** Kernel name to its parameter names, in order. */
    static Map<String, List<String>> kernels(Pattern declaration, List<Path> files) throws IOException {
        Map<String, List<String>> out = new TreeMap<>();
        for (Path f : files) {
            Matcher m = declaration.matcher(Files.readString(f, StandardCharsets.UTF_8));
            while (m.find()) {
                List<String> names = new ArrayList<>();
                for (String p : m.group(2).split(",")) {
                    String[] words = p.trim().split("[\\s*]+");
                    names.add(words[words.length - 1]);
                }
                out.put(m.group(1), names);
            }
        }
        return out;
    }

    @Test
    void everyCudaKernelHasAnOpenClTwinWithTheSameParameters() throws IOException {
        Map<String, List<String>> cuda = kernels(CUDA, List.of(Path.of("src/main/cuda/logitnet.cu")));
        assertEquals(List.of("x", "y", "n"), cuda.remove("round_bf16"), "the CUDA-only cast of BF16 operands");
        assertEquals(List.of("p", "g", "v", "s", "momentum", "nesterov", "n"), cuda.remove("sgd_update_step_scalars"),
                "sgd_update for CUDA graphs: lr from device memory");
        assertEquals(List.of("p", "g", "m", "v", "s", "beta1", "beta2", "eps", "weight_decay", "n"),
                cuda.remove("adam_update_step_scalars"), "adam_update for CUDA graphs: lr, c1, c2 from device memory");
        List<Path> cl;
        try (Stream<Path> s = Files.list(Path.of("src/main/opencl"))) {
            cl = s.filter(p -> p.toString().endsWith(".cl")).sorted().toList();
        }
        Map<String, List<String>> opencl = kernels(OPENCL, cl);
        assertTrue(cuda.size() >= 14 && opencl.size() >= cuda.size(), cuda.keySet() + " / " + opencl.keySet());
        for (Map.Entry<String, List<String>> k : cuda.entrySet()) {
            assertTrue(opencl.containsKey(k.getKey()), "CUDA kernel " + k.getKey() + " has no OpenCL kernel of that "
                    + "name; OpenCL has " + opencl.keySet());
            assertEquals(k.getValue(), opencl.get(k.getKey()), "parameters of " + k.getKey() + " (CUDA, OpenCL)");
        }
        assertEquals(cuda.keySet(), opencl.keySet(), "the element-wise, row and reduction kernels of both sides "
                + "(the OpenCL GEMM kernels, gemm.cl, are written by a macro and not listed here)");
    }
}
