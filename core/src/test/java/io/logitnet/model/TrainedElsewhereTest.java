package io.logitnet.model;

import io.logitnet.InvalidDataException;
import io.logitnet.ShapeMismatchException;
import io.logitnet.backend.Activation;
import io.logitnet.backend.Backend;
import io.logitnet.backend.Loss;
import io.logitnet.backend.Tensor;
import io.logitnet.cpu.CpuBackend;
import io.logitnet.data.Dataset;
import io.logitnet.data.Standardizer;
import io.logitnet.nn.Architecture;
import io.logitnet.nn.Network;
import io.logitnet.testing.TestData;
import io.logitnet.train.History;
import io.logitnet.train.Trainer;
import io.logitnet.train.TrainingListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a front end that trains outside {@code fit} (the Spark module) needs from the model API: the architecture
 * and starting point fit would use, installing parameters trained elsewhere, chunk gradients that add up, logits.
 */
class TrainedElsewhereTest {
    private static Backend cpu;

    @TempDir
    Path dir;

    @BeforeAll
    static void open() {
        cpu = new CpuBackend();
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    /** Three classes: the circles' two rings and a blob far away. */
    private static Dataset threeClasses() {
        Dataset c = TestData.circles(300, 0.1, 3);
        float[] y = c.y().clone();
        float[] x = c.x().clone();
        for (int i = 0; i < c.rows(); i += 3) {
            y[i] = 2;
            x[2 * i] += 3;
        }
        return new Dataset(x, c.rows(), 2, y, 1, List.of("a", "b"));
    }

    private static Dataset counts() {
        Random r = new Random(5);
        int n = 400;
        float[] x = new float[n * 2];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = (float) r.nextGaussian();
            x[2 * i + 1] = (float) r.nextGaussian();
            double mu = Math.exp(0.5 + 0.4 * x[2 * i] - 0.3 * x[2 * i + 1] * x[2 * i + 1]);
            int k = 0;
            for (double p = Math.exp(-mu), s = p, u = r.nextDouble(); u > s; s += p) {
                k++;
                p *= mu / k;
            }
            y[i] = k;
        }
        return new Dataset(x, n, 2, y, 1, null);
    }

    @Test
    void architectureForIsWhatFitTrains() {
        Dataset two = TestData.circles(200, 0.1, 1);
        Dataset three = threeClasses();
        Dataset counts = counts();
        List<NetworkModel<?>> fitted = new ArrayList<>();
        fitted.add(fitted(new LogisticRegression().maxIterations(3), two));
        fitted.add(fitted(new SoftmaxRegression().maxIterations(3), three));
        fitted.add(fitted(new LinearRegression().maxIterations(3), counts));
        fitted.add(fitted(new PoissonRegression().maxIterations(3), counts));
        fitted.add(fitted(Mlp.classifier(4, 3).activations(Activation.TANH, Activation.RELU).epochs(1), two));
        fitted.add(fitted(Mlp.classifier(5).epochs(1), three));
        fitted.add(fitted(Mlp.regressor(3).epochs(1), counts));
        fitted.add(fitted(Mlp.poissonRegressor(3).activation(Activation.SIGMOID).epochs(1), counts));
        int[] targets = {2, 3, 1, 1, 2, 3, 1, 1};
        for (int i = 0; i < fitted.size(); i++) {
            NetworkModel<?> m = fitted.get(i);
            assertEquals(m.architecture(), m.architectureFor(2, targets[i]), m.kind());
        }
        assertThrows(IllegalArgumentException.class, () -> Mlp.classifier(3).architectureFor(2, 1));
    }

    /** A cluster sends the architecture to the machines that compute gradients: it survives Java serialization. */
    @Test
    void architectureIsSerializable() throws Exception {
        Architecture a = Mlp.classifier(4, 3).activations(Activation.TANH, Activation.RELU).architectureFor(5, 3);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(a);
        }
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
                new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(a, in.readObject());
        }
    }

    private static NetworkModel<?> fitted(NetworkModel<?> m, Dataset d) {
        m.backend(cpu).fit(d);
        return m;
    }

    /**
     * Training by hand from {@code initialNetwork} with the Trainer, on standardized inputs, then installing, gives
     * the model fit gives: same start, same fold, same saved file contents.
     */
    @Test
    void installTrainedLeavesTheModelFitWouldLeave() {
        Dataset data = threeClasses();
        assertSameAsFit(() -> Mlp.classifier(6).activation(Activation.TANH).epochs(4), true, data, 3);
        assertSameAsFit(() -> new SoftmaxRegression().maxIterations(20).l2(0.01f), true, data, 3);
        // with an L2 penalty: an unpenalized GLM fit ends with Newton's method on the rows (for its inference)
        assertSameAsFit(() -> new LogisticRegression().maxIterations(20).l2(0.01f), false,
                TestData.circles(200, 0.1, 2), 2);
    }

    private void assertSameAsFit(java.util.function.Supplier<NetworkModel<?>> make, boolean standardize,
                                 Dataset data, int classes) {
        NetworkModel<?> fit = make.get().backend(cpu).standardize(standardize).classLabels(labels(classes));
        fit.fit(data);

        NetworkModel<?> byHand = make.get().backend(cpu).classLabels(labels(classes));
        Architecture arch = byHand.architectureFor(data.cols(), classes);
        double[][] scaling = standardize ? Standardizer.fit(data) : null;
        Dataset trainOn = scaling == null ? data : Standardizer.apply(data, scaling);
        History h;
        List<float[]> params;
        try (Network net = byHand.initialNetwork(cpu, arch)) {
            h = new Trainer(byHand.trainConfig(), TrainingListener.NONE).fit(net, trainOn);
            params = net.parameterArrays();
        }
        byHand.installTrained(arch, params, scaling, data.featureNames(), h, "by hand");

        String what = fit.kind();
        for (int i = 0; i < arch.layerCount(); i++) {
            assertArrayEquals(fit.weight(i), byHand.weight(i), what + " layer " + i + " weight");
            assertArrayEquals(fit.bias(i), byHand.bias(i), what + " layer " + i + " bias");
        }
        assertEquals(fit.featureNames(), byHand.featureNames());
        assertEquals(fit.classLabels(), byHand.classLabels());
        assertEquals(fit.history().stopReason(), byHand.history().stopReason());
        assertEquals(fit.history().epochs().size(), byHand.history().epochs().size());
        float[][] x = TestData.rows(data);
        assertArrayEquals(((Classifier) fit).predictProba(x)[7], ((Classifier) byHand).predictProba(x)[7], what);
        assertEquals(classes, ((Classifier) byHand).classCount());

        Path a = dir.resolve(what + "-fit.safetensors");
        Path b = dir.resolve(what + "-hand.safetensors");
        fit.save(a);
        byHand.save(b);
        NetworkModel<?> la = Models.load(a);
        NetworkModel<?> lb = Models.load(b);
        assertEquals(la.architecture(), lb.architecture());
        assertArrayEquals(la.weight(0), lb.weight(0), what + " saved");
        assertEquals("by hand", lb.trainedOn());
    }

    private static List<String> labels(int k) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            out.add("class" + i);
        }
        return out;
    }

    @Test
    void installTrainedRefusesWhatTheModelCannotHold() {
        Architecture softmax = new Architecture(List.of(2, 3), List.of(), Loss.SOFTMAX_CROSS_ENTROPY);
        List<float[]> params = List.of(new float[6], new float[3]);
        IllegalArgumentException wrongKind = assertThrows(IllegalArgumentException.class,
                () -> new LogisticRegression().installTrained(softmax, params, null, null, null, "x"));
        assertTrue(wrongKind.getMessage().contains("2-1 sigmoid_binary_cross_entropy"), wrongKind.getMessage());

        assertThrows(ShapeMismatchException.class, () -> new SoftmaxRegression().installTrained(softmax,
                List.of(new float[5], new float[3]), null, null, null, "x"));
        float[] nan = new float[6];
        nan[4] = Float.NaN;
        assertThrows(IllegalArgumentException.class, () -> new SoftmaxRegression().installTrained(softmax,
                List.of(nan, new float[3]), null, null, null, "x"));
        assertThrows(IllegalArgumentException.class, () -> new SoftmaxRegression().installTrained(softmax, params,
                null, List.of("only one"), null, "x"));
        Architecture wider = new Architecture(List.of(2, 5, 3), List.of(Activation.TANH), Loss.SOFTMAX_CROSS_ENTROPY);
        assertThrows(IllegalArgumentException.class, () -> Mlp.classifier(4).installTrained(wider,
                List.of(new float[10], new float[5], new float[15], new float[3]), null, null, null, "x"));
    }

    /** Chunks scaled by 1/N add up to the mean gradient over all N rows (what a cluster's partitions sum). */
    @Test
    void chunkGradientsAddUpToTheMeanGradient() {
        Dataset data = threeClasses();
        int n = data.rows();
        int split = 113;
        Architecture arch = new Architecture(List.of(2, 7, 3), List.of(Activation.TANH), Loss.SOFTMAX_CROSS_ENTROPY);
        try (Network net = Network.create(cpu, arch, io.logitnet.nn.Init.AUTO, 9, false);
             Tensor x = cpu.upload(data.x(), n, 2); Tensor y = cpu.upload(data.y(), n, 1);
             Tensor x1 = cpu.upload(data.range(0, split).x(), split, 2);
             Tensor y1 = cpu.upload(data.range(0, split).y(), split, 1);
             Tensor x2 = cpu.upload(data.range(split, n).x(), n - split, 2);
             Tensor y2 = cpu.upload(data.range(split, n).y(), n - split, 1);
             Tensor whole = cpu.allocate(1, 1); Tensor parts = cpu.allocate(1, 1)) {
            net.forwardBackward(x, y, whole); // L2 0: the gradient of the mean loss
            List<float[]> expected = net.gradients().stream().map(Tensor::toArray).toList();
            net.setL2(0.5f); // the chunk method leaves the penalty out whatever the network's L2 is
            List<float[]> sum = new ArrayList<>();
            net.lossAndGradient(x1, y1, parts, 1f / n);
            net.gradients().forEach(g -> sum.add(g.toArray()));
            net.lossAndGradient(x2, y2, parts, 1f / n);
            for (int i = 0; i < sum.size(); i++) {
                float[] g = net.gradients().get(i).toArray();
                for (int j = 0; j < g.length; j++) {
                    sum.get(i)[j] += g[j];
                }
                float[] e = expected.get(i);
                for (int j = 0; j < e.length; j++) {
                    // two float sums of 300 terms in different groupings: a few units in the last place of Σ|terms|
                    assertEquals(e[j], sum.get(i)[j], 1e-5 * Math.max(1, Math.abs(e[j])), "gradient " + i + "[" + j
                            + "]");
                }
            }
            assertEquals(whole.toArray()[0], parts.toArray()[0], 1e-5 * Math.abs(whole.toArray()[0]));
        }
    }

    @Test
    void logitsAreTheOutputBeforeItsActivation() {
        Dataset two = TestData.circles(200, 0.1, 1);
        LogisticRegression lr = new LogisticRegression().maxIterations(10).backend(cpu);
        lr.fit(two);
        float[] z = lr.logits(two.x(), two.rows());
        float[] p = lr.predictRaw(two.x(), two.rows());
        for (int i = 0; i < p.length; i++) {
            assertEquals(p[i], 1 / (1 + Math.exp(-z[i])), 1e-6);
        }
        Dataset three = threeClasses();
        Mlp mlp = Mlp.classifier(5).epochs(2).backend(cpu);
        mlp.fit(three);
        float[] logits = mlp.logits(three.x(), three.rows());
        float[] probs = mlp.classProbabilities(three.x(), three.rows());
        for (int i = 0; i < three.rows(); i++) {
            double max = Math.max(logits[3 * i], Math.max(logits[3 * i + 1], logits[3 * i + 2]));
            double s = 0;
            for (int k = 0; k < 3; k++) {
                s += Math.exp(logits[3 * i + k] - max);
            }
            for (int k = 0; k < 3; k++) {
                assertEquals(probs[3 * i + k], Math.exp(logits[3 * i + k] - max) / s, 1e-6);
            }
        }
    }

    @Test
    void poissonMlpIsAPoissonRegressionOnLearnedFeatures() {
        Dataset counts = counts();
        Mlp mlp = Mlp.poissonRegressor(8).activation(Activation.TANH).epochs(60).backend(cpu);
        mlp.fit(counts);
        assertEquals(Loss.POISSON, mlp.architecture().loss());
        assertEquals(0, mlp.classTotal());
        float[][] x = TestData.rows(counts);
        float[][] mu = mlp.predictValues(x);
        PoissonRegression head = assertInstanceOf(PoissonRegression.class, mlp.outputLayer());
        float[] viaHead = head.predict(mlp.hiddenFeatures(0, x));
        for (int i = 0; i < x.length; i++) {
            assertEquals(mu[i][0], viaHead[i], 1e-5 * mu[i][0]);
        }
        // it learns the curvature a Poisson regression on the raw features cannot
        PoissonRegression linear = new PoissonRegression().backend(cpu);
        linear.fit(counts);
        double mlpDeviance = mlp.score(counts).get("poisson_deviance");
        double glmDeviance = linear.score(counts).get("poisson_deviance");
        assertTrue(mlpDeviance < glmDeviance, mlpDeviance + " vs " + glmDeviance);

        Path file = dir.resolve("poisson-mlp.safetensors");
        mlp.save(file);
        Mlp loaded = assertInstanceOf(Mlp.class, Models.load(file));
        assertEquals(Loss.POISSON, loaded.architecture().loss());
        assertArrayEquals(mu[3], loaded.backend(cpu).predictValues(new float[][] {x[3]})[0]);

        float[] y = counts.y().clone();
        y[10] = -1;
        Dataset negative = new Dataset(counts.x(), counts.rows(), 2, y, 1, null);
        assertThrows(InvalidDataException.class, () -> Mlp.poissonRegressor(3).backend(cpu).fit(negative));
    }
}
