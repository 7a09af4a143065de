package io.logitnet.train;

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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Early stopping returns the weights of the best epoch, not the last: the parameters are snapshotted after every
 * epoch (through the per-epoch state callback), and the network the Trainer hands back must equal, bit for bit, the
 * snapshot of the epoch with the lowest validation loss, in a run where that epoch is not the last.
 */
class EarlyStoppingTest {
    private static final int PATIENCE = 10;
    private static final Architecture WIDE = new Architecture(List.of(2, 64, 1), List.of(Activation.RELU),
            Loss.SIGMOID_BINARY_CROSS_ENTROPY);

    private static CpuBackend cpu;

    @BeforeAll
    static void open() {
        cpu = new CpuBackend();
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    private record Run(History history, List<List<float[]>> snapshots, List<float[]> returned) {
        List<float[]> snapshot(int epoch) {
            return snapshots.get(epoch - 1);
        }
    }

    /** A tiny noisy training set that a wide net overfits within a few dozen epochs. */
    private static Run overfit(boolean restoreBest) {
        Dataset d = TestData.circles(60, 0.35, 3);
        TrainConfig c = TrainConfig.defaults().withEpochs(400).withBatchSize(8).withValidationSplit(0.3)
                .withPatience(PATIENCE).withOptimizer(OptimizerSpec.adam(0.05f)).withRestoreBest(restoreBest);
        List<List<float[]>> snapshots = new ArrayList<>();
        try (Network net = Network.create(cpu, WIDE, Init.AUTO, 1, false)) {
            History h = new Trainer(c, null).fit(net, d, null, state -> {
                assertEquals(snapshots.size() + 1, state.epochsDone());
                snapshots.add(net.parameterArrays());
            });
            return new Run(h, snapshots, net.parameterArrays());
        }
    }

    private static void assertSameParameters(List<float[]> expected, List<float[]> actual, String what) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), what + ", parameter " + i);
        }
    }

    @Test
    void theReturnedWeightsAreThoseOfTheEpochWithTheLowestValidationLoss() {
        Run run = overfit(true);
        History h = run.history();
        int last = h.last().epoch();
        assertTrue(h.stopReason().startsWith("early stopping"), h.stopReason());
        assertEquals(h.bestEpoch() + PATIENCE, last, "stops after exactly `patience` epochs without improvement");
        assertEquals(run.snapshots().size(), last);
        double best = h.epochs().stream().mapToDouble(EpochResult::validationLoss).min().orElseThrow();
        assertEquals(best, h.epochs().get(h.bestEpoch() - 1).validationLoss(), 0.0);
        assertFalse(sameParameters(run.snapshot(h.bestEpoch()), run.snapshot(last)),
                "the weights moved after the best epoch, so restoring them is observable");
        assertSameParameters(run.snapshot(h.bestEpoch()), run.returned(), "returned vs best epoch "
                + h.bestEpoch());
        assertTrue(h.stopReason().contains("restored the weights of epoch " + h.bestEpoch()), h.stopReason());
    }

    @Test
    void withoutRestoreBestTheLastEpochsWeightsAreKept() {
        Run run = overfit(false);
        History h = run.history();
        int last = h.last().epoch();
        assertTrue(h.stopReason().startsWith("early stopping"), h.stopReason());
        assertEquals(last, h.bestEpoch(), "History.bestEpoch is the epoch whose weights were kept");
        assertSameParameters(run.snapshot(last), run.returned(), "returned vs last epoch " + last);
    }

    private static boolean sameParameters(List<float[]> a, List<float[]> b) {
        for (int i = 0; i < a.size(); i++) {
            if (!java.util.Arrays.equals(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }
}
