package io.logitnet.data;

import io.logitnet.InvalidDataException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Feature scaling (standardization and folding it back into a layer) and the IDX reader, on values worked out by
 * hand.
 */
class DataPreparationTest {
    @TempDir
    Path dir;

    /** Columns: 1..4 (mean 2.5, sd √1.25), the constant 7, and ±2 (mean 0, sd 2). */
    private static Dataset table() {
        return new Dataset(new float[] {1, 7, -2, 2, 7, 2, 3, 7, -2, 4, 7, 2}, 4, 3, new float[4], 1, null);
    }

    @Test
    void dataSetsFromArraysNameTheRowAndColumnOfABadValue() {
        InvalidDataException ragged = assertThrows(InvalidDataException.class,
                () -> Dataset.of(new float[][] {{1f, 2f}, {3f, 4f}, {5f}}, new float[3]));
        assertEquals(3, ragged.line());
        InvalidDataException nan = assertThrows(InvalidDataException.class,
                () -> Dataset.of(new float[][] {{1f, 2f}, {3f, Float.NaN}}, new float[2]));
        assertEquals(2, nan.line());
        assertEquals(2, nan.column());
        InvalidDataException target = assertThrows(InvalidDataException.class,
                () -> Dataset.of(new float[][] {{1f}, {2f}, {3f}}, new float[] {0f, 1f, Float.POSITIVE_INFINITY}));
        assertEquals(3, target.line());
        assertThrows(InvalidDataException.class, () -> Dataset.of(new float[][] {{1f}}, new float[2]));
        assertThrows(IllegalArgumentException.class, () -> new Dataset(new float[0], 0, 2, new float[0], 1, null));
        assertThrows(IllegalArgumentException.class, () -> new Dataset(new float[0], 2, 0, new float[2], 1, null));
        Dataset d = Dataset.of(new float[][] {{1f, 10f}, {2f, 20f}, {3f, 30f}, {4f, 40f}}, new int[] {0, 1, 2, 3});
        Dataset s = d.shuffled(5);
        int[] perm = Dataset.permutation(4, new java.util.Random(5));
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(d.row(perm[i]), s.row(i));
            assertEquals(d.y()[perm[i]], s.y()[i]);
        }
    }

    @Test
    void standardizationCentresAndScalesEachColumnAndOnlyCentresAConstantOne() {
        double[][] s = Standardizer.fit(table());
        assertArrayEquals(new double[] {2.5, 7, 0}, s[0], 1e-12);
        assertArrayEquals(new double[] {Math.sqrt(1.25), 1, 2}, s[1], 1e-12);
        Dataset z = Standardizer.apply(table(), s);
        float[] expected = new float[12];
        float[] x = table().x();
        for (int i = 0; i < 12; i++) {
            expected[i] = (float) ((x[i] - s[0][i % 3]) / s[1][i % 3]);
        }
        assertArrayEquals(expected, z.x());
        assertEquals(0f, z.x()[1]);
        assertEquals(-1f, z.x()[2]);
        // a large constant is constant too; a small spread around a large mean is not
        Dataset big = new Dataset(new float[] {1e6f, 1e6f, 1e6f + 0.125f, 1e6f}, 4, 1, new float[4], 1, null);
        double[][] b = Standardizer.fit(big);
        assertEquals(Math.sqrt(3 * 0.03125 * 0.03125 + 0.09375 * 0.09375) / 2, b[1][0], 1e-9);
        Dataset constant = new Dataset(new float[] {1e6f, 1e6f}, 2, 1, new float[2], 1, null);
        assertEquals(1.0, Standardizer.fit(constant)[1][0]);
    }

    @Test
    void foldingTheScalingIntoALayerGivesTheSameOutputsOnRawFeatures() {
        double[][] s = Standardizer.fit(table());
        float[] w = {0.5f, -1f, 2f, 1.5f, 0.25f, -0.75f}; // [2 outputs, 3 inputs]
        float[] b = {0.1f, -0.2f};
        float[] wf = w.clone();
        float[] bf = b.clone();
        Standardizer.fold(wf, bf, 3, s);
        double[] x = {3.5, 7, -1};
        for (int o = 0; o < 2; o++) {
            double onScaled = b[o];
            double onRaw = bf[o];
            for (int k = 0; k < 3; k++) {
                onScaled += w[o * 3 + k] * (x[k] - s[0][k]) / s[1][k];
                onRaw += wf[o * 3 + k] * x[k];
            }
            assertEquals(onScaled, onRaw, 1e-5, "output " + o);
        }
    }

    private static byte[] idx(int type, int[] dims, byte[] values) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + values.length);
        b.putInt((type << 8) | dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.put(values).array();
    }

    private Path write(String name, byte[] bytes, boolean gzip) throws IOException {
        Path f = dir.resolve(name);
        if (gzip) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (OutputStream z = new GZIPOutputStream(out)) {
                z.write(bytes);
            }
            bytes = out.toByteArray();
        }
        Files.write(f, bytes);
        return f;
    }

    @Test
    void imagesAndLabelsBecomePixelsInZeroOneAndClassIndices() throws IOException {
        byte[] pixels = {0, (byte) 255, (byte) 128, 1, 2, 3, 4, 5, (byte) 200, 10, 20, 30};
        Path images = write("images.idx.gz", idx(8, new int[] {3, 2, 2}, pixels), true);
        Path labels = write("labels.idx", idx(8, new int[] {3}, new byte[] {7, 0, 9}), false);
        Dataset d = IdxReader.readImagesAndLabels(images, labels);
        assertEquals(3, d.rows());
        assertEquals(4, d.cols());
        float[] expected = new float[12];
        for (int i = 0; i < 12; i++) {
            expected[i] = (pixels[i] & 0xff) / 255f;
        }
        assertArrayEquals(expected, d.x());
        assertArrayEquals(new float[] {7, 0, 9}, d.y());
        assertEquals(List.of("pixel0", "pixel1", "pixel2", "pixel3"), d.featureNames());

        Path twoLabels = write("two.idx", idx(8, new int[] {2}, new byte[] {1, 2}), false);
        assertThrows(InvalidDataException.class, () -> IdxReader.readImagesAndLabels(images, twoLabels));
        Path pairs = write("pairs.idx", idx(8, new int[] {3, 2}, new byte[6]), false);
        assertThrows(InvalidDataException.class, () -> IdxReader.readImagesAndLabels(images, pairs));

        Dataset normalized = Mnist.normalize(d);
        for (int i = 0; i < 12; i++) {
            assertEquals((expected[i] - 0.1307f) / 0.3081f, normalized.x()[i]);
        }
        assertArrayEquals(d.y(), normalized.y());
    }

    @Test
    void theIdxHeaderIsChecked() throws IOException {
        // four dimensions are the most, each at least 1; the element type must be unsigned bytes
        assertEquals(1, IdxReader.read(new ByteArrayInputStream(idx(8, new int[] {1, 1, 1, 1}, new byte[1])), "4d")
                .count());
        assertThrows(InvalidDataException.class, () -> IdxReader.read(new ByteArrayInputStream(
                idx(8, new int[] {1, 1, 1, 1, 1}, new byte[1])), "5d"));
        assertThrows(InvalidDataException.class, () -> IdxReader.read(new ByteArrayInputStream(
                idx(8, new int[] {}, new byte[0])), "0d"));
        assertThrows(InvalidDataException.class, () -> IdxReader.read(new ByteArrayInputStream(
                idx(8, new int[] {2, 0}, new byte[0])), "empty dimension"));
        assertThrows(InvalidDataException.class, () -> IdxReader.read(new ByteArrayInputStream(
                idx(9, new int[] {2}, new byte[2])), "signed bytes"));
        assertThrows(InvalidDataException.class, () -> IdxReader.read(new ByteArrayInputStream(
                idx(8, new int[] {3}, new byte[2])), "truncated"));
        assertThrows(InvalidDataException.class, () -> IdxReader.read(new ByteArrayInputStream(
                idx(8, new int[] {65536, 32768}, new byte[0])), "too large"));
        IdxReader.IdxArray a = IdxReader.read(new ByteArrayInputStream(idx(8, new int[] {2, 3},
                new byte[] {(byte) 255, (byte) 128, 127, 0, 1, (byte) 200})), "bytes");
        assertArrayEquals(new int[] {255, 128, 127, 0, 1, 200}, a.values());
        assertEquals(3, a.itemSize());
    }
}
