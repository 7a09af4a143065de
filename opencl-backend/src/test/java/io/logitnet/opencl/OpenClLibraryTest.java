package io.logitnet.opencl;

import io.logitnet.BackendUnavailableException;
import io.logitnet.NativeCallException;
import io.logitnet.backend.Availability;
import io.logitnet.backend.BackendProvider;
import io.logitnet.backend.Backends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Library lookup, unavailability reasons, error names and device ranking; none of it needs a device. */
class OpenClLibraryTest {

    @Test
    void missingIcdLoaderGivesAnActionableReason() {
        Path nowhere = Path.of("/nonexistent/logitnet-test-lib");
        OpenClBackendProvider provider = new OpenClBackendProvider(new ClLibrary(List.of(nowhere), null), k -> null);
        Availability a = provider.probe();
        assertFalse(a.available());
        for (String part : new String[] {"libOpenCL.so.1", nowhere.toString(), "ocl-icd-libopencl1",
                "pocl-opencl-icd", "nvidia-opencl-icd"}) {
            assertTrue(a.reason().contains(part), "reason names " + part + ": " + a.reason());
        }
        assertFalse(a.reason().contains("-1001"), a.reason());
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> provider.create(""));
        assertEquals("opencl", e.backend());
        assertEquals(a.reason(), e.reason());
    }

    @Test
    void findsTheVersionedLibraryWhenTheDevSymlinkIsMissing(@TempDir Path dir) throws IOException {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        Path debian = Files.createDirectory(dir.resolve("debian"));
        Files.createFile(debian.resolve("libOpenCL.so.1"));
        Files.createSymbolicLink(empty.resolve("libOpenCL.so"), dir.resolve("dangling")); // a broken -dev link
        assertEquals(debian.resolve("libOpenCL.so.1"), new ClLibrary(List.of(empty, debian), null).locate().orElseThrow());
        Files.createFile(debian.resolve("libOpenCL.so"));
        assertEquals(debian.resolve("libOpenCL.so"), new ClLibrary(List.of(debian), null).locate().orElseThrow());
        assertTrue(new ClLibrary(List.of(empty), null).locate().isEmpty());
    }

    @Test
    void noPlatformReasonSaysWhichIcdToInstall(@TempDir Path vendors) throws IOException {
        String none = ClLibrary.noPlatformReason(Path.of("/usr/lib/x86_64-linux-gnu/libOpenCL.so.1"), vendors);
        assertTrue(none.contains("no ICD is installed") && none.contains("pocl-opencl-icd")
                && none.contains("nvidia-opencl-icd"), none);
        Files.createFile(vendors.resolve("nvidia.icd"));
        String broken = ClLibrary.noPlatformReason(Path.of("libOpenCL.so.1"), vendors);
        assertTrue(broken.contains("nvidia.icd"), broken);
    }

    @Test
    void errorCodesAreNamedAndChecked() {
        assertEquals("CL_MEM_OBJECT_ALLOCATION_FAILURE", Cl.name(-4));
        assertEquals("CL_PLATFORM_NOT_FOUND_KHR", Cl.name(-1001));
        Cl.check(0, "clFinish");
        NativeCallException e = assertThrows(NativeCallException.class, () -> Cl.check(-5, "clEnqueueNDRangeKernel(x)"));
        assertEquals("CL_OUT_OF_RESOURCES", e.codeName());
        assertEquals(-5, e.code());
        assertEquals("clEnqueueNDRangeKernel(x)", e.call());
        assertTrue(Cl.isOutOfMemory(-4) && Cl.isOutOfMemory(-5) && !Cl.isOutOfMemory(-30));
    }

    private static ClDevice device(int p, int d, long type, int units, String version) {
        return new ClDevice(p, d, 0, 0, "platform", "dev" + p + d, type, version, "1", units, 1000, 1L << 30,
                1L << 28, 1 << 15, 256, true, true, true, true);
    }

    @Test
    void theBestDeviceIsAGpuAndSelectionsAreChecked() {
        long cpu = 1 << 1;
        long gpu = 1 << 2;
        ClDevice cpuDev = device(0, 0, cpu, 64, "OpenCL 3.0 x");
        ClDevice smallGpu = device(1, 0, gpu, 8, "OpenCL 1.2 y");
        ClDevice bigGpu = device(1, 1, gpu, 80, "OpenCL 3.0 z");
        ClDevice oldGpu = device(2, 0, gpu, 500, "OpenCL 1.1 old");
        List<ClDevice> all = List.of(cpuDev, smallGpu, bigGpu, oldGpu);
        assertEquals(bigGpu, OpenClBackendProvider.choose(all, "", false));
        assertEquals(cpuDev, OpenClBackendProvider.choose(List.of(cpuDev, oldGpu), null, false));
        assertEquals(smallGpu, OpenClBackendProvider.choose(all, "1:0", false));
        BackendUnavailableException old = assertThrows(BackendUnavailableException.class,
                () -> OpenClBackendProvider.choose(all, "2:0", false));
        assertTrue(old.reason().contains("1.2"), old.reason());
        assertThrows(IllegalArgumentException.class, () -> OpenClBackendProvider.choose(all, "1", false));
    }

    @Test
    void tilesShrinkToWhatTheDeviceCanRun() {
        Tuning cpu = new Tuning(true, 96, 128, 256, 12, 32, 32, 4, 64, 256, 4).fitTo(1024, 32 * 1024);
        assertTrue(4L * (cpu.tsm() * cpu.tsk() + cpu.tsk() * cpu.tsn() + cpu.tsm() * cpu.tsn()) <= 32 * 1024,
                cpu.toString());
        assertEquals(0, cpu.tsm() % cpu.wptm());
        assertEquals(0, cpu.tsn() % cpu.wptn());
        Tuning gpu = new Tuning(false, 64, 64, 16, 4, 4, 32, 8, 256, 256, 64).fitTo(128, 48 * 1024);
        assertTrue(gpu.gemmLocalRows() * gpu.gemmLocalCols() <= 128, gpu.toString());
        assertTrue(gpu.csTx() * gpu.csTy() <= 128 && gpu.reduceWg() <= 128, gpu.toString());
    }

    @Test
    void theProviderIsRegistered() {
        BackendProvider p = Backends.providers().stream().filter(x -> x.name().equals("opencl")).findFirst()
                .orElseThrow(() -> new AssertionError("no opencl provider in META-INF/services"));
        assertEquals(200, p.priority());
        assertTrue(p instanceof OpenClBackendProvider);
    }
}
