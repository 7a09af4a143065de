package io.logitnet.model;

import io.logitnet.backend.Backend;
import io.logitnet.cpu.CpuBackend;
import io.logitnet.data.Dataset;
import io.logitnet.model.inference.CoefficientStats;
import io.logitnet.model.inference.GlmSummary;
import io.logitnet.model.inference.InferenceUnavailableException;
import io.logitnet.model.inference.InferenceUnavailableException.Reason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a GLM summary says when there is no classical inference, its JSON and its table. */
class GlmSummaryBehaviourTest {
    private static Backend cpu;

    @BeforeAll
    static void open() {
        cpu = new CpuBackend();
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    @Test
    void penalizedFitHasNoInference() {
        LogisticRegression m = new LogisticRegression().backend(cpu).l2(0.01f);
        m.fit(GlmData.mtcars());
        InferenceUnavailableException e = assertThrows(InferenceUnavailableException.class, m::summary);
        assertEquals(Reason.PENALIZED, e.reason());
        assertTrue(e.getMessage().contains("l2"), e.getMessage());
    }

    @Test
    void inferenceOffKeepsTheOptimizersEstimatesAndSaysItWasNotRequested() {
        Dataset d = GlmData.mtcars();
        LogisticRegression with = new LogisticRegression().backend(cpu);
        with.fit(d);
        LogisticRegression without = new LogisticRegression().backend(cpu).inference(false);
        without.fit(d);
        InferenceUnavailableException e = assertThrows(InferenceUnavailableException.class, without::summary);
        assertEquals(Reason.NOT_REQUESTED, e.reason());
        assertTrue(e.getMessage().contains("not computed"), e.getMessage());
        with.summary(); // the default computes it
        // the optimizer's estimates are the same maximum up to L-BFGS's tolerance, not Newton's refinement of it
        float[] a = with.coefficients();
        float[] b = without.coefficients();
        for (int j = 0; j < a.length; j++) {
            assertEquals(a[j], b[j], 1e-2 * (1 + Math.abs(a[j])), "coefficient " + j);
        }
    }

    @Test
    void modelBuiltFromCoefficientsHasNoData() {
        LogisticRegression m = LogisticRegression.of(new float[] {1f}, 0f, null);
        assertEquals(Reason.NOT_FITTED_ON_DATA,
                assertThrows(InferenceUnavailableException.class, m::summary).reason());
    }

    @Test
    void completeSeparationIsReportedWithTheColumns() {
        LogisticRegression m = new LogisticRegression().backend(cpu);
        m.fit(separable());
        InferenceUnavailableException e = assertThrows(InferenceUnavailableException.class, m::summary);
        assertEquals(Reason.SEPARATION, e.reason(), e.getMessage());
        assertTrue(e.columns().contains("signal"), e.columns().toString());
        // the 30 breast-cancer features separate malignant from benign tumours completely
        LogisticRegression all = new LogisticRegression().backend(cpu);
        all.fit(GlmData.breastCancer(List.of(io.logitnet.testing.TestData.csv("breast_cancer.csv").header())));
        assertEquals(Reason.SEPARATION, assertThrows(InferenceUnavailableException.class, all::summary).reason());
    }

    /** 40 rows, y = 1 exactly where signal > 0, plus a noise column. */
    private static Dataset separable() {
        java.util.Random r = new java.util.Random(5);
        int n = 40;
        float[] x = new float[2 * n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            float s = (float) (r.nextGaussian() + (i % 2 == 0 ? 1.5 : -1.5));
            x[2 * i] = s;
            x[2 * i + 1] = (float) r.nextGaussian();
            y[i] = s > 0 ? 1 : 0;
        }
        return new Dataset(x, n, 2, y, 1, List.of("signal", "noise"));
    }

    @Test
    void quasiCompleteSeparationIsReportedWithTheColumns() {
        // rows with flag = 1 are all positives; the others overlap: the flag's coefficient diverges
        java.util.Random r = new java.util.Random(11);
        int n = 200;
        float[] x = new float[2 * n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            float flag = i % 5 == 0 ? 1 : 0;
            float z = (float) r.nextGaussian();
            x[2 * i] = flag;
            x[2 * i + 1] = z;
            y[i] = flag == 1 ? 1 : (r.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1 : 0);
        }
        LogisticRegression m = new LogisticRegression().backend(cpu);
        m.fit(new Dataset(x, n, 2, y, 1, List.of("flag", "z")));
        InferenceUnavailableException e = assertThrows(InferenceUnavailableException.class, m::summary);
        assertEquals(Reason.QUASI_SEPARATION, e.reason(), e.getMessage());
        assertEquals(List.of("flag"), e.columns(), e.getMessage());
    }

    @Test
    void zeroCountsSeparatedInPoissonRegressionAreReported() {
        // every row of the flagged group has count 0: its log-mean goes to −∞ (the MLE does not exist)
        java.util.Random r = new java.util.Random(2);
        int n = 120;
        float[] x = new float[2 * n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            float flag = i % 4 == 0 ? 1 : 0;
            float z = (float) r.nextGaussian();
            x[2 * i] = flag;
            x[2 * i + 1] = z;
            y[i] = flag == 1 ? 0 : KnownAnswersTest.poisson(Math.exp(1 + 0.3 * z), r);
        }
        PoissonRegression m = new PoissonRegression().backend(cpu);
        m.fit(new Dataset(x, n, 2, y, 1, List.of("flag", "z")));
        InferenceUnavailableException e = assertThrows(InferenceUnavailableException.class, m::summary);
        assertEquals(Reason.QUASI_SEPARATION, e.reason(), e.getMessage());
        assertEquals(List.of("flag"), e.columns(), e.getMessage());
    }

    @Test
    void separatedClassesInSoftmaxRegressionAreReported() {
        // the 13 wine constituents separate the three cultivars
        SoftmaxRegression m = new SoftmaxRegression().backend(cpu);
        m.fit(GlmData.wine(List.of(io.logitnet.testing.TestData.csv("wine.csv").header())));
        InferenceUnavailableException e = assertThrows(InferenceUnavailableException.class, m::summary);
        assertTrue(e.reason() == Reason.SEPARATION || e.reason() == Reason.QUASI_SEPARATION, e.getMessage());
        assertTrue(!e.columns().isEmpty(), e.getMessage());
    }

    @Test
    void collinearColumnsAreNamed() {
        Dataset d = GlmData.mtcars();
        int n = d.rows();
        float[] x = new float[3 * n];
        for (int i = 0; i < n; i++) {
            float hp = d.x()[2 * i];
            float wt = d.x()[2 * i + 1];
            x[3 * i] = hp;
            x[3 * i + 1] = wt;
            x[3 * i + 2] = 2 * wt; // exactly collinear with wt
        }
        LinearRegression m = new LinearRegression().backend(cpu);
        m.fit(new Dataset(x, n, 3, target(d), 1, List.of("hp", "wt", "wt2")));
        InferenceUnavailableException e = assertThrows(InferenceUnavailableException.class, m::summary);
        assertEquals(Reason.SINGULAR_INFORMATION, e.reason(), e.getMessage());
        assertEquals(List.of("wt2", "wt"), e.columns(), e.getMessage());
    }

    /** A continuous response from am and hp. */
    private static float[] target(Dataset d) {
        float[] y = new float[d.rows()];
        for (int i = 0; i < y.length; i++) {
            y[i] = d.y()[i] * 3 + d.x()[2 * i] / 100;
        }
        return y;
    }

    @Test
    void constantColumnIsNamed() {
        Dataset d = GlmData.cars();
        float[] x = new float[2 * d.rows()];
        for (int i = 0; i < d.rows(); i++) {
            x[2 * i] = d.x()[i];
            x[2 * i + 1] = 7f;
        }
        LinearRegression m = new LinearRegression().backend(cpu);
        m.fit(new Dataset(x, d.rows(), 2, d.y(), 1, List.of("speed", "seven")));
        InferenceUnavailableException e = assertThrows(InferenceUnavailableException.class, m::summary);
        assertEquals(Reason.SINGULAR_INFORMATION, e.reason());
        assertEquals(List.of("(Intercept)", "seven"), e.columns());
    }

    @Test
    void jsonRoundTripKeepsEveryFieldAndTheTable() throws Exception {
        SoftmaxRegression m = new SoftmaxRegression().backend(cpu);
        m.fit(GlmData.wine(List.of("alcohol", "malic_acid")));
        GlmSummary s = m.summary().withClassNames(List.of("c0", "c1", "c2"));
        String json = s.toJson();
        com.fasterxml.jackson.databind.JsonNode o = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        for (String field : List.of("coefficients", "deviance", "null_deviance", "df_residual", "log_likelihood",
                "aic", "bic", "dispersion")) {
            assertTrue(o.has(field), field + " in " + json);
        }
        com.fasterxml.jackson.databind.JsonNode c0 = o.get("coefficients").get(0);
        assertEquals(List.of("name", "class", "estimate", "std_error", "statistic", "p_value", "ci_low", "ci_high"),
                iterable(c0.fieldNames()));
        assertEquals("(Intercept)", c0.get("name").asText());
        assertEquals("c1", c0.get("class").asText());
        GlmSummary back = GlmSummary.fromJson(json);
        assertEquals(s.coefficients(), back.coefficients());
        assertEquals(s.aic(), back.aic());
        assertEquals(s.toString(), back.toString());
        assertNull(back.covariance());
        assertTrue(s.toString().contains("c2 vs c0:"), s::toString);
        assertEquals(io.logitnet.InvalidDataException.class,
                assertThrows(RuntimeException.class, () -> GlmSummary.fromJson("{\"family\":\"binomial\"}"))
                        .getClass());
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    @Test
    void badTargetsAreNamedByRow() {
        Dataset d = new Dataset(new float[] {1, 2, 3, 4, 5}, 5, 1, new float[] {0, 1, 2, 0, 1}, 1, null);
        io.logitnet.InvalidDataException e = assertThrows(io.logitnet.InvalidDataException.class,
                () -> io.logitnet.model.inference.GlmInference.fit(cpu, d,
                        io.logitnet.model.inference.Family.BINOMIAL, 2, new float[1], new float[1], "test"));
        assertTrue(e.getMessage().contains("2.0") && e.getMessage().contains("0 or 1"), e.getMessage());
    }

    @Test
    void savedModelKeepsItsSummaryAndItsReason(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        SoftmaxRegression m = new SoftmaxRegression().backend(cpu).classLabels(List.of("a", "b", "c"));
        m.fit(GlmData.wine(List.of("alcohol", "malic_acid")));
        assertEquals(List.of("a", "b", "c"), m.summary().classes());
        java.nio.file.Path file = dir.resolve("wine.safetensors");
        m.save(file);
        Glm<?> loaded = (Glm<?>) Models.load(file);
        assertEquals(m.summary().toString(), loaded.summary().toString());
        assertEquals(m.summary().coefficients(), loaded.summary().coefficients());

        LogisticRegression penalized = new LogisticRegression().backend(cpu).l2(0.1f);
        penalized.fit(GlmData.mtcars());
        java.nio.file.Path p2 = dir.resolve("penalized.safetensors");
        penalized.save(p2);
        InferenceUnavailableException e = assertThrows(InferenceUnavailableException.class,
                ((Glm<?>) Models.load(p2))::summary);
        assertEquals(Reason.PENALIZED, e.reason());
    }

    @Test
    void tableLooksLikeRs() {
        LogisticRegression m = new LogisticRegression().backend(cpu);
        m.fit(GlmData.mtcars());
        String t = m.summary().toString();
        assertTrue(t.contains("Estimate  Std. Error  z value  Pr(>|z|)"), t);
        assertTrue(t.lines().anyMatch(l -> l.startsWith("wt ") && l.endsWith("**")), t);
        assertTrue(t.contains("Signif. codes"), t);
        assertTrue(t.contains("Residual deviance: 10.0591  on 29 degrees of freedom"), t);
        CoefficientStats wt = m.summary().coefficient("wt");
        assertTrue(wt.ciLow() < wt.estimate() && wt.estimate() < wt.ciHigh());
        assertEquals(wt.estimate() - 1.959963984540054 * wt.stdError(), wt.ciLow(), 1e-12 * Math.abs(wt.ciLow()));
    }

    @Test
    void validationSplitSummarizesTheTrainingRowsOnly() {
        LogisticRegression m = new LogisticRegression().backend(cpu).validationSplit(0.25).seed(4);
        Dataset d = GlmData.breastCancer(List.of("mean_radius", "mean_texture"));
        m.fit(d);
        assertEquals(d.rows() - Math.round(d.rows() * 0.25), m.summary().observations());
    }
}
