package io.logitnet.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {
    @TempDir
    Path dir;

    @AfterEach
    void reopen() {
        AtomicFile.reopenForTests();
    }

    private static void write(Path f, String text) {
        AtomicFile.write(f, ch -> ch.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void aStoppingProcessWaitsForAGroupSoThatAWriteAndItsRecordAreSeenTogether() throws Exception {
        Path f = dir.resolve("model.bin");
        int[] recorded = {0};
        CompletableFuture<Boolean> stopped;
        try (AtomicFile.Group g = AtomicFile.group()) {
            write(f, "epoch 7");
            stopped = CompletableFuture.supplyAsync(() -> AtomicFile.shutdown(10_000));
            Thread.sleep(300);
            assertFalse(stopped.isDone(), "shutdown waits while the group is open");
            recorded[0] = 7;
        }
        assertTrue(stopped.get(10, TimeUnit.SECONDS), "the group ended in time");
        assertEquals(7, recorded[0]);
        assertEquals("epoch 7", Files.readString(f));
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> write(f, "epoch 8"));
        assertTrue(e.getMessage().contains("stopping"), e.getMessage());
        assertThrows(UncheckedIOException.class, AtomicFile::group);
        assertEquals("epoch 7", Files.readString(f), "nothing is written after the stop");
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count(), "no temporary file remains");
        }
    }

    @Test
    void groupsNestAndAFailedGroupLeavesNothingHeld() throws Exception {
        Path f = dir.resolve("a.txt");
        try (AtomicFile.Group outer = AtomicFile.group(); AtomicFile.Group inner = AtomicFile.group()) {
            write(f, "x");
        }
        assertTrue(AtomicFile.shutdown(1_000), "both groups were released");
        assertThrows(UncheckedIOException.class, AtomicFile::group);
        AtomicFile.reopenForTests();
        assertTrue(AtomicFile.shutdown(1_000), "a refused group holds nothing");
    }
}
