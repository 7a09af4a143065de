package io.logitnet.spark;

import io.logitnet.BackendUnavailableException;
import io.logitnet.backend.Backend;
import io.logitnet.backend.Backends;
import io.logitnet.data.Dataset;
import io.logitnet.model.NetworkModel;
import org.apache.spark.SparkException;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fit is deterministic for a seed and a partitioning, a task that Spark retries recomputes the same gradient, the
 * executors upload each partition once per fit and release it after, and a backend that cannot run fails the task
 * with its reason.
 */
class ResilienceTest {
    private static org.apache.spark.sql.Dataset<Row> frame;

    @BeforeAll
    static void data() {
        Dataset d = SparkTests.threeClasses(480, 31);
        frame = SparkTests.frame(d, 4);
    }

    @AfterEach
    void noInjection() {
        GradientTask.injectFailure = null;
    }

    private static NetworkModel<?> fit(LogitNetClassifier c) {
        return c.setBackend("cpu").fit(frame).networkModel();
    }

    private static void assertSameParameters(NetworkModel<?> a, NetworkModel<?> b) {
        for (int i = 0; i < a.architecture().layerCount(); i++) {
            assertArrayEquals(a.weight(i), b.weight(i), "layer " + i + " weights");
            assertArrayEquals(a.bias(i), b.bias(i), "layer " + i + " biases");
        }
    }

    /** On local[2,2] Spark gives a failed task a second attempt; the fit then ends bit for bit as without failure. */
    @Test
    void aRetriedTaskRecomputesTheSameGradient() {
        LogitNetClassifier c = new LogitNetClassifier().setHiddenLayers(5).setActivation("sigmoid").setMaxIter(12);
        NetworkModel<?> undisturbed = fit(c);
        AtomicInteger injected = new AtomicInteger();
        GradientTask.injectFailure = (partition, attempt, evaluation) -> partition == 2 && attempt == 0
                && evaluation == 5 && injected.incrementAndGet() == 1;
        NetworkModel<?> retried = fit(c);
        assertEquals(1, injected.get(), "the failure was injected once");
        assertSameParameters(undisturbed, retried);
        assertEquals(undisturbed.history().stopReason(), retried.history().stopReason());
        assertEquals(undisturbed.history().last().trainObjective(), retried.history().last().trainObjective(), 0.0);
    }

    /** Adam on seeded samples: the same seed gives the same parameters, another seed others. */
    @Test
    void sampledFitsDependOnlyOnTheSeed() {
        LogitNetClassifier c = new LogitNetClassifier().setHiddenLayers(4).setSolver("adam").setStepSize(0.05)
                .setMiniBatchFraction(0.3).setMaxIter(15);
        NetworkModel<?> a = fit(c.setSeed(3));
        NetworkModel<?> b = fit(c.setSeed(3));
        NetworkModel<?> other = fit(c.setSeed(4));
        assertSameParameters(a, b);
        assertFalse(java.util.Arrays.equals(a.weight(1), other.weight(1)), "another seed, another sample and start");
        assertEquals(15, a.history().epochs().size());
    }

    /** Each partition is uploaded once per fit however many evaluations the fit makes, and released at its end. */
    @Test
    void partitionsGoToTheDeviceOncePerFitAndAreReleased() {
        fit(new LogitNetClassifier().setMaxIter(2)); // opens the executor's cpu device
        ExecutorDevice device = ExecutorDevice.opened().get("cpu");
        long before = device.uploads();
        NetworkModel<?> m = fit(new LogitNetClassifier().setMaxIter(40).setTol(0));
        int evaluations = m.history().epochs().size();
        assertTrue(evaluations >= 10, "the fit made " + evaluations + " iterations");
        assertEquals(4, device.uploads() - before, "one upload per partition");
        assertEquals(0, device.cachedBytes(), "the fit's blocks are released when it ends");
    }

    /** backend=cuda on an executor without a usable GPU fails its tasks with the reason, never falls back. */
    @Test
    void cudaWithoutAGpuFailsWithTheReason() {
        String reason;
        try (Backend b = Backends.open("cuda")) {
            Assumptions.abort("CUDA is usable here (" + b.deviceName() + "); nothing to refuse");
            return;
        } catch (BackendUnavailableException e) {
            reason = e.getMessage();
        }
        LogitNetClassifier c = new LogitNetClassifier().setMaxIter(3).setBackend("cuda");
        SparkException e = assertThrows(SparkException.class, () -> c.fit(frame));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }
}
