package io.logitnet.train;

import io.logitnet.ShapeMismatchException;
import io.logitnet.backend.Activation;
import io.logitnet.backend.Loss;
import io.logitnet.cpu.CpuBackend;
import io.logitnet.data.Dataset;
import io.logitnet.nn.Architecture;
import io.logitnet.nn.Init;
import io.logitnet.nn.Network;
import io.logitnet.testing.TestData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {
    private static CpuBackend cpu;
    private static final Architecture ARCH = new Architecture(List.of(2, 8, 1), List.of(Activation.TANH),
            Loss.SIGMOID_BINARY_CROSS_ENTROPY);

    @BeforeAll
    static void open() {
        cpu = new CpuBackend();
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    private static List<float[]> train(TrainConfig config, Dataset data, TrainingListener l) {
        try (Network net = Network.create(cpu, ARCH, Init.AUTO, config.seed(), false)) {
            new Trainer(config, l).fit(net, data);
            return net.parameterArrays();
        }
    }

    @Test
    void sameSeedSameWeightsOtherSeedOtherWeights() {
        Dataset d = TestData.circles(300, 0.1, 1);
        TrainConfig c = TrainConfig.defaults().withEpochs(5).withBatchSize(16);
        List<float[]> a = train(c, d, null);
        List<float[]> b = train(c, d, null);
        List<float[]> other = train(c.withSeed(43), d, null);
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i), b.get(i));
        }
        assertFalse(java.util.Arrays.equals(a.get(0), other.get(0)));
    }

    @Test
    void resumingFromTheStateOfEpochNIsBitIdenticalToTrainingStraight() {
        Dataset d = TestData.circles(250, 0.1, 2);
        TrainConfig c = TrainConfig.defaults().withEpochs(6).withBatchSize(32)
                .withOptimizer(OptimizerSpec.adam(0.01f));
        List<float[]> straight = train(c, d, null);
        TrainingState[] at3 = new TrainingState[1];
        List<float[]> weightsAt3 = new ArrayList<>();
        try (Network net = Network.create(cpu, ARCH, Init.AUTO, c.seed(), false)) {
            new Trainer(c.withEpochs(3), null).fit(net, d, null, s -> at3[0] = s);
            weightsAt3.addAll(net.parameterArrays());
        }
        assertEquals(3, at3[0].epochsDone());
        try (Network net = Network.create(cpu, ARCH, Init.AUTO, 999, false)) {
            net.setParameterArrays(weightsAt3);
            new Trainer(c, null).fit(net, d, at3[0], null);
            List<float[]> resumed = net.parameterArrays();
            for (int i = 0; i < straight.size(); i++) {
                assertArrayEquals(straight.get(i), resumed.get(i), "parameter " + i);
            }
        }
    }

    @Test
    void earlyStoppingOnValidationLossRestoresTheBestWeights() {
        // a tiny noisy training set that a wide net overfits quickly
        Dataset d = TestData.circles(60, 0.35, 3);
        List<EpochResult> seen = new ArrayList<>();
        TrainConfig c = TrainConfig.defaults().withEpochs(400).withBatchSize(8).withValidationSplit(0.3)
                .withPatience(10).withOptimizer(OptimizerSpec.adam(0.05f));
        History[] h = new History[1];
        try (Network net = new NetworkFactory().wide()) {
            h[0] = new Trainer(c, new TrainingListener() {
                @Override
                public void epoch(EpochResult r) {
                    seen.add(r);
                }
            }).fit(net, d);
        }
        assertTrue(h[0].epochs().size() < 400, "should stop early: " + h[0].stopReason());
        assertTrue(h[0].stopReason().startsWith("early stopping"), h[0].stopReason());
        double best = seen.stream().mapToDouble(EpochResult::validationLoss).min().orElseThrow();
        assertEquals(best, seen.get(h[0].bestEpoch() - 1).validationLoss(), 0.0);
        assertTrue(seen.get(0).metrics().containsKey("accuracy"));
        assertEquals(seen.size(), h[0].epochs().size());
    }

    private static final class NetworkFactory {
        Network wide() {
            return Network.create(cpu, new Architecture(List.of(2, 64, 1), List.of(Activation.RELU),
                    Loss.SIGMOID_BINARY_CROSS_ENTROPY), Init.AUTO, 1, false);
        }
    }

    @Test
    void validationSplitIsSeededAndDisjoint() {
        Dataset d = TestData.circles(100, 0.1, 4);
        Trainer t = new Trainer(TrainConfig.defaults().withValidationSplit(0.2), null);
        Dataset[] p = t.split(d);
        assertEquals(80, p[0].rows());
        assertEquals(20, p[1].rows());
        Dataset[] q = t.split(d);
        assertArrayEquals(p[1].x(), q[1].x());
    }

    @Test
    void divergenceIsReportedNotHidden() {
        Dataset d = TestData.circles(100, 0.1, 5);
        float[] y = d.y().clone();
        Dataset reg = new Dataset(d.x(), d.rows(), d.cols(), y, 1, null);
        Architecture a = new Architecture(List.of(2, 1), List.of(), Loss.POISSON);
        try (Network net = Network.create(cpu, a, Init.ZEROS, 1, false)) {
            History h = new Trainer(TrainConfig.defaults().withEpochs(50).withOptimizer(OptimizerSpec.sgd(1e6f, 0f)),
                    null).fit(net, reg);
            assertTrue(h.stopReason().startsWith("diverged"), h.stopReason());
        }
    }

    @Test
    void targetsOfTheWrongWidthAreRejectedWithBothShapes() {
        Dataset d = new Dataset(new float[6], 3, 2, new float[6], 2, null);
        try (Network net = Network.create(cpu, ARCH, Init.AUTO, 1, false)) {
            ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                    () -> new Trainer(TrainConfig.defaults(), null).fit(net, d));
            assertArrayEquals(new int[] {3, 1}, e.expected());
            assertArrayEquals(new int[] {3, 2}, e.actual());
        }
    }

    @Test
    void cosineScheduleDecaysToZero() {
        assertEquals(1f, TrainConfig.Schedule.COSINE.factor(0, 100), 1e-6f);
        assertEquals(0.5f, TrainConfig.Schedule.COSINE.factor(50, 100), 1e-6f);
        assertEquals(0f, TrainConfig.Schedule.COSINE.factor(100, 100), 1e-6f);
        assertNotEquals(1f, TrainConfig.Schedule.COSINE.factor(1, 100));
        assertEquals(1f, TrainConfig.Schedule.CONSTANT.factor(99, 100));
    }
}
