package io.logitnet.optim;

import io.logitnet.backend.Tensor;
import io.logitnet.cpu.CpuBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
    /** Every point the objective was evaluated at, every listener call (and how many evaluations preceded it). */
    private record Run(Lbfgs.Result result, List<float[]> evaluated, List<Integer> iterations, List<Double> values,
                       List<Integer> marks, float[] x) {
        /** The accepted point after iteration k (0: the start): the last one evaluated before the listener call. */
        float[] accepted(int k) {
            return k == 0 ? evaluated.get(0) : evaluated.get(marks.get(k - 1) - 1);
        }

        /** The first point tried in iteration k + 1. */
        float[] firstTrialAfter(int k) {
            return evaluated.get(k == 0 ? 1 : marks.get(k - 1));
        }
    }

    /** f(x) from float32 x, writing ∇f (double, stored as float32) into g. */
    private static Run minimize(Lbfgs lbfgs, float[] start, ToDoubleBiFunction<double[], double[]> f) {
        int n = start.length;
        List<float[]> evaluated = new ArrayList<>();
        List<Integer> iterations = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        List<Integer> marks = new ArrayList<>();
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
                marks.add(evaluated.size());
            });
            return new Run(r, evaluated, iterations, values, marks, x.toArray());
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
    void onAFunctionWithoutMinimumTheLongestDecreasingTrialIsKept() {
        // f = −x: every trial 1, 2, 4, ..., 2^29 decreases f and none meets the curvature condition (f' is constant);
        // after 30 trials the search settles for the last (longest) one
        Run run = minimize(new Lbfgs(5, 1, 0), new float[] {0f}, (x, g) -> {
            g[0] = -1;
            return -x[0];
        });
        assertEquals(1, run.result().iterations());
        assertEquals(0x1p29f, run.x()[0]);
        assertEquals(-0x1p29, run.result().value());
        assertEquals(1 + 30 + 1, run.result().evaluations());
        assertReportedOnce(run);
    }

    @Test
    void theNoiseSlackLetsALargeFloat32ObjectiveReachTheGradientTolerance() {
        // 1000 + Rosenbrock, rounded to float32: the whole approach to the optimum happens below ulp(1000) = 6e-5,
        // where f cannot show a decrease; the exact gradient still guides the search to ‖∇f‖ ≤ 1e-4 because
        // sufficient decrease allows 1e-7·|f| of noise (without it the search stops at ‖∇f‖ ≈ 0.05)
        Run run = minimize(new Lbfgs(10, 500, 1e-4), new float[] {-1.2f, 1f}, (x, g) ->
                (float) (1000 + rosenbrock(x, g)));
        assertTrue(run.result().converged(), run.result().toString());
        assertEquals(1, run.x()[0], 1e-3);
        assertEquals(1, run.x()[1], 1e-3);
    }

    /** −H·g by the two-loop recursion over the pairs (s, y), oldest first, in double. */
    private static double[] lbfgsDirection(List<double[]> s, List<double[]> y, double[] g) {
        int m = s.size();
        double[] q = g.clone();
        double[] a = new double[m];
        double[] rho = new double[m];
        for (int j = m - 1; j >= 0; j--) {
            rho[j] = 1 / dot(y.get(j), s.get(j));
            a[j] = rho[j] * dot(s.get(j), q);
            axpy(-a[j], y.get(j), q);
        }
        double gamma = dot(s.get(m - 1), y.get(m - 1)) / dot(y.get(m - 1), y.get(m - 1));
        for (int i = 0; i < q.length; i++) {
            q[i] *= gamma;
        }
        for (int j = 0; j < m; j++) {
            double b = rho[j] * dot(y.get(j), q);
            axpy(a[j] - b, s.get(j), q);
        }
        for (int i = 0; i < q.length; i++) {
            q[i] = -q[i];
        }
        return q;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static void axpy(double alpha, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] += alpha * x[i];
        }
    }

    private static double[] gradientAt(float[] x) {
        double[] g = new double[2];
        rosenbrock(new double[] {x[0], x[1]}, g);
        return new double[] {(float) g[0], (float) g[1]}; // what the optimizer sees
    }

    @ParameterizedTest(name = "history {0}")
    @ValueSource(ints = {1, 3, 10})
    void everyQuasiNewtonTrialStepIsTheTwoLoopRecursionOverTheLastPairs(int history) {
        // the first trial of iteration k + 1 is x_k + d_k with d_k = −H_k·g_k from the last `history` pairs
        // s_j = x_{j+1} − x_j, y_j = g_{j+1} − g_j and H_0 = (s·y / y·y)·I (Nocedal & Wright, algorithm 7.4)
        Run run = minimize(new Lbfgs(history, 200, 1e-5), new float[] {-1.2f, 1f}, LbfgsStoppingTest::rosenbrock);
        assertTrue(run.result().value() < 1e-8, run.result().toString());
        int checked = 0;
        for (int k = 1; k < run.result().iterations(); k++) {
            List<double[]> s = new ArrayList<>();
            List<double[]> y = new ArrayList<>();
            for (int j = Math.max(0, k - history); j < k; j++) {
                float[] a = run.accepted(j);
                float[] b = run.accepted(j + 1);
                double[] ga = gradientAt(a);
                double[] gb = gradientAt(b);
                s.add(new double[] {(float) (b[0] - a[0]), (float) (b[1] - a[1])});
                y.add(new double[] {(float) (gb[0] - ga[0]), (float) (gb[1] - ga[1])});
            }
            float[] xk = run.accepted(k);
            double[] d = lbfgsDirection(s, y, gradientAt(xk));
            double length = Math.hypot(d[0], d[1]);
            if (length < 1e-3) {
                break; // near the optimum float32 rounding of the pairs dominates
            }
            float[] trial = run.firstTrialAfter(k);
            double error = Math.hypot(trial[0] - (xk[0] + d[0]), trial[1] - (xk[1] + d[1]));
            assertTrue(error <= 1e-4 * length + 1e-6, "iteration " + (k + 1) + ": tried " + trial[0] + ", " + trial[1]
                    + " instead of " + (xk[0] + d[0]) + ", " + (xk[1] + d[1]));
            checked++;
        }
        assertTrue(checked >= 10, "only " + checked + " steps checked");
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
