package io.logitnet.data;

import io.logitnet.backend.Activation;
import io.logitnet.backend.Loss;
import io.logitnet.cpu.CpuBackend;
import io.logitnet.nn.Architecture;
import io.logitnet.nn.Init;
import io.logitnet.nn.Network;
import io.logitnet.train.History;
import io.logitnet.train.OptimizerSpec;
import io.logitnet.train.TrainConfig;
import io.logitnet.train.Trainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Streaming a training file in passes: statistics, the window shuffle, and training equal to training in memory. */
class CsvBatchSourceTest {
    private static final CsvTuning SMALL_BLOCKS = new CsvTuning(512, 1);
    private static final int ROWS = 333;
    private static CpuBackend cpu;

    @TempDir
    static Path dir;
    private static Path file;

    @BeforeAll
    static void writeFile() throws IOException {
        cpu = new CpuBackend();
        Random r = new Random(3);
        StringBuilder sb = new StringBuilder("id,x1,color,x2,label\n");
        String[] colors = {"red", "green", "blue"};
        for (int i = 0; i < ROWS; i++) {
            double x1 = r.nextGaussian() * 3 + 10;
            double x2 = r.nextGaussian();
            String color = colors[r.nextInt(3)];
            boolean positive = x1 - 10 + 2 * x2 + (color.equals("red") ? 1 : 0) + r.nextGaussian() > 0;
            sb.append("row").append(i).append(',').append(String.format(Locale.ROOT, "%.5f", x1)).append(',')
                    .append(color).append(',').append(String.format(Locale.ROOT, "%.4g", x2)).append(',')
                    .append(positive ? "yes" : "no").append('\n');
        }
        file = dir.resolve("train.csv");
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    private static CsvBatchSource open(int window) {
        return CsvBatchSource.open(file, Target.classes("label"), FeatureSelection.excluding(List.of("id")),
                new CsvBatchSource.Options(true, window), SMALL_BLOCKS);
    }

    private static TrainingData inMemory() {
        return CsvReader.readTraining(file, Target.classes("label"), FeatureSelection.excluding(List.of("id")));
    }

    /** Every batch of one epoch, as rows: features then the target. */
    private static List<float[]> epochRows(BatchSource s, Random shuffle, int batch) {
        List<float[]> out = new ArrayList<>();
        try (BatchSource.Batches it = s.epoch(shuffle, batch)) {
            for (BatchSource.Batch b = it.next(); b != null; b = it.next()) {
                assertTrue(b.rows() == batch || out.size() + b.rows() == s.rows(), "only the last batch is short");
                for (int i = 0; i < b.rows(); i++) {
                    float[] row = Arrays.copyOf(Arrays.copyOfRange(b.x(), i * s.cols(), (i + 1) * s.cols()),
                            s.cols() + 1);
                    row[s.cols()] = b.y()[i];
                    out.add(row);
                }
            }
            assertNull(it.next(), "the end stays the end");
        }
        return out;
    }

    private static float[] row(Dataset d, int i) {
        float[] r = Arrays.copyOf(d.row(i), d.cols() + 1);
        r[d.cols()] = d.y()[i];
        return r;
    }

    @Test
    void theFirstPassFindsWhatReadingInMemoryFinds() {
        TrainingData d = inMemory();
        try (CsvBatchSource s = open(0)) {
            assertEquals(ROWS, s.rows());
            assertEquals(d.encoding(), s.encoding());
            assertEquals(d.classes(), s.classes());
            assertEquals(List.of("x1", "color=blue", "color=green", "color=red", "x2"), s.featureNames());
            double[][] expected = Standardizer.fit(d.dataset());
            double[][] got = s.scaling();
            for (int k = 0; k < s.cols(); k++) {
                assertEquals(expected[0][k], got[0][k], 1e-12 * Math.max(1, Math.abs(expected[0][k])), "mean " + k);
                assertEquals(expected[1][k], got[1][k], 1e-12 * expected[1][k], "sd " + k);
            }
        }
    }

    @Test
    void aWindowOfEveryRowGivesTheInMemoryPermutation() {
        TrainingData d = inMemory();
        try (CsvBatchSource s = open(0)) {
            assertEquals(ROWS, s.windowRows());
            Dataset standardized = Standardizer.apply(d.dataset(), s.scaling());
            int[] perm = Dataset.permutation(ROWS, new Random(77));
            List<float[]> rows = epochRows(s, new Random(77), 16);
            assertEquals(ROWS, rows.size());
            for (int i = 0; i < ROWS; i++) {
                assertArrayEquals(row(standardized, perm[i]), rows.get(i), "position " + i);
            }
        }
    }

    @Test
    void smallWindowsShuffleWithinThemselvesAndDeterministically() {
        TrainingData d = inMemory();
        int window = 10;
        try (CsvBatchSource s = open(window)) {
            Dataset standardized = Standardizer.apply(d.dataset(), s.scaling());
            List<float[]> a = epochRows(s, new Random(5), 4);
            List<float[]> again = epochRows(s, new Random(5), 4);
            List<float[]> other = epochRows(s, new Random(6), 4);
            List<float[]> fileOrder = epochRows(s, null, 7);
            assertEquals(ROWS, a.size());
            boolean differs = false;
            for (int i = 0; i < ROWS; i++) {
                assertArrayEquals(a.get(i), again.get(i));
                assertArrayEquals(row(standardized, i), fileOrder.get(i));
                differs |= !Arrays.equals(a.get(i), other.get(i));
            }
            assertTrue(differs, "another seed, another order");
            for (int w = 0; w * window < ROWS; w++) {
                Set<String> expected = new HashSet<>();
                Set<String> got = new HashSet<>();
                for (int i = w * window; i < Math.min(ROWS, (w + 1) * window); i++) {
                    expected.add(Arrays.toString(row(standardized, i)));
                    got.add(Arrays.toString(a.get(i)));
                }
                assertEquals(expected, got, "window " + w + " holds its own rows");
            }
            assertNotEquals(Arrays.toString(a.get(0)), Arrays.toString(fileOrder.get(0)));
        }
    }

    @Test
    void streamedTrainingEqualsTrainingInMemory() {
        TrainingData d = inMemory();
        TrainConfig config = TrainConfig.defaults().withOptimizer(OptimizerSpec.adam(0.01f)).withBatchSize(16)
                .withEpochs(3).withSeed(9);
        Architecture arch = new Architecture(List.of(5, 4, 1), List.of(Activation.TANH),
                Loss.SIGMOID_BINARY_CROSS_ENTROPY);
        try (CsvBatchSource s = open(0);
             Network inMemory = Network.create(cpu, arch, Init.AUTO, 9, false);
             Network streamed = Network.create(cpu, arch, Init.AUTO, 9, false)) {
            Dataset standardized = Standardizer.apply(d.dataset(), s.scaling());
            History h1 = new Trainer(config, null).fit(inMemory, standardized);
            History h2 = new Trainer(config, null).fit(streamed, s, null, null);
            assertEquals(3, h2.epochs().size());
            for (int e = 0; e < 3; e++) {
                assertEquals(h1.epochs().get(e).trainObjective(), h2.epochs().get(e).trainObjective(), 0,
                        "epoch " + e);
            }
            for (int layer = 0; layer < 2; layer++) {
                assertArrayEquals(inMemory.weight(layer), streamed.weight(layer));
                assertArrayEquals(inMemory.bias(layer), streamed.bias(layer));
            }
        }
    }

    @Test
    void fullBatchOptimizersAndValidationSplitsAreRefused() {
        Architecture arch = new Architecture(List.of(5, 1), List.of(), Loss.SIGMOID_BINARY_CROSS_ENTROPY);
        try (CsvBatchSource s = open(0); Network net = Network.create(cpu, arch, Init.ZEROS, 1, false)) {
            assertThrows(IllegalArgumentException.class, () -> new Trainer(TrainConfig.defaults()
                    .withOptimizer(OptimizerSpec.lbfgs()), null).fit(net, s, null, null));
            assertThrows(IllegalArgumentException.class, () -> new Trainer(TrainConfig.defaults()
                    .withValidationSplit(0.2), null).fit(net, s, null, null));
        }
    }

    @Test
    void anEpochLeftEarlyStopsItsThreadsAndTheNextOneStartsOver() {
        try (CsvBatchSource s = open(10)) {
            List<float[]> full = epochRows(s, null, 8);
            try (BatchSource.Batches it = s.epoch(null, 8)) {
                assertEquals(8, it.next().rows());
            }
            assertEquals(full.size(), epochRows(s, null, 8).size());
            long rowBytes = 4L * (s.cols() + 1);
            assertEquals((CsvBatchSource.AHEAD + 2) * rowBytes, s.residentBytes(9) - s.residentBytes(8),
                    "each batch row counts for the batches ahead and the one in use");
            assertTrue(s.residentBytes(8) < rowBytes * ROWS + 4L * SMALL_BLOCKS.blockBytes(),
                    "a window smaller than the file holds less than the data set: " + s.residentBytes(8));
        }
    }
}
