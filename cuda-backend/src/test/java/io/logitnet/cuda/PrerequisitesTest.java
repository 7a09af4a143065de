package io.logitnet.cuda;

import jcuda.driver.CUresult;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The unavailability reasons, on simulated hosts: no native code is loaded. */
class PrerequisitesTest {
    private static final Path LIB = Paths.get("/usr/lib/x86_64-linux-gnu");
    private static final Path CUDA = Paths.get("/usr/local/cuda/lib64");

    /** A host whose library directories hold exactly {@code files}. */
    private static LibraryLocator host(String... files) {
        Set<Path> present = Set.of(java.util.Arrays.stream(files).map(Paths::get).toArray(Path[]::new));
        return new LibraryLocator(List.of(LIB, CUDA), Map.of(), present::contains);
    }

    private static Prerequisites check(LibraryLocator libs) {
        return Prerequisites.check(libs, "Linux", "amd64");
    }

    @Test
    void noDriverSaysLibcudaIsMissingAndHowToInstallIt() {
        Prerequisites p = check(host("/usr/local/cuda/lib64/libcublas.so.12"));
        assertFalse(p.ok());
        assertTrue(p.problem().startsWith("no libcuda.so.1"), p.problem());
        assertTrue(p.problem().contains("no NVIDIA driver"), p.problem());
        assertTrue(p.problem().contains("Fix: install the NVIDIA driver"), p.problem());
        assertTrue(p.problem().contains("--gpus all"), p.problem());
    }

    @Test
    void driverWithoutCublasNamesBothVersionsAndTheFix() {
        Prerequisites p = check(host("/usr/lib/x86_64-linux-gnu/libcuda.so.1"));
        assertFalse(p.ok());
        assertTrue(p.problem().contains("libcublas.so.12") && p.problem().contains("libcublas.so.13"), p.problem());
        assertTrue(p.problem().contains("Fix: install cuBLAS"), p.problem());
        assertTrue(p.problem().contains("LD_LIBRARY_PATH"), p.problem());
    }

    @Test
    void cuda12HostUsesCublas12Directly() {
        Prerequisites p = check(host("/usr/lib/x86_64-linux-gnu/libcuda.so.1", "/usr/local/cuda/lib64/libcublas.so.12",
                "/usr/local/cuda/lib64/libcublas.so.13"));
        assertTrue(p.ok());
        assertEquals(Paths.get("/usr/local/cuda/lib64/libcublas.so.12"), p.cublas());
        assertFalse(p.cublasNeedsShim(), "a CUDA 12 host must not get the compatibility library");
    }

    @Test
    void cuda13OnlyHostGoesThroughTheShim() {
        Prerequisites p = check(host("/usr/lib/x86_64-linux-gnu/libcuda.so.1", "/usr/local/cuda/lib64/libcublas.so.13"));
        assertTrue(p.ok());
        assertEquals(Paths.get("/usr/local/cuda/lib64/libcublas.so.13"), p.cublas());
        assertTrue(p.cublasNeedsShim());
        assertEquals(Paths.get("/usr/lib/x86_64-linux-gnu/libcuda.so.1"), p.libcuda());
    }

    @Test
    void libraryFoundThroughTheLdCacheOnly() {
        Path cached = Paths.get("/opt/nvidia/lib/libcuda.so.1");
        LibraryLocator libs = new LibraryLocator(List.of(LIB), Map.of("libcuda.so.1", cached,
                "libcublas.so.12", Paths.get("/opt/cuda/libcublas.so.12")), p -> true);
        Prerequisites p = check(libs);
        assertTrue(p.ok());
        assertEquals(LIB.resolve("libcuda.so.1"), p.libcuda(), "directories come before the cache");
        LibraryLocator cacheOnly = new LibraryLocator(List.of(LIB), Map.of("libcuda.so.1", cached),
                path -> path.equals(cached));
        assertEquals(cached, cacheOnly.find("libcuda.so.1").orElseThrow());
    }

    @Test
    void otherPlatformsAreExplained() {
        Prerequisites p = Prerequisites.check(host(), "Mac OS X", "aarch64");
        assertFalse(p.ok());
        assertTrue(p.problem().contains("Linux x86-64") && p.problem().contains("Mac OS X"), p.problem());
    }

    @Test
    void driverTooOldNoGpuAndInitFailures() {
        String old = Prerequisites.driverProblem(11080, CUresult.CUDA_SUCCESS, 1);
        assertTrue(old.contains("CUDA 11.8") && old.contains("12.0") && old.contains("update the NVIDIA driver"), old);
        String noDevice = Prerequisites.driverProblem(12040, CUresult.CUDA_ERROR_NO_DEVICE, 0);
        assertTrue(noDevice.contains("no CUDA GPU") && noDevice.contains("CUDA_ERROR_NO_DEVICE"), noDevice);
        String zero = Prerequisites.driverProblem(12040, CUresult.CUDA_SUCCESS, 0);
        assertTrue(zero.contains("no CUDA GPU"), zero);
        String stub = Prerequisites.driverProblem(12040, CUresult.CUDA_ERROR_STUB_LIBRARY, 0);
        assertTrue(stub.contains("stub"), stub);
        String other = Prerequisites.driverProblem(12040, CUresult.CUDA_ERROR_UNKNOWN, 0);
        assertTrue(other.contains("CUDA_ERROR_UNKNOWN") && other.contains("Fix"), other);
        assertNull(Prerequisites.driverProblem(12040, CUresult.CUDA_SUCCESS, 2));
        assertNull(Prerequisites.driverProblem(13000, CUresult.CUDA_SUCCESS, 1));
        assertEquals("12.4", Prerequisites.versionText(12040));
        assertEquals("13.0", Prerequisites.versionText(13000));
    }
}
