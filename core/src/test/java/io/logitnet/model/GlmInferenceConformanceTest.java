package io.logitnet.model;

import io.logitnet.backend.Backend;
import io.logitnet.backend.BackendTestSupport;
import io.logitnet.cpu.CpuBackend;
import io.logitnet.data.Dataset;
import io.logitnet.model.inference.CoefficientStats;
import io.logitnet.model.inference.Family;
import io.logitnet.model.inference.GlmInference;
import io.logitnet.model.inference.GlmSummary;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * GLM inference on a backend against the independent double-precision reference and against the CPU, for the four
 * families. The products are error-free splittings, so a device and the CPU agree to about 1e-8, far inside the
 * issue's tolerances, although their L-BFGS starts differ. Each backend module subclasses it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class GlmInferenceConformanceTest {
    /**
     * Device against CPU: both finish with Newton in double on products accurate to ~1e-10 (only their rounded
     * tails differ in summation order), amplified by the conditioning of the information matrix (breast cancer's
     * radius, perimeter and area: variance inflation ~10^3); measured 1.4e-8 on PoCL.
     */
    static final double AGREE = 1e-7;
    protected Backend backend;
    protected Backend cpu;

    protected abstract String selection();

    @BeforeAll
    void open() {
        backend = BackendTestSupport.openForClass(selection());
        cpu = new CpuBackend();
    }

    @BeforeEach
    void skipWithoutTheBackend() {
        BackendTestSupport.skipUnless(backend, selection());
    }

    @AfterAll
    void close() {
        if (backend != null) {
            backend.close();
        }
        if (cpu != null) {
            cpu.close();
        }
    }

    @Test
    void logisticRegression() {
        check(LogisticRegression::new, GlmData.breastCancer(List.of("mean_radius", "mean_texture", "mean_perimeter",
                "mean_area", "mean_smoothness", "mean_concavity", "mean_symmetry")), Family.BINOMIAL, 2);
    }

    @Test
    void linearRegression() {
        check(LinearRegression::new, GlmData.diabetes(), Family.GAUSSIAN, 1);
    }

    @Test
    void poissonRegression() {
        check(PoissonRegression::new, GlmData.diabetesCounts(), Family.POISSON, 1);
    }

    @Test
    void softmaxRegression() {
        check(SoftmaxRegression::new, GlmData.wine(List.of("alcohol", "malic_acid", "ash", "alcalinity_of_ash")),
                Family.MULTINOMIAL, 3);
    }

    /**
     * Newton from zero in chunks of 200 rows on the device (the last one shorter, so the cross-chunk accumulation
     * runs) against the CPU's default chunks, and against Stata's published fit (in {@link GlmInferenceTest}).
     */
    @Test
    void manyChunksFromAColdStart() {
        Dataset d = GlmData.anes96();
        GlmSummary chunked = GlmInference.fit(backend, d, Family.MULTINOMIAL, 7, new float[7 * d.cols()],
                new float[7], "SoftmaxRegression", 200).summary();
        SoftmaxRegression m = new SoftmaxRegression().backend(cpu);
        m.fit(d);
        agree(m.summary(), chunked);
        GlmInferenceTest.compare(chunked, d, Family.MULTINOMIAL, 7);
    }

    private void check(Supplier<? extends Glm<?>> make, Dataset d, Family family, int classes) {
        GlmSummary onDevice = fit(make.get(), d, backend);
        GlmInferenceTest.compare(onDevice, d, family, classes);
        agree(fit(make.get(), d, cpu), onDevice);
    }

    private void agree(GlmSummary onCpu, GlmSummary onDevice) {
        List<CoefficientStats> a = onCpu.coefficients();
        List<CoefficientStats> b = onDevice.coefficients();
        for (int i = 0; i < a.size(); i++) {
            String what = backend.name() + " vs cpu, " + a.get(i).name() + " " + a.get(i).className();
            GlmInferenceTest.assertRelative(a.get(i).estimate(), b.get(i).estimate(), AGREE, what);
            GlmInferenceTest.assertRelative(a.get(i).stdError(), b.get(i).stdError(), AGREE, what + " s.e.");
        }
        GlmInferenceTest.assertRelative(onCpu.deviance(), onDevice.deviance(), AGREE, "deviance");
        assertEquals(onCpu.dfResidual(), onDevice.dfResidual());
    }

    private static GlmSummary fit(Glm<?> m, Dataset d, Backend b) {
        m.backend(b);
        m.fit(d);
        return m.summary();
    }
}
