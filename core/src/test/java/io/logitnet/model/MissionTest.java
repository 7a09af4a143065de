package io.logitnet.model;

import io.logitnet.backend.Activation;
import io.logitnet.backend.Backend;
import io.logitnet.cpu.CpuBackend;
import io.logitnet.data.Dataset;
import io.logitnet.testing.TestData;
import io.logitnet.train.OptimizerSpec;
import io.logitnet.train.TrainConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mission as tests: a hidden layer learns the features a linear model cannot, on two concentric circles and on
 * handwritten digits; and the output layer of an MLP is exactly a logistic/softmax regression on its hidden
 * features.
 */
class MissionTest {
    private static Backend cpu;

    @BeforeAll
    static void open() {
        cpu = new CpuBackend();
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    static double accuracy(int[] predicted, int[] truth) {
        int c = 0;
        for (int i = 0; i < truth.length; i++) {
            if (predicted[i] == truth[i]) {
                c++;
            }
        }
        return c / (double) truth.length;
    }

    @Test
    void circlesNeedAHiddenLayer() {
        Dataset train = TestData.circles(1000, 0.08, 1);
        Dataset test = TestData.circles(500, 0.08, 2);
        float[][] xt = TestData.rows(test);
        int[] yt = TestData.labels(test);

        LogisticRegression lr = new LogisticRegression().backend(cpu);
        lr.fit(train);
        double linear = accuracy(lr.predict(xt), yt);
        assertTrue(linear <= 0.60, "logistic regression should stay near chance on circles, got " + linear);

        Mlp mlp = Mlp.classifier(16).activation(Activation.SIGMOID).backend(cpu);
        mlp.fit(train);
        double deep = accuracy(mlp.predict(xt), yt);
        assertTrue(deep > 0.95, "an MLP with 16 sigmoid units should exceed 95% on circles, got " + deep + " ("
                + mlp.history().stopReason() + ")");
    }

    @Test
    void outputLayerIsALogisticRegressionOnTheHiddenFeatures() {
        Dataset train = TestData.circles(400, 0.08, 3);
        Mlp mlp = Mlp.classifier(8, 6).activations(Activation.RELU, Activation.TANH).epochs(30).backend(cpu);
        mlp.fit(train);
        float[][] x = TestData.rows(TestData.circles(50, 0.08, 4));
        float[][] h = mlp.hiddenFeatures(1, x);
        assertEquals(6, h[0].length);
        Glm<?> out = mlp.outputLayer().backend(cpu);
        LogisticRegression lr = (LogisticRegression) out;
        float[][] pNet = mlp.predictProba(x);
        float[][] pGlm = lr.predictProba(h);
        for (int i = 0; i < x.length; i++) {
            assertArrayEquals(pNet[i], pGlm[i], 1e-6f, "row " + i);
        }
        assertArrayEquals(mlp.predict(x), lr.predict(h));
        assertTrue(lr.equation().contains("h6"), lr.equation());
        assertEquals(java.util.List.of(Activation.RELU, Activation.TANH), mlp.architecture().hiddenActivations());
        for (float[] row : mlp.hiddenFeatures(0, x)) {
            for (float v : row) {
                assertTrue(v >= 0f, "relu features are never negative: " + v);
            }
        }
        for (float[] row : h) {
            for (float v : row) {
                assertTrue(v > -1f && v < 1f, "tanh features lie in (-1, 1): " + v);
            }
        }
    }

    @Test
    void outputLayerIsASoftmaxRegressionForManyClasses() {
        Dataset digits = TestData.mnist().range(0, 600);
        Mlp mlp = Mlp.classifier(32).activation(Activation.SIGMOID).epochs(5).backend(cpu);
        mlp.fit(digits);
        float[][] x = TestData.rows(TestData.mnist().range(600, 700));
        SoftmaxRegression sr = (SoftmaxRegression) mlp.outputLayer().backend(cpu);
        float[][] h = mlp.hiddenFeatures(0, x);
        float[][] pNet = mlp.predictProba(x);
        float[][] pGlm = sr.predictProba(h);
        for (int i = 0; i < x.length; i++) {
            assertArrayEquals(pNet[i], pGlm[i], 1e-6f, "row " + i);
        }
        assertEquals(10, sr.classCount());
    }

    @Test
    void mnistSoftmaxRegressionAndMlp() {
        Dataset all = TestData.mnist();
        Dataset train = all.range(0, 4000);
        Dataset test = all.range(4000, 5000);
        float[][] xt = TestData.rows(test);
        int[] yt = TestData.labels(test);
        Dataset normalized = io.logitnet.data.Mnist.normalize(all);

        SoftmaxRegression sr = new SoftmaxRegression().backend(cpu).l2(1e-3f).maxIterations(200);
        sr.fit(train);
        double linear = accuracy(sr.predict(xt), yt);
        assertTrue(linear >= 0.89, "softmax regression on MNIST: " + linear);

        // SGD with momentum, cosine decay and a small L2 penalty: the recipe that generalizes best from 4,000 digits
        Mlp mlp = Mlp.classifier(256).activation(Activation.SIGMOID).backend(cpu)
                .optimizer(OptimizerSpec.sgd(0.2f, 0.9f)).l2(5e-4f).batchSize(32).epochs(30).seed(7);
        mlp.config(mlp.trainConfig().withSchedule(TrainConfig.Schedule.COSINE));
        mlp.fit(normalized.range(0, 4000));
        double deep = accuracy(mlp.predict(TestData.rows(normalized.range(4000, 5000))), yt);
        assertTrue(deep >= 0.94, "MLP 784-256(sigmoid)-10 on MNIST: " + deep);
        assertTrue(deep > linear, "the hidden layer should beat the linear model: " + deep + " vs " + linear);
        System.out.printf("MNIST 4000/1000: softmax regression %.4f, MLP 256 sigmoid %.4f%n", linear, deep);
    }
}
