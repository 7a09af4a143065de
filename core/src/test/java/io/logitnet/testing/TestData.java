package io.logitnet.testing;

import io.logitnet.data.Dataset;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Data sets the tests share: synthetic ones made here and the real ones bundled as resources. */
public final class TestData {
    private TestData() {
    }

    /** Two concentric circles (radius 1 and 0.5, Gaussian noise σ), labels 0 outer / 1 inner. */
    public static Dataset circles(int n, double noise, long seed) {
        Random r = new Random(seed);
        float[][] x = new float[n][2];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            int label = i % 2;
            double radius = label == 0 ? 1.0 : 0.5;
            double angle = r.nextDouble() * 2 * Math.PI;
            x[i][0] = (float) (radius * Math.cos(angle) + noise * r.nextGaussian());
            x[i][1] = (float) (radius * Math.sin(angle) + noise * r.nextGaussian());
            y[i] = label;
        }
        return Dataset.of(x, y);
    }

    /** A simple CSV of the bundled data sets: header, numbers, the last column the target. */
    public record Table(String[] header, double[][] x, String[] target) {
    }

    public static Table csv(String name) {
        try (InputStream in = TestData.class.getResourceAsStream("/datasets/" + name);
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String[] header = r.readLine().split(",");
            List<double[]> rows = new ArrayList<>();
            List<String> target = new ArrayList<>();
            String line;
            while ((line = r.readLine()) != null) {
                String[] cells = line.split(",");
                double[] v = new double[cells.length - 1];
                for (int j = 0; j < v.length; j++) {
                    v[j] = Double.parseDouble(cells[j]);
                }
                rows.add(v);
                target.add(cells[cells.length - 1]);
            }
            return new Table(Arrays.copyOf(header, header.length - 1), rows.toArray(new double[0][]),
                    target.toArray(new String[0]));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Columns scaled to mean 0, standard deviation 1. */
    public static double[][] standardize(double[][] x) {
        int n = x.length;
        int d = x[0].length;
        double[][] out = new double[n][d];
        for (int j = 0; j < d; j++) {
            double mean = 0;
            for (double[] row : x) {
                mean += row[j];
            }
            mean /= n;
            double var = 0;
            for (double[] row : x) {
                var += (row[j] - mean) * (row[j] - mean);
            }
            double sd = Math.sqrt(var / n);
            for (int i = 0; i < n; i++) {
                out[i][j] = (x[i][j] - mean) / sd;
            }
        }
        return out;
    }

    public static float[][] toFloat(double[][] x) {
        float[][] out = new float[x.length][];
        for (int i = 0; i < x.length; i++) {
            out[i] = new float[x[i].length];
            for (int j = 0; j < x[i].length; j++) {
                out[i][j] = (float) x[i][j];
            }
        }
        return out;
    }

    /** The same values as the float features a model sees, widened back to double. */
    public static double[][] roundTrip(double[][] x) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            out[i] = new double[x[i].length];
            for (int j = 0; j < x[i].length; j++) {
                out[i][j] = (float) x[i][j];
            }
        }
        return out;
    }

    /** The bundled MNIST sample (10,000 digits). */
    public static Dataset mnist() {
        return io.logitnet.data.Mnist.sample();
    }

    public static float[][] rows(Dataset d) {
        float[][] out = new float[d.rows()][];
        for (int i = 0; i < d.rows(); i++) {
            out[i] = d.row(i);
        }
        return out;
    }

    public static int[] labels(Dataset d) {
        int[] out = new int[d.rows()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) d.y()[i * d.targetCols()];
        }
        return out;
    }
}
