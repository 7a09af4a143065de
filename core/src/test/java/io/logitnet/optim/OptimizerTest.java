package io.logitnet.optim;

import io.logitnet.backend.Tensor;
import io.logitnet.cpu.CpuBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SGD and Adam as mini-batch optimizers: their settings' valid ranges, the learning-rate schedule hook, step
 * counting, AdamW's decay of weights only, and state that exports and imports so that a resumed run continues
 * bit for bit. Parameters are [weight, bias] pairs, as {@code Network.parameters()} orders them.
 */
class OptimizerTest {
    private static CpuBackend cpu;

    @BeforeAll
    static void open() {
        cpu = new CpuBackend();
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    /** A weight [2, 2] and a bias [1, 2], with gradients, on the CPU. */
    private static final class Params implements AutoCloseable {
        final List<Tensor> p = new ArrayList<>();
        final List<Tensor> g = new ArrayList<>();

        Params(float[] w, float[] b, float[] gw, float[] gb) {
            p.add(cpu.upload(w, 2, 2));
            p.add(cpu.upload(b, 1, 2));
            g.add(cpu.upload(gw, 2, 2));
            g.add(cpu.upload(gb, 1, 2));
        }

        float[] get(int i) {
            return p.get(i).toArray();
        }

        @Override
        public void close() {
            p.forEach(Tensor::close);
            g.forEach(Tensor::close);
        }
    }

    private static Params params() {
        return new Params(new float[] {1f, -2f, 0.5f, 3f}, new float[] {0.25f, -1f},
                new float[] {0.5f, 1f, -2f, 0.125f}, new float[] {1f, -0.5f});
    }

    @Test
    void sgdSettingsAtTheEdgesOfTheirRanges() {
        assertThrows(IllegalArgumentException.class, () -> new Sgd(0f, 0f, false));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(Float.POSITIVE_INFINITY, 0f, false));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(0.1f, 1f, false));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(0.1f, -0.1f, false));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(0.1f, 0f, true), "Nesterov needs momentum");
        assertDoesNotThrow(() -> new Sgd(Float.MIN_VALUE, 0f, false).close());
        assertDoesNotThrow(() -> new Sgd(0.1f, Math.nextDown(1f), true).close());
    }

    @Test
    void adamSettingsAtTheEdgesOfTheirRanges() {
        assertThrows(IllegalArgumentException.class, () -> new Adam(0f, 0.9f, 0.999f, 1e-8f, 0f));
        assertThrows(IllegalArgumentException.class, () -> new Adam(Float.POSITIVE_INFINITY, 0.9f, 0.999f, 1e-8f, 0f));
        assertThrows(IllegalArgumentException.class, () -> new Adam(0.1f, 1f, 0.999f, 1e-8f, 0f));
        assertThrows(IllegalArgumentException.class, () -> new Adam(0.1f, -0.1f, 0.999f, 1e-8f, 0f));
        assertThrows(IllegalArgumentException.class, () -> new Adam(0.1f, 0.9f, 1f, 1e-8f, 0f));
        assertThrows(IllegalArgumentException.class, () -> new Adam(0.1f, 0.9f, -0.1f, 1e-8f, 0f));
        assertThrows(IllegalArgumentException.class, () -> new Adam(0.1f, 0.9f, 0.999f, 0f, 0f));
        assertThrows(IllegalArgumentException.class, () -> new Adam(0.1f, 0.9f, 0.999f, 1e-8f, -1f));
        assertDoesNotThrow(() -> new Adam(Float.MIN_VALUE, 0f, 0f, Float.MIN_VALUE, 0f).close());
        assertDoesNotThrow(() -> new Adam(0.1f, Math.nextDown(1f), Math.nextDown(1f), 1e-8f, 0.5f).close());
    }

    @Test
    void descriptionsNameTheOptimizerAndItsSettings() {
        assertEquals("sgd(lr=0.5, momentum=0.9, nesterov)", new Sgd(0.5f, 0.9f, true).describe());
        assertEquals("sgd(lr=0.5, momentum=0.0)", new Sgd(0.5f, 0f, false).describe());
        assertEquals("adam(lr=0.01, betas=(0.9, 0.999), eps=1.0E-8, weight_decay=0.0)",
                Adam.withLearningRate(0.01f).describe());
        assertTrue(new Adam(0.01f, 0.9f, 0.999f, 1e-8f, 0.1f).describe().startsWith("adamw("));
    }

    @Test
    void sgdStepsByTheScaledLearningRateAndCountsSteps() {
        try (Params ps = params(); Sgd sgd = new Sgd(0.5f, 0f, false)) {
            sgd.scaleLearningRate(0.5f); // lr 0.25: every step below is exact in float
            sgd.step(ps.p, ps.g);
            sgd.step(ps.p, ps.g);
            assertArrayEquals(new float[] {0.75f, -2.5f, 1.5f, 2.9375f}, ps.get(0));
            assertArrayEquals(new float[] {-0.25f, -0.75f}, ps.get(1));
            assertEquals(2, sgd.steps());
            assertTrue(sgd.exportState().isEmpty(), "plain SGD has no state");
        }
    }

    @Test
    void adamWDecaysWeightsButNotBiases() {
        // zero gradients: Adam's own step is 0, only the decoupled decay p -= lr·wd·p acts
        try (Params ps = new Params(new float[] {1f, 2f, -4f, 0.5f}, new float[] {1f, -3f}, new float[4],
                new float[2]); Adam adam = new Adam(0.5f, 0.9f, 0.999f, 1e-8f, 0.5f)) {
            adam.step(ps.p, ps.g);
            assertArrayEquals(new float[] {0.75f, 1.5f, -3f, 0.375f}, ps.get(0));
            assertArrayEquals(new float[] {1f, -3f}, ps.get(1));
            assertEquals(1, adam.steps());
        }
    }

    @Test
    void adamsFirstStepIsTheScaledLearningRateTimesTheGradientsSign() {
        // step 1: m̂ = g, v̂ = g², so p -= lr·g/(|g| + eps)
        try (Params ps = params(); Adam adam = new Adam(0.1f, 0.9f, 0.999f, 1e-8f, 0f)) {
            adam.scaleLearningRate(0.5f);
            adam.step(ps.p, ps.g);
            float[] w = ps.get(0);
            float[] start = {1f, -2f, 0.5f, 3f};
            float[] g = {0.5f, 1f, -2f, 0.125f};
            for (int i = 0; i < 4; i++) {
                assertEquals(start[i] - 0.05 * Math.signum(g[i]), w[i], 1e-6, "weight " + i);
            }
        }
    }

    @Test
    void adamsEpsilonIsAddedToTheRootOfTheSecondMoment() {
        // a gradient far below eps: the step is lr·g/(|g| + eps), about lr/11, and not of the opposite sign
        try (Params ps = new Params(new float[4], new float[2], new float[] {1e-9f, -1e-9f, 0f, 2e-9f},
                new float[2]); Adam adam = new Adam(1f, 0.9f, 0.999f, 1e-8f, 0f)) {
            adam.step(ps.p, ps.g);
            float[] w = ps.get(0);
            float[] g = {1e-9f, -1e-9f, 0f, 2e-9f};
            for (int i = 0; i < 4; i++) {
                double expected = -g[i] / (Math.abs((double) g[i]) + 1e-8f);
                assertEquals(expected, w[i], 1e-6 * Math.abs(expected) + 1e-12, "weight " + i);
            }
        }
    }

    @Test
    void importedStateContinuesBitForBit() {
        for (boolean adamKind : new boolean[] {false, true}) {
            try (Params a = params(); Params b = params();
                 Optimizer first = adamKind ? new Adam(0.05f, 0.9f, 0.99f, 1e-8f, 0.01f) : new Sgd(0.05f, 0.9f, true);
                 Optimizer second = adamKind ? new Adam(0.05f, 0.9f, 0.99f, 1e-8f, 0.01f)
                         : new Sgd(0.05f, 0.9f, true)) {
                first.step(a.p, a.g);
                first.step(a.p, a.g);
                Map<String, float[]> state = first.exportState();
                assertEquals(adamKind ? 4 : 2, state.size(), state.keySet().toString());
                // b catches up to a's parameters, then takes a's state
                for (int i = 0; i < 2; i++) {
                    cpu.upload(a.get(i), 0, b.p.get(i));
                }
                second.importState(b.p, state, first.steps());
                assertEquals(2, second.steps());
                // importing into an optimizer that has state replaces it
                first.importState(a.p, state, first.steps());
                first.step(a.p, a.g);
                second.step(b.p, b.g);
                for (int i = 0; i < 2; i++) {
                    assertArrayEquals(a.get(i), b.get(i), first.describe() + " parameter " + i);
                }
            }
        }
    }

    @Test
    void sgdWithoutMomentumImportsNoState() {
        try (Params ps = params(); Sgd sgd = new Sgd(0.25f, 0f, false)) {
            sgd.importState(ps.p, Map.of(), 7);
            assertEquals(7, sgd.steps());
            sgd.step(ps.p, ps.g);
            assertArrayEquals(new float[] {0.875f, -2.25f, 1f, 2.96875f}, ps.get(0));
        }
    }
}
