package io.logitnet.cuda;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LibraryLocatorTest {
    @Test
    void readsLibraryPathsFromAnLdCache(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream cache = new ByteArrayOutputStream();
        cache.write("glibc-ld.so.cache1.1".getBytes(StandardCharsets.ISO_8859_1));
        cache.write(new byte[] {0, 7, 0, 0, 1, 2, 3});
        for (String s : new String[] {"libcuda.so.1", "/usr/lib/x86_64-linux-gnu/libcuda.so.1", "libm.so.6",
                "/lib/x86_64-linux-gnu/libm.so.6"}) {
            cache.write(s.getBytes(StandardCharsets.ISO_8859_1));
            cache.write(0);
        }
        Path file = dir.resolve("ld.so.cache");
        Files.write(file, cache.toByteArray());
        Map<String, Path> paths = LibraryLocator.readLdCache(file);
        assertEquals(Paths.get("/usr/lib/x86_64-linux-gnu/libcuda.so.1"), paths.get("libcuda.so.1"));
        assertEquals(Paths.get("/lib/x86_64-linux-gnu/libm.so.6"), paths.get("libm.so.6"));
        assertTrue(LibraryLocator.readLdCache(dir.resolve("missing")).isEmpty());
    }

    @Test
    void followsLdSoConfIncludes(@TempDir Path dir) throws IOException {
        Path confD = Files.createDirectories(dir.resolve("ld.so.conf.d"));
        Files.writeString(confD.resolve("b-cuda.conf"), "/usr/local/cuda/lib64\n");
        Files.writeString(confD.resolve("a-nvidia.conf"), "# driver\n/usr/lib/nvidia\n");
        Files.writeString(confD.resolve("ignored.txt"), "/nowhere\n");
        Path conf = dir.resolve("ld.so.conf");
        Files.writeString(conf, "include " + confD + "/*.conf\n/opt/lib # local\n");
        assertEquals(List.of("/usr/lib/nvidia", "/usr/local/cuda/lib64", "/opt/lib"),
                LibraryLocator.ldSoConfDirs(conf, 0));
    }

    @Test
    void findsTheFirstMatchInSearchOrder(@TempDir Path dir) throws IOException {
        Path a = Files.createDirectories(dir.resolve("a"));
        Path b = Files.createDirectories(dir.resolve("b"));
        Files.writeString(b.resolve("libcublas.so.13"), "");
        Files.writeString(a.resolve("libcublas.so.13"), "");
        LibraryLocator libs = new LibraryLocator(List.of(a, b), Map.of(), Files::isRegularFile);
        assertEquals(a.resolve("libcublas.so.13"), libs.find("libcublas.so.13").orElseThrow());
        assertTrue(libs.find("libcuda.so.1").isEmpty());
        assertTrue(libs.searched().contains(a.toString()));
    }
}
