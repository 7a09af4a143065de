package io.logitnet.nn;

import io.logitnet.backend.Activation;
import io.logitnet.backend.Loss;
import io.logitnet.cpu.CpuBackend;
import io.logitnet.data.Dataset;
import io.logitnet.model.Mlp;
import io.logitnet.testing.TestData;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InitTest {
    @Test
    void symmetricInitOfAHiddenLayerIsRefusedWithTheReason() {
        try (CpuBackend cpu = new CpuBackend()) {
            Architecture arch = new Architecture(List.of(2, 4, 1), List.of(Activation.SIGMOID),
                    Loss.SIGMOID_BINARY_CROSS_ENTROPY);
            for (Init init : new Init[] {Init.ZEROS, Init.CONSTANT}) {
                SymmetricInitializationException e = assertThrows(SymmetricInitializationException.class,
                        () -> Network.create(cpu, arch, init, 1, false));
                assertEquals(init, e.init());
            }
            // a GLM (no hidden layer) may start at zero: its objective is convex
            Network.create(cpu, new Architecture(List.of(2, 1), List.of(), Loss.SIGMOID_BINARY_CROSS_ENTROPY),
                    Init.ZEROS, 1, false).close();
        }
    }

    @Test
    void whenAllowedTheSymmetryShowsHiddenUnitsStayIdentical() {
        try (CpuBackend cpu = new CpuBackend()) {
            Dataset circles = TestData.circles(200, 0.05, 9);
            Mlp sym = Mlp.classifier(5).activation(Activation.TANH).init(Init.CONSTANT, true).epochs(20).backend(cpu);
            sym.fit(circles);
            float[] w = sym.weight(0); // [5, 2]
            for (int unit = 1; unit < 5; unit++) {
                assertArrayEquals(new float[] {w[0], w[1]}, new float[] {w[unit * 2], w[unit * 2 + 1]}, 0f,
                        "hidden unit " + unit + " should still equal unit 0");
            }
            Mlp normal = Mlp.classifier(5).activation(Activation.TANH).epochs(20).backend(cpu);
            normal.fit(circles);
            float[] v = normal.weight(0);
            assertFalse(v[0] == v[2] && v[1] == v[3], "Glorot-initialized units should differ");
        }
    }

    @Test
    void glorotAndHeHaveTheirVariance() {
        int in = 400;
        int out = 300;
        float[] w = new float[in * out];
        Init.GLOROT.fill(w, in, out, Activation.SIGMOID, new SplittableRandom(1));
        assertEquals(2.0 / (in + out), variance(w), 0.05 * 2.0 / (in + out));
        Init.HE.fill(w, in, out, Activation.RELU, new SplittableRandom(1));
        assertEquals(2.0 / in, variance(w), 0.05 * 2.0 / in);
        Init.AUTO.fill(w, in, out, Activation.RELU, new SplittableRandom(1));
        assertEquals(2.0 / in, variance(w), 0.05 * 2.0 / in, "AUTO is He for relu");
        float[] a = new float[in * out];
        float[] b = new float[in * out];
        Init.AUTO.fill(a, in, out, Activation.TANH, new SplittableRandom(5));
        Init.AUTO.fill(b, in, out, Activation.TANH, new SplittableRandom(5));
        assertArrayEquals(a, b, "seeded");
        assertTrue(variance(a) < 0.01);
    }

    private static double variance(float[] w) {
        double s = 0;
        double s2 = 0;
        for (float v : w) {
            s += v;
            s2 += v * v;
        }
        double m = s / w.length;
        return s2 / w.length - m * m;
    }
}
