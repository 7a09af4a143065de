package io.logitnet.train;

import io.logitnet.LogitNetException;
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
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the Trainer promises besides the weights: the listener's protocol, epoch timings, the validation split's
 * sizes, when early stopping applies (patience, minimum improvement, only with a validation split), full-batch
 * training on data larger than one chunk (checked against the optimality condition in double precision), and its
 * errors.
 */
class TrainerBehaviourTest {
    private static final Architecture NET = new Architecture(List.of(2, 6, 1), List.of(Activation.TANH),
            Loss.SIGMOID_BINARY_CROSS_ENTROPY);
    private static final Architecture LOGISTIC = new Architecture(List.of(3, 1), List.of(),
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

    /** Records the listener calls in order. */
    private static final class Recorder implements TrainingListener {
        final List<String> calls = new ArrayList<>();
        final List<EpochResult> epochs = new ArrayList<>();
        int planned = -1;
        History finished;

        @Override
        public void started(String description, int plannedEpochs) {
            calls.add("started");
            planned = plannedEpochs;
        }

        @Override
        public void epoch(EpochResult result) {
            calls.add("epoch " + result.epoch());
            epochs.add(result);
        }

        @Override
        public void finished(History history) {
            calls.add("finished");
            finished = history;
        }
    }

    private static History fit(TrainConfig c, Dataset d, TrainingListener l) {
        try (Network net = Network.create(cpu, NET, Init.AUTO, c.seed(), false)) {
            return new Trainer(c, l).fit(net, d);
        }
    }

    @Test
    void theListenerHearsStartedThenEachEpochThenFinishedAndTimingsAreWallTime() {
        Recorder r = new Recorder();
        TrainConfig c = TrainConfig.defaults().withEpochs(4).withBatchSize(16).withValidationSplit(0.2)
                .withPatience(0);
        long t0 = System.nanoTime();
        History h = fit(c, TestData.circles(100, 0.1, 1), r);
        double elapsed = (System.nanoTime() - t0) / 1e9;
        assertEquals(List.of("started", "epoch 1", "epoch 2", "epoch 3", "epoch 4", "finished"), r.calls);
        assertEquals(4, r.planned);
        assertSame(h, r.finished);
        assertEquals(r.epochs, h.epochs());
        assertEquals(4, h.last().epoch());
        assertEquals("completed 4 epochs", h.stopReason());
        for (EpochResult e : h.epochs()) {
            assertTrue(e.seconds() >= 0 && e.seconds() <= elapsed, e.seconds() + " s of " + elapsed);
        }
    }

    @Test
    void fullBatchTrainingReportsEachIterationToTheListener() {
        Recorder r = new Recorder();
        TrainConfig c = TrainConfig.defaults().withOptimizer(OptimizerSpec.lbfgs()).withMaxIterations(50);
        long t0 = System.nanoTime();
        History h;
        try (Network net = Network.create(cpu, LOGISTIC, Init.ZEROS, 1, false)) {
            h = new Trainer(c, r).fit(net, logisticData(300, 3));
        }
        double elapsed = (System.nanoTime() - t0) / 1e9;
        assertEquals(50, r.planned);
        assertEquals("started", r.calls.get(0));
        assertEquals("finished", r.calls.get(r.calls.size() - 1));
        assertEquals(h.epochs().size() + 2, r.calls.size());
        assertSame(h, r.finished);
        for (int i = 0; i < h.epochs().size(); i++) {
            assertEquals(i + 1, h.epochs().get(i).epoch());
            assertTrue(r.epochs.get(i).seconds() >= 0 && r.epochs.get(i).seconds() <= elapsed);
        }
        assertTrue(h.converged(), h.stopReason());
    }

    @Test
    void theValidationSplitTakesTheRoundedShareAndLeavesAtLeastOneRowOnEachSide() {
        Dataset d = TestData.circles(10, 0.1, 2);
        Dataset[] parts = new Trainer(TrainConfig.defaults().withValidationSplit(0.05), null).split(d);
        assertEquals(9, parts[0].rows()); // 0.5 rounds up to 1
        assertEquals(1, parts[1].rows());
        parts = new Trainer(TrainConfig.defaults().withValidationSplit(0.9), null).split(d);
        assertEquals(1, parts[0].rows());
        assertEquals(9, parts[1].rows());
        // the training rows come first in the seeded permutation, the validation rows last
        int[] perm = Dataset.permutation(10, new Random(TrainConfig.defaults().seed()));
        assertArrayEquals(d.subset(new int[] {perm[0]}).x(), parts[0].x());
        assertThrows(IllegalArgumentException.class,
                () -> new Trainer(TrainConfig.defaults().withValidationSplit(0.04), null).split(d));
        IllegalArgumentException all = assertThrows(IllegalArgumentException.class,
                () -> new Trainer(TrainConfig.defaults().withValidationSplit(0.95), null).split(d));
        assertTrue(all.getMessage().startsWith("validation split 0.95 of 10 rows"), all.getMessage());
        Dataset[] none = new Trainer(TrainConfig.defaults(), null).split(d);
        assertSame(d, none[0]);
        assertEquals(null, none[1]);
    }

    @Test
    void anImprovementMustExceedMinDelta() {
        // no later epoch improves by 1e9: stopped after `patience` epochs, the first one kept
        TrainConfig base = TrainConfig.defaults().withEpochs(50).withBatchSize(16).withValidationSplit(0.2);
        TrainConfig c = new TrainConfig(base.epochs(), base.batchSize(), base.seed(), base.validationSplit(), 3, 1e9,
                base.optimizer(), base.l2(), base.maxIterations(), base.tolerance(), true, base.schedule());
        History h = fit(c, TestData.circles(100, 0.1, 3), null);
        assertEquals(4, h.epochs().size(), h.stopReason());
        assertEquals(1, h.bestEpoch());
        assertTrue(h.stopReason().startsWith("early stopping"), h.stopReason());
        assertTrue(h.converged());
    }

    @Test
    void earlyStoppingNeedsPatienceAndAValidationSplit() {
        // an improvement threshold no epoch meets: only patience with a validation split can stop the run
        TrainConfig base = TrainConfig.defaults().withEpochs(6).withBatchSize(16);
        TrainConfig noSplit = new TrainConfig(6, 16, 42, 0, 2, 1e9, base.optimizer(), 0f, 1000, 1e-5, true,
                base.schedule());
        History h = fit(noSplit, TestData.circles(80, 0.1, 4), null);
        assertEquals(6, h.epochs().size(), h.stopReason());
        assertEquals(6, h.bestEpoch(), "without a split the last weights are kept");
        assertEquals(false, h.converged());
        TrainConfig noPatience = new TrainConfig(6, 16, 42, 0.2, 0, 1e9, base.optimizer(), 0f, 1000, 1e-5, true,
                base.schedule());
        h = fit(noPatience, TestData.circles(80, 0.1, 4), null);
        assertEquals(6, h.epochs().size(), h.stopReason());
        assertEquals(6, h.bestEpoch());
    }

    @Test
    void rowsWithSeveralTargetsKeepTheirTargetsTogether() {
        // targets (t, 2t): from zero weights every quantity of output 2 is exactly twice that of output 1 (doubling
        // is exact in float), so the trained weights keep that ratio bit for bit if each row's targets stay paired
        Dataset circles = TestData.circles(45, 0.1, 9);
        float[] y = new float[90];
        for (int i = 0; i < 45; i++) {
            y[2 * i] = circles.x()[2 * i] + 0.5f;
            y[2 * i + 1] = 2 * y[2 * i];
        }
        Dataset d = new Dataset(circles.x(), 45, 2, y, 2, null);
        Architecture twoOutputs = new Architecture(List.of(2, 2), List.of(), Loss.SQUARED_ERROR);
        TrainConfig c = TrainConfig.defaults().withEpochs(3).withBatchSize(4).withValidationSplit(0.2)
                .withPatience(0).withOptimizer(OptimizerSpec.sgd(0.05f, 0f));
        try (Network net = Network.create(cpu, twoOutputs, Init.ZEROS, 1, false)) {
            History h = new Trainer(c, null).fit(net, d);
            float[] w = net.weight(0);
            float[] b = net.bias(0);
            assertEquals(2 * w[0], w[2]);
            assertEquals(2 * w[1], w[3]);
            assertEquals(2 * b[0], b[1]);
            assertTrue(w[0] != 0f, "trained");
            // the validation loss and mean squared error over both outputs, in double
            Dataset val = new Trainer(c, null).split(d)[1];
            double loss = 0;
            double squares = 0;
            for (int i = 0; i < val.rows(); i++) {
                for (int o = 0; o < 2; o++) {
                    double z = b[o] + (double) w[o * 2] * val.x()[i * 2] + (double) w[o * 2 + 1] * val.x()[i * 2 + 1];
                    double r = z - val.y()[i * 2 + o];
                    loss += 0.5 * r * r;
                    squares += r * r;
                }
            }
            EpochResult last = h.last();
            assertEquals(loss / val.rows(), last.validationLoss(), 1e-5 * loss / val.rows());
            assertEquals(squares / (2 * val.rows()), last.metrics().get("mse"), 1e-5 * squares / (2 * val.rows()));
        }
    }

    @Test
    void fullBatchTrainingOnExactlyOneChunkOfRows() {
        Dataset d = logisticData(16_384, 8);
        try (Network net = Network.create(cpu, LOGISTIC, Init.ZEROS, 1, false)) {
            History h = new Trainer(TrainConfig.defaults().withOptimizer(OptimizerSpec.lbfgs()).withTolerance(1e-5),
                    null).fit(net, d);
            assertTrue(h.converged(), h.stopReason());
            double[] g = new double[4];
            double[] at = logistic(d, net.weight(0), net.bias(0)[0], g);
            assertEquals(at[1], h.last().metrics().get("accuracy"), 0.0);
            assertEquals(at[0], h.last().trainObjective(), 1e-6 * at[0]);
        }
    }

    @Test
    void featuresOfTheWrongWidthAreRejectedWithBothShapesOfTheWholeDataSet() {
        Dataset d = new Dataset(new float[15], 5, 3, new float[5], 1, null);
        try (Network net = Network.create(cpu, NET, Init.AUTO, 1, false)) {
            Trainer t = new Trainer(TrainConfig.defaults().withBatchSize(2), null);
            assertEquals(2, t.config().batchSize());
            ShapeMismatchException e = assertThrows(ShapeMismatchException.class, () -> t.fit(net, d));
            assertArrayEquals(new int[] {5, 2}, e.expected());
            assertArrayEquals(new int[] {5, 3}, e.actual());
        }
    }

    @Test
    void configurationsAtTheEdgesOfTheirRanges() {
        TrainConfig d = TrainConfig.defaults();
        assertEquals(1, d.withEpochs(1).epochs());
        assertEquals(1, d.withMaxIterations(1).maxIterations());
        assertEquals(0, d.withBatchSize(0).batchSize());
        assertEquals(0, d.withPatience(0).patience());
        assertEquals(0.0, d.withTolerance(0).tolerance());
        assertEquals(0f, d.withL2(0f).l2());
        assertEquals(0.999, d.withValidationSplit(0.999).validationSplit());
        assertThrows(IllegalArgumentException.class, () -> d.withEpochs(0));
        assertThrows(IllegalArgumentException.class, () -> d.withMaxIterations(0));
        assertThrows(IllegalArgumentException.class, () -> d.withBatchSize(-1));
        assertThrows(IllegalArgumentException.class, () -> d.withPatience(-1));
        assertThrows(IllegalArgumentException.class, () -> d.withTolerance(-1e-9));
        assertThrows(IllegalArgumentException.class, () -> d.withL2(-1f));
        assertThrows(IllegalArgumentException.class, () -> d.withL2(Float.NaN));
        assertThrows(IllegalArgumentException.class, () -> d.withL2(Float.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> d.withValidationSplit(1));
        assertThrows(IllegalArgumentException.class, () -> d.withValidationSplit(-0.1));
        assertThrows(IllegalArgumentException.class, () -> d.withSchedule(null));
        assertEquals(TrainConfig.Schedule.COSINE, d.withSchedule(TrainConfig.Schedule.COSINE).schedule());
        assertEquals(false, d.withRestoreBest(false).restoreBest());
        assertEquals(7, d.withBatchSize(7).effectiveBatchSize(100));
        assertEquals(5, d.withBatchSize(7).effectiveBatchSize(5));
        assertEquals(200, d.effectiveBatchSize(1000));
        assertEquals(30, d.effectiveBatchSize(30));
    }

    @Test
    void optimizerSpecsCreateWhatTheyDescribe() {
        assertEquals("adamw(lr=0.01, weight_decay=0.1)", OptimizerSpec.adamW(0.01f, 0.1f).describe());
        assertEquals("adam(lr=0.01, weight_decay=0.0)", OptimizerSpec.adam(0.01f).describe());
        assertEquals("sgd(lr=0.1, momentum=0.9, nesterov)", OptimizerSpec.sgd(0.1f, 0.9f).withNesterov(true)
                .describe());
        assertEquals("sgd(lr=0.5, momentum=0.0)", OptimizerSpec.sgd(0.1f, 0f).withLearningRate(0.5f).describe());
        assertEquals("lbfgs(history=10)", OptimizerSpec.lbfgs().describe());
        assertEquals(OptimizerSpec.Kind.LBFGS, OptimizerSpec.Kind.parse(" LBFGS "));
        assertEquals(OptimizerSpec.Kind.SGD, OptimizerSpec.Kind.parse("sgd"));
        assertThrows(IllegalArgumentException.class, () -> OptimizerSpec.Kind.parse("rmsprop"));
        assertTrue(OptimizerSpec.lbfgs().fullBatch());
        assertEquals(false, OptimizerSpec.adam(0.1f).fullBatch());
        assertThrows(IllegalStateException.class, () -> OptimizerSpec.lbfgs().create());
        try (io.logitnet.optim.Optimizer sgd = OptimizerSpec.sgd(0.1f, 0.9f).withNesterov(true).create();
             io.logitnet.optim.Optimizer adamw = OptimizerSpec.adamW(0.01f, 0.1f).create()) {
            assertEquals("sgd(lr=0.1, momentum=0.9, nesterov)", sgd.describe());
            assertTrue(adamw.describe().startsWith("adamw(lr=0.01,"), adamw.describe());
            assertTrue(adamw.describe().endsWith("weight_decay=0.1)"), adamw.describe());
        }
    }

    @Test
    void fullBatchTrainingOfSeveralOutputsOverSeveralChunksReportsEachOutputsError() {
        // 20,000 rows, targets (a + b, a − 2b): two chunks, two outputs, evaluated in chunks as well
        Random r = new Random(12);
        int n = 20_000;
        float[] x = new float[n * 2];
        float[] y = new float[n * 2];
        for (int i = 0; i < n; i++) {
            x[2 * i] = (float) r.nextGaussian();
            x[2 * i + 1] = (float) r.nextGaussian();
            y[2 * i] = (float) (x[2 * i] + x[2 * i + 1] + 0.1 * r.nextGaussian());
            y[2 * i + 1] = (float) (x[2 * i] - 2 * x[2 * i + 1] + 0.1 * r.nextGaussian());
        }
        Dataset d = new Dataset(x, n, 2, y, 2, null);
        Architecture linear = new Architecture(List.of(2, 2), List.of(), Loss.SQUARED_ERROR);
        try (Network net = Network.create(cpu, linear, Init.ZEROS, 1, false)) {
            History h = new Trainer(TrainConfig.defaults().withOptimizer(OptimizerSpec.lbfgs()), null).fit(net, d);
            assertTrue(h.converged(), h.stopReason());
            float[] w = net.weight(0);
            float[] b = net.bias(0);
            double squares = 0;
            for (int i = 0; i < n; i++) {
                for (int o = 0; o < 2; o++) {
                    double z = b[o] + (double) w[2 * o] * x[2 * i] + (double) w[2 * o + 1] * x[2 * i + 1];
                    squares += (z - y[2 * i + o]) * (z - y[2 * i + o]);
                }
            }
            assertEquals(squares / (2 * n), h.last().metrics().get("mse"), 1e-5 * squares / (2 * n));
            assertEquals(1.0, w[0], 0.01);
            assertEquals(-2.0, w[3], 0.01);
        }
    }

    @Test
    void fullBatchTrainingThatIsNotFiniteAtTheStartDiverges() {
        // squared error of targets 1e30 overflows float32 at the zero start
        Architecture linear = new Architecture(List.of(2, 1), List.of(), Loss.SQUARED_ERROR);
        float[] y = new float[20];
        java.util.Arrays.fill(y, 1e30f);
        Dataset d = new Dataset(TestData.circles(20, 0.1, 6).x(), 20, 2, y, 1, null);
        try (Network net = Network.create(cpu, linear, Init.ZEROS, 1, false)) {
            History h = new Trainer(TrainConfig.defaults().withOptimizer(OptimizerSpec.lbfgs()), null).fit(net, d);
            assertTrue(h.diverged(), h.stopReason());
            assertFalse(h.converged());
            assertTrue(h.stopReason().startsWith("diverged: ") && h.stopReason().contains("not finite"),
                    h.stopReason());
        }
    }

    /** Rows of 3 features (two Gaussians and their product) and 0/1 labels from a logistic model with noise. */
    private static Dataset logisticData(int rows, long seed) {
        Random r = new Random(seed);
        float[] x = new float[rows * 3];
        float[] y = new float[rows];
        for (int i = 0; i < rows; i++) {
            double a = r.nextGaussian();
            double b = r.nextGaussian();
            x[i * 3] = (float) a;
            x[i * 3 + 1] = (float) b;
            x[i * 3 + 2] = (float) (a * b);
            double p = 1 / (1 + Math.exp(-(0.5 + 1.5 * a - 2 * b + 0.7 * a * b)));
            y[i] = r.nextDouble() < p ? 1 : 0;
        }
        return new Dataset(x, rows, 3, y, 1, null);
    }

    /** Mean logistic loss, its gradient (into g: w1..w3, b) and accuracy at the given weights, in double. */
    private static double[] logistic(Dataset d, float[] w, float b, double[] g) {
        double loss = 0;
        int correct = 0;
        java.util.Arrays.fill(g, 0);
        for (int i = 0; i < d.rows(); i++) {
            double z = b;
            for (int j = 0; j < 3; j++) {
                z += (double) w[j] * d.x()[i * 3 + j];
            }
            double t = d.y()[i];
            loss += Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z)));
            double r = 1 / (1 + Math.exp(-z)) - t;
            for (int j = 0; j < 3; j++) {
                g[j] += r * d.x()[i * 3 + j] / d.rows();
            }
            g[3] += r / d.rows();
            correct += (z > 0) == (t >= 0.5) ? 1 : 0;
        }
        return new double[] {loss / d.rows(), correct / (double) d.rows()};
    }

    @Test
    void fullBatchTrainingOnMoreRowsThanOneChunkReachesTheOptimumOfAllRows() {
        // 20,000 training rows: two chunks of the full-batch pass; 5,000 more for validation
        Dataset d = logisticData(25_000, 7);
        TrainConfig c = TrainConfig.defaults().withOptimizer(OptimizerSpec.lbfgs()).withTolerance(1e-6)
                .withValidationSplit(0.2);
        History h;
        float[] w;
        float b;
        try (Network net = Network.create(cpu, LOGISTIC, Init.ZEROS, 1, false)) {
            h = new Trainer(c, null).fit(net, d);
            w = net.weight(0);
            b = net.bias(0)[0];
        }
        Dataset[] parts = new Trainer(c, null).split(d);
        assertEquals(20_000, parts[0].rows());
        double[] g = new double[4];
        double[] train = logistic(parts[0], w, b, g);
        double gnorm = Math.sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2] + g[3] * g[3]);
        assertTrue(h.converged(), h.stopReason());
        assertTrue(gnorm < 1e-5, "gradient of the mean loss over all 20,000 training rows: " + gnorm);
        EpochResult last = h.last();
        assertEquals(train[0], last.trainObjective(), 1e-6 * train[0]);
        assertTrue(last.metrics().get("gradient_norm") <= 1e-6, last.metrics().toString());
        double[] val = logistic(parts[1], w, b, new double[4]);
        assertEquals(val[0], last.validationLoss(), 1e-5 * val[0]);
        assertEquals(val[1], last.metrics().get("accuracy"), 0.0);
        assertEquals(last.validationLoss(), last.metrics().get("log_loss"), 0.0);
        assertEquals(h.epochs().size(), last.epoch());
    }
}
