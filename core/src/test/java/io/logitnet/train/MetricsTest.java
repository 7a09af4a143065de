package io.logitnet.train;

import io.logitnet.backend.Loss;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The metrics on small inputs whose values are worked out by hand, boundaries included. */
class MetricsTest {
    @Test
    void binaryAccuracyCountsAPositiveLogitAsClassOneAndATargetOfOneHalfAsPositive() {
        // logit 0 predicts class 0; target 0.5 counts as class 1
        float[] logits = {2f, -1f, 0.5f, -3f, 0f, 1f};
        float[] targets = {1f, 0f, 0f, 0.6f, 0f, 0.5f};
        Map<String, Double> m = Metrics.compute(Loss.SIGMOID_BINARY_CROSS_ENTROPY, logits, targets, 6, 1, 0.75);
        assertEquals(4 / 6.0, m.get("accuracy"), 1e-15);
        assertEquals(0.75, m.get("log_loss"), 0.0);
        // two outputs per row: the mean loss per row is over both, log loss per output
        Map<String, Double> two = Metrics.compute(Loss.SIGMOID_BINARY_CROSS_ENTROPY, logits, targets, 3, 2, 0.75);
        assertEquals(0.375, two.get("log_loss"), 0.0);
        assertEquals(4 / 6.0, two.get("accuracy"), 1e-15);
    }

    @Test
    void softmaxAccuracyTakesTheFirstLargestScoreOnTies() {
        float[] scores = {
            0.1f, 0.7f, 0.2f, // 1
            0.5f, 0.5f, 0f,   // tie: 0
            0f, 0f, 3f,       // 2
            4f, 1f, 4f,       // tie: 0
        };
        float[] labels = {1, 0, 2, 2};
        assertEquals(0.75, Metrics.softmaxAccuracy(scores, labels, 4, 3), 0.0);
        assertEquals(1, Metrics.argmax(scores, 0, 3));
        assertEquals(0, Metrics.argmax(scores, 3, 3));
        assertEquals(2, Metrics.argmax(scores, 6, 3));
        assertEquals(0, Metrics.argmax(scores, 9, 3));
        Map<String, Double> m = Metrics.compute(Loss.SOFTMAX_CROSS_ENTROPY, scores, labels, 4, 3, 1.25);
        assertEquals(0.75, m.get("accuracy"), 0.0);
        assertEquals(1.25, m.get("log_loss"), 0.0);
    }

    @Test
    void meanSquaredError() {
        assertEquals(13 / 3.0, Metrics.mse(new float[] {1f, 2f, 4f}, new float[] {1f, 0f, 1f}), 1e-15);
        assertEquals(2.25, Metrics.compute(Loss.SQUARED_ERROR, new float[] {-1f, 2f}, new float[] {0.5f, 0.5f}, 2, 1,
                0).get("mse"), 0.0);
    }

    @Test
    void poissonDevianceIsTwiceTheMeanOfYLogYOverMuMinusYMinusMu() {
        double[] mu = {1, 2, 0.5};
        float[] y = {0f, 3f, 1f};
        // y = 0: 2·mu; otherwise 2·(y·log(y/mu) − (y − mu))
        double expected = (2 * 1 + 2 * (3 * Math.log(1.5) - 1) + 2 * (Math.log(2) - 0.5)) / 3;
        assertEquals(expected, Metrics.poissonDeviance(mu, y), 1e-15);
        // from logits: mu = e^z
        Map<String, Double> m = Metrics.compute(Loss.POISSON, new float[] {0f, (float) Math.log(2),
            (float) Math.log(0.5)}, y, 3, 1, 0);
        assertEquals(expected, m.get("poisson_deviance"), 1e-7);
        assertEquals(0.0, Metrics.poissonDeviance(new double[] {2, 5}, new float[] {2f, 5f}), 1e-15);
    }

    @Test
    void logLossOfClassProbabilitiesIsClippedAt1em15() {
        float[] p = {
            0.25f, 0.75f,
            0.5f, 0.5f,
            1f, 0f,
        };
        float[] labels = {1, 0, 1};
        double expected = (-Math.log(0.75) - Math.log(0.5) - Math.log(1e-15)) / 3;
        assertEquals(expected, Metrics.logLoss(p, labels, 3, 2), 1e-12);
    }
}
