package io.logitnet.cpu;

import io.logitnet.DeviceOutOfMemoryException;
import io.logitnet.backend.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What is particular to the CPU backend: its memory is the Java heap. */
class CpuBackendTest {
    @Test
    void aTensorTheHeapCannotHoldIsADeviceOutOfMemoryWithTheFix() {
        try (CpuBackend cpu = new CpuBackend()) {
            long requested = 4L * Integer.MAX_VALUE;
            DeviceOutOfMemoryException e = assertThrows(DeviceOutOfMemoryException.class,
                    () -> cpu.allocate(1, Integer.MAX_VALUE));
            assertEquals(requested, e.requestedBytes());
            assertEquals(Runtime.getRuntime().maxMemory(), e.totalBytes());
            assertTrue(e.freeBytes() >= 0 && e.freeBytes() <= e.totalBytes(), "free " + e.freeBytes());
            assertTrue(e.getMessage().contains("-Xmx") && e.getMessage().contains("smaller layer width or batch")
                    && e.getMessage().contains(cpu.instanceName()), e.getMessage());
            assertStillComputes(cpu);
        }
    }

    @Test
    void theHeapRunningOutDuringAnAllocationIsADeviceOutOfMemory() {
        try (CpuBackend cpu = new CpuBackend()) {
            // No JVM makes an array of 2^31-1 elements (the limit is a few less): a real OutOfMemoryError, whatever -Xmx.
            DeviceOutOfMemoryException e = assertThrows(DeviceOutOfMemoryException.class,
                    () -> cpu.newArray(Integer.MAX_VALUE));
            assertEquals(4L * Integer.MAX_VALUE, e.requestedBytes());
            assertStillComputes(cpu);
        }
    }

    private static void assertStillComputes(CpuBackend cpu) {
        try (Tensor a = cpu.upload(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
             Tensor b = cpu.upload(new float[] {7, 8, 9, 10, 11, 12}, 3, 2);
             Tensor c = cpu.allocate(2, 2)) {
            cpu.gemm(false, false, 1f, a, b, 0f, c);
            assertArrayEquals(new float[] {58, 64, 139, 154}, c.toArray());
        }
    }
}
