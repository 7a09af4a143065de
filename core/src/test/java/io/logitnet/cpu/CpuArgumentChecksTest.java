package io.logitnet.cpu;

import io.logitnet.ShapeMismatchException;
import io.logitnet.backend.Activation;
import io.logitnet.backend.Loss;
import io.logitnet.backend.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Every CPU operation checks its arguments before it touches memory: shapes (a {@link ShapeMismatchException} with
 * both shapes), dimensions and ranges, tensors of another backend and closed tensors, class indices, and the device
 * index. A wrong call must fail with the right error rather than read or write past a tensor.
 */
class CpuArgumentChecksTest {
    private static CpuBackend cpu;

    @BeforeAll
    static void open() {
        cpu = new CpuBackend();
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    private static void assertShapes(int[] expected, int[] actual, Executable call) {
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class, call);
        assertArrayEquals(expected, e.expected(), "expected shape");
        assertArrayEquals(actual, e.actual(), "actual shape");
    }

    @Test
    void everyOperationRefusesTensorsOfTheWrongShape() {
        try (Tensor a = cpu.allocate(2, 3); Tensor b = cpu.allocate(3, 2); Tensor row = cpu.allocate(1, 2);
             Tensor a2 = cpu.allocate(2, 3)) {
            int[] s23 = {2, 3};
            int[] s32 = {3, 2};
            assertShapes(s23, s32, () -> cpu.copy(a, b));
            assertShapes(new int[] {1, 3}, new int[] {1, 2}, () -> cpu.addRowVector(a, row));
            assertShapes(new int[] {1, 3}, new int[] {1, 2}, () -> cpu.columnSums(a, row));
            assertShapes(s23, s32, () -> cpu.activationForward(Activation.TANH, a, b));
            assertShapes(s23, s32, () -> cpu.activationBackward(Activation.TANH, a, b, a2));
            assertShapes(s23, s32, () -> cpu.activationBackward(Activation.TANH, a, a2, b));
            assertShapes(s23, s32, () -> cpu.softmaxRows(a, b));
            assertShapes(s23, s32, () -> cpu.axpy(1f, a, b));
            assertShapes(s23, s32, () -> cpu.dot(a, b));
            assertShapes(s23, s32, () -> cpu.sgdUpdate(a, b, null, 0.1f, 0f, false));
            assertShapes(s23, s32, () -> cpu.sgdUpdate(a, a2, b, 0.1f, 0.9f, false));
            assertShapes(s23, s32, () -> cpu.adamUpdate(a, b, a2, a2, 0.1f, 0.9f, 0.999f, 1e-8f, 0f, 1));
            assertShapes(s23, s32, () -> cpu.adamUpdate(a, a2, b, a2, 0.1f, 0.9f, 0.999f, 1e-8f, 0f, 1));
            assertShapes(s23, s32, () -> cpu.adamUpdate(a, a2, a2, b, 0.1f, 0.9f, 0.999f, 1e-8f, 0f, 1));
            assertThrows(IllegalArgumentException.class,
                    () -> cpu.adamUpdate(a, a2, a2, a2, 0.1f, 0.9f, 0.999f, 1e-8f, 0f, 0), "Adam counts steps from 1");
        }
    }

    @Test
    void allocationAndTransfersCheckSizesAndRanges() {
        assertThrows(IllegalArgumentException.class, () -> cpu.allocate(0, 3));
        assertThrows(IllegalArgumentException.class, () -> cpu.allocate(3, 0));
        assertThrows(IllegalArgumentException.class, () -> cpu.allocate(65536, 32768), "2^31 elements");
        try (Tensor t = cpu.allocate(2, 2)) {
            assertThrows(IllegalArgumentException.class, () -> cpu.upload(new float[5], 2, t), "past the end");
            assertThrows(IllegalArgumentException.class, () -> cpu.upload(new float[5], -1, t));
            assertDoesNotThrow(() -> cpu.upload(new float[] {0, 1, 2, 3, 4}, 1, t));
            assertArrayEquals(new float[] {1, 2, 3, 4}, t.toArray());
            assertThrows(IllegalArgumentException.class, () -> cpu.download(t, new float[5], 2));
            float[] out = new float[5];
            cpu.download(t, out, 1);
            assertArrayEquals(new float[] {0, 1, 2, 3, 4}, out);
        }
    }

    @Test
    void closedTensorsAndTensorsOfAnotherBackendAreRefused() {
        Tensor closed = cpu.allocate(1, 2);
        closed.close();
        closed.close(); // twice is harmless
        try (Tensor open = cpu.allocate(1, 2); CpuBackend other = new CpuBackend();
             Tensor foreign = other.allocate(1, 2)) {
            assertThrows(IllegalStateException.class, () -> cpu.copy(open, closed));
            assertThrows(IllegalStateException.class, () -> cpu.dot(closed, open));
            assertThrows(IllegalArgumentException.class, () -> cpu.copy(foreign, open));
            assertThrows(IllegalArgumentException.class, () -> cpu.fill(foreign, 1f));
        }
    }

    @Test
    void classIndicesMustBeIntegersBelowTheNumberOfClasses() {
        try (Tensor z = cpu.upload(new float[] {1f, 2f, 3f}, 1, 3); Tensor rowLoss = cpu.allocate(1, 1)) {
            for (float bad : new float[] {3f, -1f, 1.5f, Float.NaN}) {
                try (Tensor t = cpu.upload(new float[] {bad}, 1, 1)) {
                    assertThrows(IllegalArgumentException.class,
                            () -> cpu.lossForwardBackward(Loss.SOFTMAX_CROSS_ENTROPY, z, t, null, rowLoss, 1f),
                            "class index " + bad);
                }
            }
            try (Tensor t = cpu.upload(new float[] {2f}, 1, 1)) {
                cpu.lossForwardBackward(Loss.SOFTMAX_CROSS_ENTROPY, z, t, null, rowLoss, 1f);
                double logSumExp = 3 + Math.log(Math.exp(-2) + Math.exp(-1) + 1);
                assertEquals((float) (logSumExp - 3), rowLoss.toArray()[0]);
            }
        }
    }

    @Test
    void theProviderOpensOneDevice() {
        CpuBackendProvider p = new CpuBackendProvider();
        assertEquals("cpu", p.name());
        assertEquals(true, p.probe().available());
        p.create("").close();
        p.create("0").close();
        assertThrows(IllegalArgumentException.class, () -> p.create("1"));
    }
}
