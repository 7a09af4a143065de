package io.logitnet.model;

import io.logitnet.InvalidDataException;
import io.logitnet.ShapeMismatchException;
import io.logitnet.backend.Activation;
import io.logitnet.backend.Loss;
import io.logitnet.cpu.CpuBackend;
import io.logitnet.data.Dataset;
import io.logitnet.nn.Architecture;
import io.logitnet.train.EpochResult;
import io.logitnet.train.History;
import io.logitnet.train.TrainingListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The model API without training to convergence: models installed from known parameters predict what the formulas
 * say (computed here in double), in batches of any size; an MLP's hidden features and output layer compose to its
 * predictions; labels, features and unfitted models are refused with typed errors; standardization is folded back
 * into raw-unit coefficients.
 */
class ModelApiTest {
    private static final float[][] X = {{1f, 0.25f, 3f}, {-1f, 1f, -2f}, {0f, -0.25f, 0.5f}, {0.5f, 0.625f, 7f}};

    private static CpuBackend cpu;

    @BeforeAll
    static void open() {
        cpu = new CpuBackend();
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    /** z = 0.5 + 1.5·a − 2·b + 0·c: the rows of X give 1.5, −3, 1 and exactly 0. */
    private static double eta(float[] x) {
        return 0.5 + 1.5 * x[0] - 2 * x[1] + 0 * x[2];
    }

    @Test
    void installedGlmsPredictTheirInverseLinkOfTheLinearPredictor() {
        float[] w = {1.5f, -2f, 0f};
        List<String> names = List.of("a", "b", "c");
        LogisticRegression lr = LogisticRegression.of(w, 0.5f, names).backend(cpu);
        assertTrue(lr.isFitted());
        float[] p = lr.probability(X);
        float[][] proba = lr.predictProba(X);
        for (int i = 0; i < X.length; i++) {
            assertEquals(sigmoid(eta(X[i])), p[i], 1e-7, "row " + i);
            assertEquals(p[i], proba[i][1]);
            assertEquals(1f - p[i], proba[i][0]);
        }
        // p = 0.5 exactly in the last row is class 0: a class needs p > 0.5
        assertArrayEquals(new int[] {1, 0, 1, 0}, lr.predict(X));
        assertEquals(2, lr.classCount());
        assertEquals("log(p/(1-p)) [p = P(y=1)] = 0.5000 + 1.500·a − 2.000·b + 0.000·c", lr.equation());
        assertArrayEquals(w, lr.coefficients());
        assertEquals(0.5f, lr.intercept());
        assertEquals(names, lr.featureNames());

        LinearRegression lin = LinearRegression.of(w, 0.5f, null).backend(cpu);
        PoissonRegression pois = PoissonRegression.of(w, 0.5f, null).backend(cpu);
        float[] yl = lin.predict(X);
        float[] yp = pois.predict(X);
        for (int i = 0; i < X.length; i++) {
            assertEquals(eta(X[i]), yl[i], 1e-6);
            assertEquals(Math.exp(eta(X[i])), yp[i], 1e-6 * Math.exp(eta(X[i])));
        }
        assertEquals(List.of("x1", "x2", "x3"), lin.featureNames());
        assertEquals("y = 0.5000 + 1.500·x1 − 2.000·x2 + 0.000·x3", lin.equation());
        assertTrue(pois.equation().startsWith("log(μ) = "), pois.equation());
    }

    @Test
    void anInstalledSoftmaxRegressionPredictsTheSoftmaxOfItsScores() {
        float[] w = {1f, 0f, -1f, 0.5f, 2f, 0f, 0f, -1f, 1f}; // [3 classes, 3 features]
        float[] b = {0f, -0.5f, 0.25f};
        SoftmaxRegression m = SoftmaxRegression.of(w, b, 3, List.of("a", "b", "c")).backend(cpu);
        float[][] proba = m.predictProba(X);
        int[] predicted = m.predict(X);
        for (int i = 0; i < X.length; i++) {
            double[] s = new double[3];
            double sum = 0;
            int best = 0;
            for (int k = 0; k < 3; k++) {
                s[k] = b[k];
                for (int j = 0; j < 3; j++) {
                    s[k] += w[k * 3 + j] * X[i][j];
                }
                sum += Math.exp(s[k]);
                best = s[k] > s[best] ? k : best;
            }
            for (int k = 0; k < 3; k++) {
                assertEquals(Math.exp(s[k]) / sum, proba[i][k], 1e-6, "row " + i + " class " + k);
            }
            assertEquals(best, predicted[i], "row " + i);
        }
        assertEquals(3, m.classCount());
        assertArrayEquals(new float[] {0.5f, 2f, 0f}, m.coefficients()[1]);
        assertArrayEquals(b, m.intercepts());
        String[] lines = m.equation().split("\n", -1);
        assertEquals(4, lines.length, m.equation());
        assertEquals("  s_2 = 0.2500 + 0.000·a − 1.000·b + 1.000·c", lines[3]);
    }

    @ParameterizedTest(name = "{0} rows")
    @ValueSource(ints = {8192, 5000}) // two full batches of 4096; one and a partial one
    void predictionsOfManyRowsRunInBatchesAndEachRowGetsItsOwnPrediction(int rows) {
        Random r = new Random(3);
        float[][] x = new float[rows][3];
        for (float[] row : x) {
            for (int j = 0; j < 3; j++) {
                row[j] = (float) r.nextGaussian();
            }
        }
        LogisticRegression lr = LogisticRegression.of(new float[] {1.5f, -2f, 0f}, 0.5f, null).backend(cpu);
        float[] p = lr.probability(x);
        assertEquals(x.length, p.length);
        for (int i = 0; i < x.length; i++) {
            assertEquals(sigmoid(eta(x[i])), p[i], 1e-7, "row " + i);
        }
        assertEquals(0, lr.predictRaw(new float[0], 0).length);
        assertThrows(ShapeMismatchException.class, () -> lr.predictRaw(new float[7], 2));
    }

    @Test
    void anUnfittedModelAsksForFit() {
        LogisticRegression lr = new LogisticRegression();
        assertFalse(lr.isFitted());
        assertEquals(null, lr.history());
        assertThrows(IllegalStateException.class, () -> lr.weight(0));
        assertThrows(IllegalStateException.class, () -> lr.bias(0));
        assertThrows(IllegalStateException.class, lr::architecture);
        assertThrows(IllegalStateException.class, lr::featureNames);
        assertThrows(IllegalStateException.class, () -> lr.predictProba(X));
        assertThrows(IllegalStateException.class, () -> lr.predictRaw(new float[3], 1));
        assertThrows(IllegalStateException.class, () -> new SoftmaxRegression().classCount());
        assertThrows(IllegalStateException.class, () -> Mlp.classifier(3).hiddenFeatures(0, X));
        assertThrows(IllegalStateException.class, () -> Mlp.classifier(3).outputLayer());
        assertThrows(IllegalStateException.class, () -> Mlp.classifier(3).featureNames());
    }

    @Test
    void featuresAndParametersAreChecked() {
        LogisticRegression lr = LogisticRegression.of(new float[] {1f, 2f, 3f}, 0f, null).backend(cpu);
        ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                () -> lr.predict(new float[][] {{1f, 2f, 3f}, {1f, 2f}}));
        assertArrayEquals(new int[] {3}, e.expected());
        assertArrayEquals(new int[] {2}, e.actual());
        InvalidDataException bad = assertThrows(InvalidDataException.class,
                () -> lr.predict(new float[][] {{1f, 2f, 3f}, {1f, Float.NaN, 3f}}));
        assertEquals(2, bad.line());
        assertEquals(2, bad.column());
        Architecture arch = new Architecture(List.of(2, 3, 1), List.of(Activation.TANH), Loss.SQUARED_ERROR);
        assertThrows(ShapeMismatchException.class, () -> Mlp.of(arch, List.of(new float[6], new float[3]),
                List.of(new float[3], new float[2]), 0, null));
        assertThrows(ShapeMismatchException.class, () -> Mlp.of(arch, List.of(new float[5], new float[3]),
                List.of(new float[3], new float[1]), 0, null));
    }

    /** An MLP 2 → 3 tanh → out with simple weights; out = 3 softmax, 1 sigmoid or 1 linear. */
    private static Mlp mlp(Loss loss, int out, int classes) {
        Architecture arch = new Architecture(List.of(2, 3, out), List.of(Activation.TANH), loss);
        float[] w0 = {0.5f, -1f, 1f, 0.25f, -0.75f, 0.5f};
        float[] w1 = new float[3 * out];
        for (int i = 0; i < w1.length; i++) {
            w1[i] = (i % 2 == 0 ? 1 : -1) * (0.3f + 0.2f * i);
        }
        float[] b1 = new float[out];
        b1[0] = 0.1f;
        return Mlp.of(arch, List.of(w0, w1), List.of(new float[] {0f, 0.2f, -0.2f}, b1), classes, null).backend(cpu);
    }

    @Test
    void anMlpIsItsOutputLayerAppliedToItsHiddenFeatures() {
        float[][] x = {{1f, -0.5f}, {0.25f, 2f}, {-1f, 0f}};
        Mlp softmax = mlp(Loss.SOFTMAX_CROSS_ENTROPY, 3, 3);
        float[][] h = softmax.hiddenFeatures(0, x);
        float[] w0 = softmax.weight(0);
        float[] b0 = softmax.bias(0);
        for (int i = 0; i < x.length; i++) {
            for (int u = 0; u < 3; u++) {
                double z = b0[u] + w0[u * 2] * (double) x[i][0] + w0[u * 2 + 1] * (double) x[i][1];
                assertEquals(Math.tanh(z), h[i][u], 1e-6, "hidden unit " + u + " of row " + i);
            }
        }
        SoftmaxRegression head = assertInstanceOf(SoftmaxRegression.class, softmax.outputLayer());
        assertEquals(List.of("h1", "h2", "h3"), head.featureNames());
        assertProbabilitiesEqual(head.predictProba(h), softmax.predictProba(x));
        assertArrayEquals(head.predict(h), softmax.predict(x));
        assertEquals(3, softmax.classCount());
        assertEquals(List.of("x1", "x2"), softmax.featureNames());
        assertThrows(IllegalArgumentException.class, () -> softmax.hiddenFeatures(1, x));
        assertThrows(IllegalArgumentException.class, () -> softmax.hiddenFeatures(-1, x));
        assertThrows(IllegalStateException.class, () -> softmax.predictValues(x));

        Mlp binary = mlp(Loss.SIGMOID_BINARY_CROSS_ENTROPY, 1, 2);
        LogisticRegression logistic = assertInstanceOf(LogisticRegression.class, binary.outputLayer());
        float[][] p = binary.predictProba(x);
        assertProbabilitiesEqual(logistic.predictProba(binary.hiddenFeatures(0, x)), p);
        for (float[] row : p) {
            assertEquals(1f, row[0] + row[1], 1e-6f);
        }
        assertEquals(2, binary.classCount());

        Mlp regressor = mlp(Loss.SQUARED_ERROR, 1, 0);
        LinearRegression linear = assertInstanceOf(LinearRegression.class, regressor.outputLayer());
        float[][] v = regressor.predictValues(x);
        float[] fromHead = linear.predict(regressor.hiddenFeatures(0, x));
        for (int i = 0; i < x.length; i++) {
            assertEquals(fromHead[i], v[i][0], 1e-6f);
        }
        assertFalse(regressor.isClassifier());
        assertTrue(softmax.isClassifier());
        assertThrows(IllegalStateException.class, () -> regressor.predict(x));
        assertThrows(IllegalStateException.class, () -> regressor.predictProba(x));
        assertThrows(IllegalStateException.class, regressor::classCount);
    }

    private static void assertProbabilitiesEqual(float[][] expected, float[][] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], actual[i], 1e-6f, "row " + i);
        }
    }

    /** Three well-separated clusters of 30 points, labels 0, 1, 2. */
    private static Dataset clusters() {
        Random r = new Random(8);
        float[][] x = new float[90][2];
        int[] y = new int[90];
        double[][] centres = {{0, 3}, {3, -2}, {-3, -2}};
        for (int i = 0; i < 90; i++) {
            y[i] = i % 3;
            x[i][0] = (float) (centres[y[i]][0] + 0.5 * r.nextGaussian());
            x[i][1] = (float) (centres[y[i]][1] + 0.5 * r.nextGaussian());
        }
        return Dataset.of(x, y);
    }

    @Test
    void fittedClassifiersSeparateClustersAndReportToTheirListener() {
        Dataset d = clusters();
        List<EpochResult> heard = new ArrayList<>();
        SoftmaxRegression m = new SoftmaxRegression().backend(cpu).l2(0.01f).listener(new TrainingListener() {
            @Override
            public void epoch(EpochResult r) {
                heard.add(r);
            }
        });
        History h = m.fit(d);
        assertSame(h, m.history());
        assertTrue(h.converged(), h.stopReason());
        assertEquals(h.epochs().size(), heard.size());
        assertEquals(3, m.classCount());
        float[][] x = new float[90][];
        for (int i = 0; i < 90; i++) {
            x[i] = d.row(i);
        }
        int[] predicted = m.predict(x);
        for (int i = 0; i < 90; i++) {
            assertEquals(i % 3, predicted[i], "row " + i);
        }
        Mlp mlp = Mlp.classifier(4).activation(Activation.TANH).backend(cpu).listener(null).epochs(100).batchSize(10)
                .seed(5);
        mlp.fit(d);
        assertEquals(100, mlp.history().epochs().size());
        int correct = 0;
        int[] pm = mlp.predict(x);
        for (int i = 0; i < 90; i++) {
            correct += pm[i] == i % 3 ? 1 : 0;
        }
        assertTrue(correct >= 85, correct + " of 90");
        assertEquals(5, mlp.trainConfig().seed());
        SoftmaxRegression configured = new SoftmaxRegression().config(io.logitnet.train.TrainConfig.defaults()
                .withEpochs(3)).validationSplit(0.25);
        assertEquals(3, configured.trainConfig().epochs());
        assertEquals(0.25, configured.trainConfig().validationSplit());
    }

    @Test
    void mlpsTakeOneActivationForAllHiddenLayersOrOneEach() {
        Dataset d = clusters();
        Mlp two = Mlp.classifier(4, 3).activation(Activation.TANH).backend(cpu).epochs(2);
        assertSame(two.history(), null);
        History h = two.fit(d);
        assertSame(h, two.history());
        assertEquals(List.of(Activation.TANH, Activation.TANH), two.architecture().hiddenActivations());
        Mlp mixed = Mlp.classifier(4, 3).activations(Activation.RELU, Activation.SIGMOID).backend(cpu).epochs(2);
        mixed.fit(d);
        assertEquals(List.of(Activation.RELU, Activation.SIGMOID), mixed.architecture().hiddenActivations());
        assertThrows(IllegalArgumentException.class, () -> Mlp.classifier(4, 3).activations(Activation.RELU));
        // a class count given up front may exceed the largest label
        Mlp four = Mlp.classifier(3).classes(4).backend(cpu).epochs(2);
        four.fit(d);
        assertEquals(4, four.classCount());
        assertEquals(4, four.architecture().outputs());
        // a regressor fits values
        float[][] x = new float[40][1];
        float[] y = new float[40];
        for (int i = 0; i < 40; i++) {
            x[i][0] = i / 20f - 1;
            y[i] = x[i][0] * x[i][0];
        }
        Mlp reg = Mlp.regressor(8).backend(cpu).epochs(5);
        assertSame(reg.fit(x, y), reg.history());
        assertEquals(Loss.SQUARED_ERROR, reg.architecture().loss());
    }

    @Test
    void everyModelRunsOnTheBackendItIsGivenAndFitReturnsItsHistory() {
        float[][] x = {{0f, 1f}, {1f, 0f}, {2f, 1f}, {3f, 3f}, {1f, 2f}, {2f, 2f}};
        try (io.logitnet.testing.TrackingBackend b = new io.logitnet.testing.TrackingBackend()) {
            LogisticRegression lr = new LogisticRegression().backend(b).maxIterations(3);
            assertSame(lr.fit(x, new int[] {0, 0, 1, 1, 0, 1}), lr.history());
            LinearRegression lin = new LinearRegression().backend(b).maxIterations(3);
            assertSame(lin.fit(x, new float[] {1, 2, 3, 4, 5, 6}), lin.history());
            PoissonRegression pois = new PoissonRegression().backend(b).maxIterations(3);
            assertSame(pois.fit(x, new float[] {0, 1, 2, 1, 0, 3}), pois.history());
            SoftmaxRegression soft = new SoftmaxRegression().backend(b).maxIterations(3);
            assertSame(soft.fit(x, new int[] {0, 1, 2, 2, 1, 0}), soft.history());
            Mlp mlp = Mlp.classifier(3).backend(b).epochs(2);
            assertSame(mlp.fit(x, new int[] {0, 1, 1, 0, 1, 0}), mlp.history());
            int afterFits = b.allocations();
            assertTrue(afterFits > 0, "the fits ran on the given backend");
            float[][] features = mlp.hiddenFeatures(0, x);
            int beforeHead = b.allocations();
            ((LogisticRegression) mlp.outputLayer()).predict(features);
            assertTrue(b.allocations() > beforeHead + 1, "the output layer runs on the MLP's backend too");
            lr.predict(x);
            assertTrue(b.allocations() > afterFits, "predictions too, the output layer's included");
            assertEquals(0, b.openTensors(), "a fitted model keeps its parameters on the host");
        }
    }

    @Test
    void ridgeOnStandardizedFeaturesPenalizesTheStandardizedCoefficients() {
        // with l2 > 0 standardizing changes the answer: it is the ridge solution in standardized units, folded back
        Random r = new Random(6);
        int n = 100;
        float[][] x = new float[n][2];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[i][0] = (float) (10 + 5 * r.nextGaussian());
            x[i][1] = (float) (0.1 * r.nextGaussian());
            y[i] = (float) (1 + 0.2 * x[i][0] + 8 * x[i][1] + 0.3 * r.nextGaussian());
        }
        double l2 = 0.1;
        double[] mean = new double[2];
        double[] sd = new double[2];
        double ybar = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 2; j++) {
                mean[j] += x[i][j] / (double) n;
            }
            ybar += y[i] / (double) n;
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 2; j++) {
                sd[j] += (x[i][j] - mean[j]) * (x[i][j] - mean[j]) / n;
            }
        }
        sd[0] = Math.sqrt(sd[0]);
        sd[1] = Math.sqrt(sd[1]);
        // (ZᵀZ/n + l2·I)·β = Zᵀ(y − ȳ)/n over standardized columns z; the intercept is ȳ
        double a = l2;
        double bb = 0;
        double dd = l2;
        double c0 = 0;
        double c1 = 0;
        for (int i = 0; i < n; i++) {
            double z0 = (x[i][0] - mean[0]) / sd[0];
            double z1 = (x[i][1] - mean[1]) / sd[1];
            a += z0 * z0 / n;
            bb += z0 * z1 / n;
            dd += z1 * z1 / n;
            c0 += z0 * (y[i] - ybar) / n;
            c1 += z1 * (y[i] - ybar) / n;
        }
        double det = a * dd - bb * bb;
        double beta0 = (dd * c0 - bb * c1) / det;
        double beta1 = (a * c1 - bb * c0) / det;
        LinearRegression m = new LinearRegression().backend(cpu).standardize(true).l2((float) l2).tolerance(1e-7);
        m.fit(x, y);
        assertEquals(beta0 / sd[0], m.coefficients()[0], 1e-5);
        assertEquals(beta1 / sd[1], m.coefficients()[1], 1e-3);
        assertEquals(ybar - beta0 * mean[0] / sd[0] - beta1 * mean[1] / sd[1], m.intercept(), 1e-4);
    }

    @Test
    void labelsMustBeClassIndicesAndCountsNonNegative() {
        float[][] x = {{0f}, {1f}, {2f}, {3f}};
        assertThrows(InvalidDataException.class, () -> new SoftmaxRegression().backend(cpu)
                .fit(Dataset.of(x, new float[] {0, 1, 2.5f, 1})));
        assertThrows(InvalidDataException.class, () -> new SoftmaxRegression().backend(cpu)
                .fit(Dataset.of(x, new float[] {0, 1, -1, 1})));
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> new SoftmaxRegression().backend(cpu)
                .classes(2).fit(Dataset.of(x, new float[] {0, 1, 2, 1})));
        assertEquals(3, e.line(), "the label equal to the class count, row 3");
        assertThrows(InvalidDataException.class, () -> new SoftmaxRegression().backend(cpu)
                .fit(Dataset.of(x, new float[] {0, 0, 0, 0})), "one class is not a classifier");
        assertThrows(InvalidDataException.class, () -> Mlp.classifier(2).backend(cpu)
                .fit(Dataset.of(x, new float[] {0, 1, 0.5f, 1})));
        assertThrows(InvalidDataException.class, () -> new LogisticRegression().backend(cpu)
                .fit(x, new int[] {0, 1, 2, 1}));
        assertThrows(InvalidDataException.class, () -> new LogisticRegression().backend(cpu)
                .fit(x, new int[] {1, 1, 1, 1}));
        assertThrows(InvalidDataException.class, () -> new LogisticRegression().backend(cpu)
                .fit(x, new int[] {0, 0, 0, 0}));
        assertThrows(InvalidDataException.class, () -> new PoissonRegression().backend(cpu)
                .fit(x, new float[] {0, 1, -1, 3}));
        // the largest valid labels are accepted
        new SoftmaxRegression().backend(cpu).classes(3).maxIterations(5).fit(Dataset.of(x, new float[] {0, 2, 1, 2}));
        new PoissonRegression().backend(cpu).maxIterations(5).fit(x, new float[] {0, 1, 0, 3});
    }

    @Test
    void standardizedFittingGivesTheSameRawUnitCoefficients() {
        // least squares is invariant to affine rescaling of the features once folded back
        Random r = new Random(4);
        float[][] x = new float[200][2];
        float[] y = new float[200];
        for (int i = 0; i < 200; i++) {
            x[i][0] = (float) (500 + 1000 * r.nextGaussian());
            x[i][1] = (float) (0.01 * r.nextGaussian());
            y[i] = (float) (2 + 0.003 * x[i][0] - 50 * x[i][1] + 0.1 * r.nextGaussian());
        }
        // least squares by the normal equations in double: [n, Σx1, Σx2; Σx1, Σx1², Σx1x2; ...]·β = [Σy, Σx1y, Σx2y]
        double[][] a = new double[3][4];
        for (int i = 0; i < 200; i++) {
            double[] row = {1, x[i][0], x[i][1]};
            for (int p = 0; p < 3; p++) {
                for (int q = 0; q < 3; q++) {
                    a[p][q] += row[p] * row[q];
                }
                a[p][3] += row[p] * y[i];
            }
        }
        for (int p = 0; p < 3; p++) { // Gauss–Jordan
            for (int q = 0; q < 3; q++) {
                if (q != p) {
                    double f = a[q][p] / a[p][p];
                    for (int c = 0; c < 4; c++) {
                        a[q][c] -= f * a[p][c];
                    }
                }
            }
        }
        double[] beta = {a[0][3] / a[0][0], a[1][3] / a[1][1], a[2][3] / a[2][2]};
        LinearRegression scaled = new LinearRegression().backend(cpu).standardize(true).tolerance(1e-7);
        scaled.fit(x, y);
        assertEquals(beta[0], scaled.intercept(), 1e-3);
        assertEquals(beta[1], scaled.coefficients()[0], 1e-7);
        assertEquals(beta[2], scaled.coefficients()[1], 1e-2);
        assertEquals(1e-7, scaled.trainConfig().tolerance());
    }

    @Test
    void aModelWithoutABackendOpensAutoOnTheCallingThreadSoAnyThreadCanUseIt() throws Exception {
        float[][] x = {{0f}, {1f}, {2f}, {3f}, {0.5f}, {2.5f}};
        int[] y = {0, 0, 1, 1, 1, 0};
        LogisticRegression m = new LogisticRegression();
        Thread fit = new Thread(() -> m.fit(x, y));
        fit.start();
        fit.join();
        assertTrue(m.isFitted());
        float[][][] p = new float[1][][];
        Thread predict = new Thread(() -> p[0] = m.predictProba(x));
        predict.start();
        predict.join();
        assertEquals(x.length, p[0].length);
        assertEquals(1f, p[0][0][0] + p[0][0][1], 1e-6f);
    }
}
