package io.logitnet.cuda;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the native loader does before JCuda loads anything: whole extracted copies, noexec temporary folders. */
class NativeLoaderTest {
    private static byte[] resource(String name) throws IOException {
        try (InputStream in = NativeLoaderTest.class.getResourceAsStream(name)) {
            assertNotNull(in, name + " is not on the class path (JCuda upgraded? update NativeLoader's names)");
            return in.readAllBytes();
        }
    }

    @Test
    void aTruncatedExtractedLibraryIsReplacedAndAWholeOneKept(@TempDir Path tmp) throws IOException {
        for (String name : List.of(NativeLoader.JCUDA_DRIVER_NATIVE, NativeLoader.JCUBLAS2_NATIVE)) {
            byte[] whole = resource("/lib/" + name);
            Path target = tmp.resolve(name);

            assertTrue(NativeLoader.ensureExtracted("/lib/" + name, target), "absent: extracted");
            assertArrayEquals(whole, Files.readAllBytes(target));

            Files.write(target, Arrays.copyOf(whole, whole.length / 3)); // a copy cut short by a killed process
            assertTrue(NativeLoader.ensureExtracted("/lib/" + name, target), "truncated: replaced");
            assertArrayEquals(whole, Files.readAllBytes(target));

            byte[] corrupt = whole.clone();
            corrupt[corrupt.length / 2] ^= 0x5a; // same size, other bytes
            Files.write(target, corrupt);
            assertTrue(NativeLoader.ensureExtracted("/lib/" + name, target), "same size, wrong bytes: replaced");
            assertArrayEquals(whole, Files.readAllBytes(target));

            FileTime written = FileTime.fromMillis(1_000_000_000_000L);
            Files.setLastModifiedTime(target, written);
            assertFalse(NativeLoader.ensureExtracted("/lib/" + name, target), "whole: kept");
            assertEquals(written, Files.getLastModifiedTime(target));
        }
        try (var left = Files.list(tmp)) {
            assertEquals(2, left.count(), "no temporary .part files are left behind");
        }
    }

    @Test
    void aNoexecTemporaryFolderIsNamed() {
        List<String> mounts = List.of(
                "/dev/sda1 / ext4 rw,relatime 0 0",
                "tmpfs /tmp tmpfs rw,nosuid,nodev,noexec,relatime 0 0",
                "tmpfs /tmp/exec\\040ok tmpfs rw,nosuid,nodev 0 0",
                "tmpfs /dev/shm tmpfs rw,noexec 0 0");
        assertEquals("/tmp", NativeLoader.noexecMountOf(Path.of("/tmp/jcuda-natives"), mounts));
        assertEquals("/tmp", NativeLoader.noexecMountOf(Path.of("/tmp"), mounts));
        assertNull(NativeLoader.noexecMountOf(Path.of("/tmp/exec ok/x"), mounts), "the deepest mount decides");
        assertNull(NativeLoader.noexecMountOf(Path.of("/var/tmp"), mounts));
        assertNull(NativeLoader.noexecMountOf(Path.of("/tmpfoo"), mounts), "a path prefix is not a parent folder");
        assertNull(NativeLoader.noexecMountOf(Path.of("/tmp/x"), List.of()), "no mount table: nothing to say");
    }
}
