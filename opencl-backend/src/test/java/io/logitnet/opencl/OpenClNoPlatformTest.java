package io.logitnet.opencl;

import io.logitnet.backend.Backends;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end: a JVM whose ICD loader sees no ICD at all ({@code OCL_ICD_VENDORS} pointing at an empty folder)
 * reports OpenCL unavailable with the packages to install, not a bare error code.
 */
class OpenClNoPlatformTest {

    @Test
    void noIcdMeansAnActionableReason(@TempDir Path emptyVendors) throws IOException, InterruptedException {
        Assumptions.assumeTrue(ClLibrary.system().locate().isPresent(), "no OpenCL ICD loader on this machine");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                Backends.class.getName());
        pb.environment().put("OCL_ICD_VENDORS", emptyVendors.toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        assertTrue(out.contains("opencl: unavailable: "), out);
        assertTrue(out.contains("no OpenCL platform") && out.contains("pocl-opencl-icd")
                && out.contains("nvidia-opencl-icd") && out.contains(emptyVendors.toString()), out);
        assertFalse(out.contains("-1001"), out);
    }
}
