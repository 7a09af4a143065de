package io.logitnet.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every CUDA kernel against the CPU formulas, without a GPU, in every build: runs src/test/c/run-kernel-emulation.sh,
 * which compiles kernels/src/main/cuda/logitnet.cu for the CPU under a small emulation of the CUDA execution model
 * and checks each kernel with CudaBackend's launch shapes, NaN and ±Inf included. The committed fatbin is only
 * checked to match its sources (kernels/build-cuda.sh --check); this checks what the sources compute. Skipped, with
 * the reason, where g++ 11 or newer is missing.
 */
class CudaKernelEmulationTest {
    private static final Path SCRIPT = Path.of("src/test/c/run-kernel-emulation.sh");

    @Test
    void everyKernelComputesTheCpuFormulasUnderEmulation() throws IOException, InterruptedException {
        Assumptions.assumeTrue(Files.isRegularFile(SCRIPT), "no " + SCRIPT.toAbsolutePath());
        int gxx = gxxMajorVersion();
        Assumptions.assumeTrue(gxx >= 11, gxx < 0 ? "g++ is not installed: the CUDA kernels cannot be emulated "
                + "(apt-get install g++)" : "g++ " + gxx + " is too old to emulate the CUDA kernels (needs 11 or newer)");
        Process p = tool("bash", SCRIPT.toString()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "the kernel emulation did not finish:\n" + out);
        assertEquals(0, p.exitValue(), "the kernel emulation failed:\n" + out);
        assertTrue(out.matches("(?s).*\\n\\d+ checks, 0 failures\\s*"), out);
    }

    /**
     * A compiler or script, run without the test JVM's LD_PRELOAD (libjsig, for signal chaining in the JVM), whose
     * deprecation warnings would otherwise come out of every child process.
     */
    private static ProcessBuilder tool(String... command) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().remove("LD_PRELOAD");
        return pb;
    }

    /** The major version of g++ on the PATH, or -1 if there is none. */
    private static int gxxMajorVersion() throws InterruptedException {
        try {
            Process p = tool("g++", "-dumpversion").start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return -1;
            }
            return Integer.parseInt(v.lines().findFirst().orElse("").split("\\.")[0].trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }
}
