package io.logitnet.spark;

import io.logitnet.backend.Activation;
import io.logitnet.backend.Backend;
import io.logitnet.backend.BackendTestSupport;
import io.logitnet.cpu.CpuBackend;
import io.logitnet.data.Dataset;
import io.logitnet.model.LinearRegression;
import io.logitnet.model.LogisticRegression;
import io.logitnet.model.Mlp;
import io.logitnet.model.NetworkModel;
import io.logitnet.model.PoissonRegression;
import io.logitnet.model.SoftmaxRegression;
import io.logitnet.nn.Architecture;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fit on {@code local[2]} with 4 partitions gives the core's one-machine answer: same data, same initialization,
 * same standardization, same full-batch L-BFGS; only the order of summation differs.
 */
class SameAnswerTest {
    private static Backend cpu;

    @BeforeAll
    static void open() {
        cpu = new CpuBackend();
        SparkTests.spark();
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    /**
     * The tolerance of two float32 fits of a convex problem that differ by summation order: L-BFGS stops at the
     * objective's float32 noise floor (≈1e-7 relative), where a coefficient is determined to about √(1e-7 /
     * curvature); 2e-3 relative with a floor of 2e-3 on these well-conditioned problems.
     */
    private static final double GLM_TOLERANCE = 2e-3;

    @Test
    void softmaxRegressionAsOnOneMachine() {
        Dataset data = SparkTests.threeClasses(600, 1);
        SoftmaxRegression core = new SoftmaxRegression().l2(0.01f).standardize(true).maxIterations(200)
                .tolerance(1e-6).backend(cpu);
        core.fit(data);
        LogitNetClassificationModel spark = new LogitNetClassifier().setRegParam(0.01).setMaxIter(200).setTol(1e-6)
                .setBackend("cpu").fit(SparkTests.frame(data, 4));
        assertClose(core, spark.networkModel(), GLM_TOLERANCE);
        assertEquals("softmax", spark.networkModel().kind());
        assertEquals(data.featureNames().size(), spark.networkModel().featureNames().size());
    }

    @Test
    void logisticRegressionAsOnOneMachine() {
        Dataset data = SparkTests.twoClasses(500, 2);
        LogisticRegression core = new LogisticRegression().l2(0.02f).standardize(true).maxIterations(200)
                .tolerance(1e-6).backend(cpu);
        core.fit(data);
        LogitNetClassificationModel spark = new LogitNetClassifier().setRegParam(0.02).setMaxIter(200).setTol(1e-6)
                .setBackend("cpu").fit(SparkTests.frame(data, 4));
        assertClose(core, spark.networkModel(), GLM_TOLERANCE);
        assertArrayEquals(SparkTests.toDouble(core.coefficients()), spark.coefficients().toArray(),
                GLM_TOLERANCE * 10);
    }

    /**
     * An MLP is not convex, so two fits whose sums round differently drift apart as L-BFGS goes on; after a few
     * iterations from the same initialization they still agree to float32 accuracy amplified by the iterations.
     */
    @Test
    void mlpIterationsAsOnOneMachine() {
        Dataset data = SparkTests.threeClasses(450, 3);
        Mlp core = Mlp.classifier(6).activation(Activation.TANH).optimizer(io.logitnet.train.OptimizerSpec.lbfgs())
                .maxIterations(8).tolerance(0).standardize(true).backend(cpu);
        core.fit(data);
        LogitNetClassificationModel spark = new LogitNetClassifier().setHiddenLayers(6).setActivation("tanh")
                .setMaxIter(8).setTol(0).setBackend("cpu").fit(SparkTests.frame(data, 4));
        assertEquals(core.history().epochs().size(), spark.history().epochs().size());
        assertEquals(core.history().last().trainObjective(), spark.history().last().trainObjective(), 1e-4);
        assertClose(core, spark.networkModel(), 1e-3);
    }

    @Test
    void regressionsAsOnOneMachine() {
        Random r = new Random(4);
        int n = 400;
        float[] x = new float[n * 3];
        float[] y = new float[n];
        float[] counts = new float[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 3; j++) {
                x[i * 3 + j] = (float) (r.nextGaussian() * (j + 1) + j);
            }
            double eta = 0.3 + 0.2 * x[i * 3] - 0.1 * x[i * 3 + 1] + 0.05 * x[i * 3 + 2];
            y[i] = (float) (2 * eta + r.nextGaussian());
            counts[i] = poisson(Math.exp(eta), r);
        }
        Dataset gaussian = new Dataset(x, n, 3, y, 1, null);
        LinearRegression linear = new LinearRegression().l2(0.01f).standardize(true).maxIterations(200)
                .tolerance(1e-6).backend(cpu);
        linear.fit(gaussian);
        LogitNetRegressionModel sparkLinear = new LogitNetRegressor().setRegParam(0.01).setMaxIter(200).setTol(1e-6)
                .setBackend("cpu").fit(SparkTests.frame(gaussian, 4));
        assertClose(linear, sparkLinear.networkModel(), GLM_TOLERANCE);
        assertEquals(linear.intercept(), sparkLinear.intercept(), GLM_TOLERANCE * Math.abs(linear.intercept()));

        Dataset poissonData = new Dataset(x, n, 3, counts, 1, null);
        PoissonRegression poisson = new PoissonRegression().standardize(true).maxIterations(200).tolerance(1e-6)
                .backend(cpu);
        poisson.fit(poissonData);
        LogitNetRegressionModel sparkPoisson = new LogitNetRegressor().setFamily("poisson").setMaxIter(200)
                .setTol(1e-6).setBackend("cpu").fit(SparkTests.frame(poissonData, 4));
        assertClose(poisson, sparkPoisson.networkModel(), GLM_TOLERANCE);
    }

    private static float poisson(double mu, Random r) {
        int k = 0;
        for (double p = Math.exp(-mu), s = p, u = r.nextDouble(); u > s; s += p) {
            k++;
            p *= mu / k;
        }
        return k;
    }

    /** The OpenCL backend on the executors gives the CPU backend's answer (skipped where no OpenCL device is). */
    @Test
    void openClExecutorsAsCpuExecutors() {
        BackendTestSupport.openOrSkip("opencl").close();
        Dataset data = SparkTests.threeClasses(300, 5);
        org.apache.spark.sql.Dataset<Row> frame = SparkTests.frame(data, 4);
        LogitNetClassifier est = new LogitNetClassifier().setRegParam(0.01).setMaxIter(100);
        LogitNetClassificationModel onCpu = est.copy(new org.apache.spark.ml.param.ParamMap()).setBackend("cpu")
                .fit(frame);
        LogitNetClassificationModel onOpenCl = est.setBackend("opencl").fit(frame);
        assertClose(onCpu.networkModel(), onOpenCl.networkModel(), GLM_TOLERANCE);
        assertTrue(onOpenCl.networkModel().trainedOn().contains("opencl:"), onOpenCl.networkModel().trainedOn());
        assertTrue(onCpu.networkModel().trainedOn().contains("cpu:"), onCpu.networkModel().trainedOn());
        System.out.println(onCpu.networkModel().trainedOn() + " | " + onOpenCl.networkModel().trainedOn());
        double[] p = onOpenCl.setBackend("opencl").transform(frame).select("probability").head().<
                org.apache.spark.ml.linalg.Vector>getAs(0).toArray();
        double[] q = onOpenCl.setBackend("cpu").transform(frame).select("probability").head().<
                org.apache.spark.ml.linalg.Vector>getAs(0).toArray();
        assertArrayEquals(q, p, 1e-5);
    }

    /**
     * Every layer's weights and biases agree within {@code tolerance}, relative to each value or, for values near 0,
     * to 1% of the largest one of the tensor.
     */
    static void assertClose(NetworkModel<?> expected, NetworkModel<?> actual, double tolerance) {
        Architecture a = expected.architecture();
        assertEquals(a, actual.architecture());
        for (int i = 0; i < a.layerCount(); i++) {
            double[] ew = SparkTests.toDouble(expected.weight(i));
            double[] eb = SparkTests.toDouble(expected.bias(i));
            double w = SparkTests.maxRelative(SparkTests.toDouble(actual.weight(i)), ew, 0.01 * SparkTests.maxAbs(ew));
            double b = SparkTests.maxRelative(SparkTests.toDouble(actual.bias(i)), eb, 0.01 * SparkTests.maxAbs(eb));
            System.out.printf("layer %d of %s: weights within %.2e, biases within %.2e%n", i, a.describe(), w, b);
            assertTrue(w <= tolerance, "layer " + i + " weights differ by " + w + " (relative)");
            assertTrue(b <= tolerance, "layer " + i + " biases differ by " + b + " (relative)");
        }
    }
}
