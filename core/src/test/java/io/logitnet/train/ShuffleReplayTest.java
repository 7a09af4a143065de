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
import org.junit.jupiter.api.Test;

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
 * step with batch size 1 and plain SGD, from the same initial weights with the CPU backend's own operations (so the
 * arithmetic is the same), and compared bit for bit.
 */
class ShuffleReplayTest {
    private static final long SEED = 7;
    private static final float LR = 0.1f;
    private static final Architecture ARCH = new Architecture(List.of(2, 4, 1), List.of(Activation.TANH),
            Loss.SIGMOID_BINARY_CROSS_ENTROPY);

    @Test
    void twoEpochsOfSgdWithBatchSizeOneFollowTheDocumentedPermutations() {
        Dataset data = TestData.circles(40, 0.2, 11);
        TrainConfig config = TrainConfig.defaults().withEpochs(2).withBatchSize(1).withSeed(SEED)
                .withValidationSplit(0.25).withPatience(0).withOptimizer(OptimizerSpec.sgd(LR, 0f));
        try (CpuBackend cpu = new CpuBackend();
             Network net = Network.create(cpu, ARCH, Init.AUTO, SEED, false)) {
            List<float[]> initial = net.parameterArrays();
            History h = new Trainer(config, null).fit(net, data);
            assertEquals(2, h.epochs().size());
            List<float[]> trained = net.parameterArrays();

            // the split: the last quarter of the seeded permutation is held out
            int[] split = Dataset.permutation(data.rows(), new Random(SEED));
            int nTrain = data.rows() - 10;
            Dataset train = data.subset(Arrays.copyOfRange(split, 0, nTrain));
            int[] first = Dataset.permutation(nTrain, Trainer.epochRandom(SEED, 1));
            int[] second = Dataset.permutation(nTrain, Trainer.epochRandom(SEED, 2));
            assertFalse(Arrays.equals(first, second), "the two epochs' orders should differ for this seed");

            List<float[]> replayed = replay(cpu, initial, train, first, second);
            for (int i = 0; i < trained.size(); i++) {
                assertArrayEquals(replayed.get(i), trained.get(i), "parameter " + i + " ([W0, b0, W1, b1])");
            }
        }
    }

    /** SGD with batch size 1 over the rows in the given orders, one epoch per order. */
    private static List<float[]> replay(CpuBackend cpu, List<float[]> initial, Dataset train, int[]... orders) {
        try (Tensor w0 = cpu.upload(initial.get(0), 4, 2); Tensor b0 = cpu.upload(initial.get(1), 1, 4);
             Tensor w1 = cpu.upload(initial.get(2), 1, 4); Tensor b1 = cpu.upload(initial.get(3), 1, 1);
             Tensor gw0 = cpu.allocate(4, 2); Tensor gb0 = cpu.allocate(1, 4);
             Tensor gw1 = cpu.allocate(1, 4); Tensor gb1 = cpu.allocate(1, 1);
             Tensor x = cpu.allocate(1, 2); Tensor y = cpu.allocate(1, 1);
             Tensor h = cpu.allocate(1, 4); Tensor dh = cpu.allocate(1, 4);
             Tensor z = cpu.allocate(1, 1); Tensor dz = cpu.allocate(1, 1); Tensor loss = cpu.allocate(1, 1)) {
            for (int[] order : orders) {
                for (int row : order) {
                    cpu.upload(train.row(row), 0, x);
                    cpu.upload(new float[] {train.y()[row]}, 0, y);
                    // forward: h = tanh(x·W0ᵀ + b0), z = h·W1ᵀ + b1
                    cpu.gemm(false, true, 1f, x, w0, 0f, h);
                    cpu.addRowVector(h, b0);
                    cpu.activationForward(Activation.TANH, h, h);
                    cpu.gemm(false, true, 1f, h, w1, 0f, z);
                    cpu.addRowVector(z, b1);
                    // backward of the mean loss over a batch of one
                    cpu.lossForwardBackward(Loss.SIGMOID_BINARY_CROSS_ENTROPY, z, y, dz, loss, 1f);
                    cpu.gemm(true, false, 1f, dz, h, 0f, gw1);
                    cpu.columnSums(dz, gb1);
                    cpu.gemm(false, false, 1f, dz, w1, 0f, dh);
                    cpu.activationBackward(Activation.TANH, h, dh, dh);
                    cpu.gemm(true, false, 1f, dh, x, 0f, gw0);
                    cpu.columnSums(dh, gb0);
                    // p -= lr·g
                    cpu.sgdUpdate(w0, gw0, null, LR, 0f, false);
                    cpu.sgdUpdate(b0, gb0, null, LR, 0f, false);
                    cpu.sgdUpdate(w1, gw1, null, LR, 0f, false);
                    cpu.sgdUpdate(b1, gb1, null, LR, 0f, false);
                }
            }
            return List.of(w0.toArray(), b0.toArray(), w1.toArray(), b1.toArray());
        }
    }
}
