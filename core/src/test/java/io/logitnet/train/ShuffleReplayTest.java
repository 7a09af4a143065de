package io.logitnet.train;

import io.logitnet.backend.Activation;
import io.logitnet.backend.Loss;
import io.logitnet.backend.Tensor;
import io.logitnet.cpu.CpuBackend;
import io.logitnet.data.Dataset;
import io.logitnet.nn.Architecture;
import io.logitnet.nn.Init;
import io.logitnet.nn.Network;
import io.logitnet.testing.TestData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The Trainer visits the training rows in the documented order: the validation split takes the last rows of
 * {@code Dataset.permutation(n, new Random(seed))}, and epoch e visits the training rows in the order
 * {@code Dataset.permutation(nTrain, Trainer.epochRandom(seed, e))}, a new order every epoch. Replayed here, step by
 * step with plain or momentum SGD, from the same initial weights with the CPU backend's own operations (so the
 * arithmetic is the same), and compared bit for bit: the weights, and each epoch's reported training objective (the
 * mean of the batch losses taken while the weights moved, plus the L2 penalty). The validation loss and accuracy of
 * each epoch are checked against a double-precision forward pass.
 */
class ShuffleReplayTest {
    private static final long SEED = 7;
    private static final float LR = 0.1f;
    private static final int EPOCHS = 2;
    private static final Architecture ARCH = new Architecture(List.of(2, 4, 1), List.of(Activation.TANH),
            Loss.SIGMOID_BINARY_CROSS_ENTROPY);

    @ParameterizedTest(name = "{0} rows, batch {1}, momentum {2}, l2 {3}, {4} schedule")
    @CsvSource({"40, 1, 0, 0, CONSTANT", "42, 4, 0.5, 0.01, COSINE"})
    void twoEpochsOfSgdFollowTheDocumentedPermutations(int rows, int batch, float momentum, float l2,
                                                       TrainConfig.Schedule schedule) {
        // 42 rows: 11 for validation, 31 for training, so the last batch of each epoch is a partial one
        Dataset data = TestData.circles(rows, 0.2, 11);
        TrainConfig config = TrainConfig.defaults().withEpochs(EPOCHS).withBatchSize(batch).withSeed(SEED)
                .withValidationSplit(0.25).withPatience(0).withOptimizer(OptimizerSpec.sgd(LR, momentum))
                .withL2(l2).withSchedule(schedule);
        try (CpuBackend cpu = new CpuBackend();
             Network net = Network.create(cpu, ARCH, Init.AUTO, SEED, false)) {
            List<float[]> initial = net.parameterArrays();
            History h = new Trainer(config, null).fit(net, data);
            assertEquals(EPOCHS, h.epochs().size());
            List<float[]> trained = net.parameterArrays();

            // the split: the last quarter of the seeded permutation is held out
            int[] split = Dataset.permutation(data.rows(), new Random(SEED));
            int nTrain = data.rows() - (int) Math.round(data.rows() * 0.25);
            Dataset train = data.subset(Arrays.copyOfRange(split, 0, nTrain));
            Dataset val = data.subset(Arrays.copyOfRange(split, nTrain, data.rows()));
            int[][] orders = new int[EPOCHS][];
            for (int e = 1; e <= EPOCHS; e++) {
                orders[e - 1] = Dataset.permutation(nTrain, Trainer.epochRandom(SEED, e));
            }
            assertFalse(Arrays.equals(orders[0], orders[1]), "the two epochs' orders should differ for this seed");

            Replay replay = new Replay(cpu, initial, batch, momentum, l2, schedule, EPOCHS * ((nTrain + batch - 1)
                    / batch));
            for (int e = 0; e < EPOCHS; e++) {
                double objective = replay.epoch(train, orders[e]);
                EpochResult r = h.epochs().get(e);
                assertEquals(e + 1, r.epoch());
                assertEquals(objective, r.trainObjective(), 0.0, "training objective of epoch " + (e + 1));
                double[] valLossAndAccuracy = replay.evaluate(val);
                assertEquals(valLossAndAccuracy[0], r.validationLoss(), 1e-5 * valLossAndAccuracy[0],
                        "validation loss of epoch " + (e + 1));
                assertEquals(valLossAndAccuracy[1], r.metrics().get("accuracy"), 0.0);
                assertEquals(r.validationLoss(), r.metrics().get("log_loss"), 0.0);
            }
            List<float[]> replayed = replay.parameters();
            for (int i = 0; i < trained.size(); i++) {
                assertArrayEquals(replayed.get(i), trained.get(i), "parameter " + i + " ([W0, b0, W1, b1])");
            }
            replay.close();
        }
    }

    /** SGD over the rows in a given order, in the CPU backend's operations, as a 2-4-1 tanh network trains. */
    private static final class Replay implements AutoCloseable {
        private final CpuBackend cpu;
        private final int batch;
        private final float momentum;
        private final float l2;
        private final TrainConfig.Schedule schedule;
        private final long totalSteps;
        private final Tensor[] params;
        private final Tensor[] velocity = new Tensor[4];
        private long steps;

        Replay(CpuBackend cpu, List<float[]> initial, int batch, float momentum, float l2,
               TrainConfig.Schedule schedule, long totalSteps) {
            this.cpu = cpu;
            this.batch = batch;
            this.momentum = momentum;
            this.l2 = l2;
            this.schedule = schedule;
            this.totalSteps = totalSteps;
            params = new Tensor[] {cpu.upload(initial.get(0), 4, 2), cpu.upload(initial.get(1), 1, 4),
                cpu.upload(initial.get(2), 1, 4), cpu.upload(initial.get(3), 1, 1)};
            for (int i = 0; i < 4; i++) {
                velocity[i] = cpu.allocate(params[i].rows(), params[i].cols());
            }
        }

        /** One epoch; returns the training objective as the Trainer reports it. */
        double epoch(Dataset train, int[] order) {
            Tensor w0 = params[0];
            Tensor b0 = params[1];
            Tensor w1 = params[2];
            Tensor b1 = params[3];
            try (Tensor lossSum = cpu.allocate(1, 1); Tensor batchLoss = cpu.allocate(1, 1);
                 Tensor gw0 = cpu.allocate(4, 2); Tensor gb0 = cpu.allocate(1, 4);
                 Tensor gw1 = cpu.allocate(1, 4); Tensor gb1 = cpu.allocate(1, 1)) {
                Tensor[] grads = {gw0, gb0, gw1, gb1};
                for (int start = 0; start < order.length; start += batch) {
                    int rows = Math.min(batch, order.length - start);
                    float[] xs = new float[rows * 2];
                    float[] ys = new float[rows];
                    for (int i = 0; i < rows; i++) {
                        System.arraycopy(train.row(order[start + i]), 0, xs, i * 2, 2);
                        ys[i] = train.y()[order[start + i]];
                    }
                    try (Tensor x = cpu.upload(xs, rows, 2); Tensor y = cpu.upload(ys, rows, 1);
                         Tensor h = cpu.allocate(rows, 4); Tensor dh = cpu.allocate(rows, 4);
                         Tensor z = cpu.allocate(rows, 1); Tensor dz = cpu.allocate(rows, 1);
                         Tensor rowLoss = cpu.allocate(rows, 1)) {
                        // forward: h = tanh(x·W0ᵀ + b0), z = h·W1ᵀ + b1
                        cpu.gemm(false, true, 1f, x, w0, 0f, h);
                        cpu.addRowVector(h, b0);
                        cpu.activationForward(Activation.TANH, h, h);
                        cpu.gemm(false, true, 1f, h, w1, 0f, z);
                        cpu.addRowVector(z, b1);
                        // the mean loss over the batch, its sum kept for the epoch's objective
                        cpu.lossForwardBackward(Loss.SIGMOID_BINARY_CROSS_ENTROPY, z, y, dz, rowLoss, 1f / rows);
                        cpu.columnSums(rowLoss, batchLoss);
                        cpu.axpy(1f, batchLoss, lossSum);
                        // backward, then the L2 term l2·W on the weights only
                        cpu.gemm(true, false, 1f, dz, h, 0f, gw1);
                        cpu.columnSums(dz, gb1);
                        cpu.gemm(false, false, 1f, dz, w1, 0f, dh);
                        cpu.activationBackward(Activation.TANH, h, dh, dh);
                        cpu.gemm(true, false, 1f, dh, x, 0f, gw0);
                        cpu.columnSums(dh, gb0);
                        if (l2 != 0f) {
                            cpu.axpy(l2, w0, gw0);
                            cpu.axpy(l2, w1, gw1);
                        }
                    }
                    // the schedule scales the base rate by its factor at this step (0-based) of all steps
                    float lr = LR * schedule.factor(steps, totalSteps);
                    for (int i = 0; i < 4; i++) {
                        cpu.sgdUpdate(params[i], grads[i], momentum == 0f ? null : velocity[i], lr, momentum, false);
                    }
                    steps++;
                }
                double penalty = 0.5 * l2 * (cpu.dot(w0, w0) + cpu.dot(w1, w1));
                // the Trainer divides the float sum by the row count in float
                return lossSum.toArray()[0] / order.length + (l2 == 0f ? 0 : penalty);
            }
        }

        /** Mean validation loss and accuracy from a double-precision forward pass of the current weights. */
        double[] evaluate(Dataset val) {
            float[] w0 = params[0].toArray();
            float[] b0 = params[1].toArray();
            float[] w1 = params[2].toArray();
            float[] b1 = params[3].toArray();
            double loss = 0;
            int correct = 0;
            for (int r = 0; r < val.rows(); r++) {
                float[] x = val.row(r);
                double z = b1[0];
                for (int j = 0; j < 4; j++) {
                    z += w1[j] * Math.tanh(w0[j * 2] * (double) x[0] + w0[j * 2 + 1] * (double) x[1] + b0[j]);
                }
                double t = val.y()[r];
                loss += Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z)));
                if ((z > 0) == (t >= 0.5)) {
                    correct++;
                }
            }
            return new double[] {loss / val.rows(), correct / (double) val.rows()};
        }

        List<float[]> parameters() {
            return List.of(params[0].toArray(), params[1].toArray(), params[2].toArray(), params[3].toArray());
        }

        @Override
        public void close() {
            for (int i = 3; i >= 0; i--) {
                velocity[i].close();
                params[i].close();
            }
        }
    }
}
