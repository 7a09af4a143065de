package io.logitnet.optim;

import io.logitnet.backend.Tensor;
import io.logitnet.cpu.CpuBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleBiFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How L-BFGS ends and what it reports: at the optimum already, non-finite at the start, at the iteration limit, at
 * the float32 noise floor (after one retry by steepest descent), and how fast it gets there. The test counts every
 * objective evaluation and every listener call itself.
 */
class LbfgsStoppingTest {
    private static CpuBackend cpu;

    @BeforeAll
    static void open() {
        cpu = new CpuBackend();
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    /** Every point the objective was evaluated at, every listener call, and the result. */
    private record Run(Lbfgs.Result result, List<float[]> evaluated, List<Integer> iterations, List<Double> values,
                       float[] x) {
    }

    /** f(x) from float32 x, writing ∇f (double, stored as float32) into g. */
    private static Run minimize(Lbfgs lbfgs, float[] start, ToDoubleBiFunction<double[], double[]> f) {
        int n = start.length;
        List<float[]> evaluated = new ArrayList<>();
        List<Integer> iterations = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        try (Tensor x = cpu.upload(start, 1, n); Tensor g = cpu.allocate(1, n)) {
            Lbfgs.Result r = lbfgs.minimize(List.of(x), List.of(g), () -> {
                float[] xf = x.toArray();
                evaluated.add(xf);
                double[] xd = new double[n];
                for (int i = 0; i < n; i++) {
                    xd[i] = xf[i];
                }
                double[] gd = new double[n];
                double value = f.applyAsDouble(xd, gd);
                float[] gf = new float[n];
                for (int i = 0; i < n; i++) {
                    gf[i] = (float) gd[i];
                }
                cpu.upload(gf, 0, g);
                return value;
            }, (k, value, gradientNorm) -> {
                iterations.add(k);
                values.add(value);
            });
            return new Run(r, evaluated, iterations, values, x.toArray());
        }
    }

    private static double rosenbrock(double[] x, double[] g) {
        double a = x[0];
        double b = x[1];
        g[0] = -400 * a * (b - a * a) - 2 * (1 - a);
        g[1] = 200 * (b - a * a);
        return 100 * (b - a * a) * (b - a * a) + (1 - a) * (1 - a);
    }

    /** Σ (i+1)·(xᵢ − 1/3)², rounded to float32 as a float32 objective would be; its minimum is not a float. */
    private static double float32Bowl(double[] x, double[] g) {
        double f = 0;
        for (int i = 0; i < x.length; i++) {
            double r = x[i] - 1.0 / 3;
            f += (i + 1) * r * r;
            g[i] = 2 * (i + 1) * r;
        }
        return (float) f;
    }

    /** Σ (xᵢ − 1)², exactly 0 with a zero gradient at x = 1. */
    private static double bowlAtOne(double[] x, double[] g) {
        double f = 0;
        for (int i = 0; i < x.length; i++) {
            double r = x[i] - 1;
            f += r * r;
            g[i] = 2 * r;
        }
        return f;
    }

    private static void assertReportedOnce(Run run) {
        assertEquals(run.evaluated().size(), run.result().evaluations(), "evaluations counted by the objective");
        assertEquals(run.result().iterations(), run.iterations().size(), "one listener call per iteration");
        for (int i = 0; i < run.iterations().size(); i++) {
            assertEquals(i + 1, run.iterations().get(i), "iterations are numbered 1, 2, ...");
        }
    }

    @Test
    void atTheOptimumItStopsBeforeTheFirstIterationEvenWithToleranceZero() {
        Run run = minimize(new Lbfgs(1, 1, 0), new float[] {1f, 1f}, LbfgsStoppingTest::bowlAtOne);
        assertTrue(run.result().converged(), run.result().toString());
        assertEquals(0, run.result().iterations());
        assertEquals(1, run.result().evaluations());
        assertEquals(0.0, run.result().gradientNorm());
        assertReportedOnce(run);
    }

    @Test
    void aNonFiniteStartIsReportedWithoutMoving() {
        Run run = minimize(new Lbfgs(10, 100, 1e-6), new float[] {3f}, (x, g) -> {
            g[0] = 1;
            return Double.NaN;
        });
        assertFalse(run.result().converged());
        assertEquals(0, run.result().iterations());
        assertTrue(run.result().stopReason().contains("not finite at the start"), run.result().stopReason());
        assertArrayEquals(new float[] {3f}, run.x());

        Run infiniteGradient = minimize(new Lbfgs(10, 100, 1e-6), new float[] {3f}, (x, g) -> {
            g[0] = Double.POSITIVE_INFINITY;
            return 1;
        });
        assertFalse(infiniteGradient.result().converged());
        assertEquals(0, infiniteGradient.result().iterations());
        assertReportedOnce(infiniteGradient);
    }

    @Test
    void theIterationLimitStopsAfterExactlyThatManyIterations() {
        Run run = minimize(new Lbfgs(10, 3, 1e-5), new float[] {-1.2f, 1f}, LbfgsStoppingTest::rosenbrock);
        assertFalse(run.result().converged());
        assertEquals(3, run.result().iterations());
        assertTrue(run.result().stopReason().contains("iteration limit 3"), run.result().stopReason());
        assertReportedOnce(run);
        // every accepted step decreased the objective, and the result is the objective at the returned point
        assertTrue(run.values().get(0) < rosenbrock(new double[] {-1.2f, 1f}, new double[2]));
        for (int i = 1; i < run.values().size(); i++) {
            assertTrue(run.values().get(i) < run.values().get(i - 1), run.values().toString());
        }
        assertEquals(rosenbrock(new double[] {run.x()[0], run.x()[1]}, new double[2]), run.result().value(), 0.0);
        assertEquals(run.values().get(2), run.result().value(), 0.0);
    }

    @Test
    void theFirstTrialStepOfSteepestDescentHasLengthOne() {
        // ‖∇f‖ = 232.87 at the start: the first trial point is x0 − ∇f/‖∇f‖ (Nocedal & Wright's usual scaling)
        Run run = minimize(new Lbfgs(10, 1, 1e-5), new float[] {-1.2f, 1f}, LbfgsStoppingTest::rosenbrock);
        float[] x0 = run.evaluated().get(0);
        float[] x1 = run.evaluated().get(1);
        double length = Math.hypot(x1[0] - x0[0], x1[1] - x0[1]);
        assertEquals(1.0, length, 1e-6);
        double[] g = new double[2];
        rosenbrock(new double[] {x0[0], x0[1]}, g);
        assertTrue((x1[0] - x0[0]) * g[0] + (x1[1] - x0[1]) * g[1] < 0, "the step goes downhill");
    }

    @Test
    void rosenbrockTakesAboutAsManyIterationsAsScipy() {
        // SciPy 1.10's L-BFGS-B (m = 10, gtol 1e-5) needs 36 iterations and 44 evaluations from (-1.2, 1); a damaged
        // two-loop recursion, Hessian scaling or line search needs many more (weakening c2 alone gives 56)
        Run run = minimize(new Lbfgs(10, 500, 1e-5), new float[] {-1.2f, 1f}, LbfgsStoppingTest::rosenbrock);
        assertTrue(run.result().converged(), run.result().toString());
        assertReportedOnce(run);
        assertTrue(run.result().iterations() <= 45, run.result().toString());
        assertTrue(run.result().evaluations() <= 60, run.result().toString());
    }

    @Test
    void atTheFloat32NoiseFloorItRetriesSteepestDescentOnceThenStopsAtTheBestPoint() {
        // tolerance 0 cannot be met in float32: the line search eventually finds no decrease
        Run run = minimize(new Lbfgs(5, 1000, 0), new float[] {3.7f, -2.2f, 0.4f}, LbfgsStoppingTest::float32Bowl);
        Lbfgs.Result r = run.result();
        assertFalse(r.converged(), r.toString());
        assertTrue(r.stopReason().contains("no decrease"), r.stopReason());
        assertTrue(r.iterations() < 1000);
        assertReportedOnce(run);
        // the parameters are left at the last accepted point, whose value is the one reported
        double[] g = new double[3];
        assertEquals(float32Bowl(new double[] {run.x()[0], run.x()[1], run.x()[2]}, g), r.value(), 0.0);
        assertEquals(run.values().get(run.values().size() - 1), r.value(), 0.0);
        for (float v : run.x()) {
            assertEquals(1.0 / 3, v, 1e-3);
        }
    }

    @Test
    void settingsAtTheirSmallestAreAccepted() {
        Lbfgs l = new Lbfgs(1, 1, 0);
        assertEquals(1, l.maxIterations());
        assertEquals(0.0, l.gradientTolerance());
        assertEquals(1e-5, new Lbfgs(10, 500, 1e-5).gradientTolerance());
        assertEquals(500, new Lbfgs(10, 500, 1e-5).maxIterations());
    }
}
