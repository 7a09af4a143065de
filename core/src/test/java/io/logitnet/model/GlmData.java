package io.logitnet.model;

import io.logitnet.data.Dataset;
import io.logitnet.testing.TestData;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Real data sets for the GLM inference tests (sources and licences in resources/datasets/README.md). */
final class GlmData {
    private GlmData() {
    }

    /** R's datasets::cars: stopping distance (ft) against speed (mph) of 50 cars, Ezekiel (1930). */
    static Dataset cars() {
        int[] speed = {4, 4, 7, 7, 8, 9, 10, 10, 10, 11, 11, 12, 12, 12, 12, 13, 13, 13, 13, 14, 14, 14, 14, 15, 15,
            15, 16, 16, 17, 17, 17, 18, 18, 18, 18, 19, 19, 19, 20, 20, 20, 20, 20, 22, 23, 24, 24, 24, 24, 25};
        int[] dist = {2, 10, 4, 22, 16, 10, 18, 26, 34, 17, 28, 14, 20, 24, 28, 26, 34, 34, 46, 26, 36, 60, 80, 20,
            26, 54, 32, 40, 32, 40, 50, 42, 56, 76, 84, 36, 46, 68, 32, 48, 52, 56, 64, 66, 54, 70, 92, 93, 120, 85};
        float[] x = new float[speed.length];
        float[] y = new float[speed.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = speed[i];
            y[i] = dist[i];
        }
        return new Dataset(x, x.length, 1, y, 1, List.of("speed"));
    }

    /** R's datasets::mtcars, transmission (am: 1 manual) with horsepower and weight (1000 lb), 32 cars. */
    static Dataset mtcars() {
        double[] hp = {110, 110, 93, 110, 175, 105, 245, 62, 95, 123, 123, 180, 180, 180, 205, 215, 230, 66, 52, 65,
            97, 150, 150, 245, 175, 66, 91, 113, 264, 175, 335, 109};
        double[] wt = {2.620, 2.875, 2.320, 3.215, 3.440, 3.460, 3.570, 3.190, 3.150, 3.440, 3.440, 4.070, 3.730,
            3.780, 5.250, 5.424, 5.345, 2.200, 1.615, 1.835, 2.465, 3.520, 3.435, 3.840, 3.845, 1.935, 2.140, 1.513,
            3.170, 2.770, 3.570, 2.780};
        int[] am = {1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1};
        float[] x = new float[2 * hp.length];
        float[] y = new float[hp.length];
        for (int i = 0; i < hp.length; i++) {
            x[2 * i] = (float) hp[i];
            x[2 * i + 1] = (float) wt[i];
            y[i] = am[i];
        }
        return new Dataset(x, hp.length, 2, y, 1, List.of("hp", "wt"));
    }

    /** Dobson (1990) p. 93, R's ?glm example: counts by outcome and treatment (3 levels each, treatment coding). */
    static Dataset dobson() {
        float[] counts = {18, 17, 15, 20, 10, 20, 25, 13, 12};
        float[] x = new float[9 * 4];
        for (int i = 0; i < 9; i++) {
            int outcome = i % 3;
            int treatment = i / 3;
            x[4 * i] = outcome == 1 ? 1 : 0;
            x[4 * i + 1] = outcome == 2 ? 1 : 0;
            x[4 * i + 2] = treatment == 1 ? 1 : 0;
            x[4 * i + 3] = treatment == 2 ? 1 : 0;
        }
        return new Dataset(x, 9, 4, counts, 1, List.of("outcome2", "outcome3", "treatment2", "treatment3"));
    }

    /** anes96 (statsmodels, public domain): party identification PID 0..6 on five covariates, 944 voters. */
    static Dataset anes96() {
        TestData.Table t = TestData.csv("anes96.csv");
        return table(t, Arrays.asList(t.header()), Arrays.stream(t.target()).mapToDouble(Double::parseDouble)
                .toArray());
    }

    /** Breast cancer (malignant = 1) on the named columns. */
    static Dataset breastCancer(List<String> cols) {
        TestData.Table t = TestData.csv("breast_cancer.csv");
        return table(t, cols, Arrays.stream(t.target()).mapToDouble(s -> s.equals("malignant") ? 1 : 0).toArray());
    }

    /** Diabetes progression on the ten baseline variables. */
    static Dataset diabetes() {
        TestData.Table t = TestData.csv("diabetes.csv");
        return table(t, Arrays.asList(t.header()), Arrays.stream(t.target()).mapToDouble(Double::parseDouble)
                .toArray());
    }

    /** Counts drawn (seed 3) from a log-linear model in age, bmi and bp of the diabetes patients. */
    static Dataset diabetesCounts() {
        TestData.Table t = TestData.csv("diabetes.csv");
        Random r = new Random(3);
        double[] counts = new double[t.x().length];
        for (int i = 0; i < counts.length; i++) {
            double eta = -1.2 + 0.01 * t.x()[i][0] + 0.08 * t.x()[i][2] - 0.004 * t.x()[i][3];
            counts[i] = KnownAnswersTest.poisson(Math.exp(eta), r);
        }
        return table(t, List.of("age", "bmi", "bp", "s5"), counts);
    }

    /** Wine (UCI, CC BY 4.0) cultivar 0..2 on the named columns. */
    static Dataset wine(List<String> cols) {
        TestData.Table t = TestData.csv("wine.csv");
        return table(t, cols, Arrays.stream(t.target()).mapToDouble(Double::parseDouble).toArray());
    }

    private static Dataset table(TestData.Table t, List<String> cols, double[] target) {
        List<String> header = Arrays.asList(t.header());
        List<Integer> idx = new ArrayList<>();
        for (String c : cols) {
            int j = header.indexOf(c);
            if (j < 0) {
                throw new IllegalArgumentException("no column " + c + " in " + header);
            }
            idx.add(j);
        }
        int n = t.x().length;
        float[] x = new float[n * cols.size()];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < cols.size(); j++) {
                x[i * cols.size() + j] = (float) t.x()[i][idx.get(j)];
            }
            y[i] = (float) target[i];
        }
        return new Dataset(x, n, cols.size(), y, 1, cols);
    }
}
