package io.logitnet.cuda;

import io.logitnet.BackendUnavailableException;
import io.logitnet.backend.Availability;
import io.logitnet.backend.DeviceInfo;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The probe's native path against a pretend driver (src/test/c/fake_libcuda.c, one "Fake GPU 0" of compute
 * capability 8.6): libcuda.so.1 is found and loaded by path, JCuda's natives bind to it, and the device is described.
 * Runs only where no real NVIDIA driver is installed (the fake then owns the soname libcuda.so.1 in this JVM) and
 * gcc is present.
 */
class FakeDriverTest {
    @Test
    void probeLoadsJCudaAgainstTheLocatedDriverAndDescribesTheDevice(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")
                && System.getProperty("os.arch", "").matches("amd64|x86_64"), "Linux x86-64 only");
        Assumptions.assumeTrue(LibraryLocator.system().find(Prerequisites.LIBCUDA).isEmpty(),
                "a real NVIDIA driver is installed: the fake driver is not loaded next to it");
        Path source = Paths.get("src/test/c/fake_libcuda.c").toAbsolutePath();
        Assumptions.assumeTrue(Files.isRegularFile(source), "no " + source);
        Path lib = dir.resolve(Prerequisites.LIBCUDA);
        Assumptions.assumeTrue(compile(source, lib, Prerequisites.LIBCUDA), "gcc is not available to build the fake "
                + "driver");
        // a cuBLAS that cannot load: its dependency is gone (a well-formed library, so the JVM has no stack to fix)
        Path gone = Files.createDirectories(dir.resolve("gone"));
        Path empty = dir.resolve("empty.c");
        Files.writeString(empty, "int logitnet_not_cublas;\n");
        Assumptions.assumeTrue(compile(empty, gone.resolve("libgone.so"), "libgone.so"), "gcc is not available");
        Assumptions.assumeTrue(compile(empty, dir.resolve(Prerequisites.CUBLAS_12), "libcublas.so.12",
                "-L" + gone, "-l:libgone.so"), "gcc is not available to build the fake cuBLAS");
        Files.delete(gone.resolve("libgone.so"));
        CudaBackendProvider provider = new CudaBackendProvider(
                () -> new LibraryLocator(List.of(dir), Map.of(), Files::isRegularFile));

        Availability a = provider.probe();
        assertTrue(a.available(), a.reason());
        assertEquals(1, a.devices().size());
        DeviceInfo d = a.devices().get(0);
        assertEquals("cuda:0", d.id());
        assertEquals("Fake GPU 0", d.name());
        assertEquals(8L << 30, d.memoryBytes());
        assertTrue(d.details().contains("compute capability 8.6") && d.details().contains("46 SMs")
                && d.details().contains("CUDA driver 12.4") && d.details().contains("TF32"), d.details());

        // a device that does not exist, then a cuBLAS that cannot load: explained, nothing crashes
        assertThrows(IllegalArgumentException.class, () -> provider.create("1"));
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> provider.create(""));
        assertTrue(e.reason().contains("cuBLAS could not be loaded") && e.reason().contains("Fix"), e.reason());
    }

    /** A shared library with this soname, linked without an executable stack (the JVM warns about one). */
    private static boolean compile(Path source, Path lib, String soname, String... libs)
            throws IOException, InterruptedException {
        try {
            List<String> cmd = new java.util.ArrayList<>(List.of("gcc", "-shared", "-fPIC", "-O1", "-Wl,-soname,"
                    + soname, "-Wl,-z,noexecstack", "-Wl,--no-as-needed", "-o", lib.toString(), source.toString()));
            cmd.addAll(List.of(libs));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                System.out.println("gcc failed: " + out);
                return false;
            }
            return true;
        } catch (IOException e) {
            return false; // no gcc
        }
    }
}
