package io.logitnet.optim;

import io.logitnet.backend.Tensor;
import io.logitnet.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The strong Wolfe conditions on every step L-BFGS accepts, checked from outside: after each iteration the test
 * reads the parameters, recomputes f and ∇f itself and checks, with s = x₊ − x (= α·d, α > 0),
 * <ul>
 *   <li>sufficient decrease f(x₊) ≤ f(x) + c1·∇f(x)·s + 1e-7·|f(x)| (the float32 noise slack Lbfgs documents);</li>
 *   <li>curvature |∇f(x₊)·s| ≤ c2·|∇f(x)·s|,</li>
 * </ul>
 * with Lbfgs's c1 = 1e-4 and c2 = 0.9. The only other allowance is that x₊ is a float32 vector: s differs from
 * α·d by at most one float ulp of x₊ per component.
 */
class LbfgsLineSearchTest {
    private static final double C1 = 1e-4;
    private static final double C2 = 0.9;
    private static final double NOISE = 1e-7;

    /** f(x), writing ∇f(x) into g; in double. */
    @FunctionalInterface
    private interface Function {
        double valueAndGradient(double[] x, double[] g);
    }

    /** One accepted step: the objective before and after, and ∇f·s at both ends with its rounding allowance. */
    private record Step(int iteration, double f0, double f1, double gs0, double gs1, double slack0, double slack1) {
        String describe() {
            return "iteration " + iteration + ": f " + f0 + " -> " + f1 + ", g·s " + gs0 + " -> " + gs1
                    + " (curvature ratio " + Math.abs(gs1 / gs0) + ")";
        }
    }

    private record Run(Lbfgs.Result result, List<Step> steps, float[] x) {
    }

    private static Run minimize(Function fn, float[] start, int maxIterations, double tolerance) {
        int n = start.length;
        List<Step> steps = new ArrayList<>();
        try (CpuBackend cpu = new CpuBackend(); Tensor x = cpu.upload(start, 1, n); Tensor g = cpu.allocate(1, n)) {
            double[][] prev = new double[2][];
            double[] prevF = new double[1];
            prev[0] = widen(start);
            prev[1] = new double[n];
            prevF[0] = fn.valueAndGradient(prev[0], prev[1]);
            prev[1] = widen(narrow(prev[1]));
            Lbfgs.Result r = new Lbfgs(10, maxIterations, tolerance).minimize(List.of(x), List.of(g), () -> {
                double[] gd = new double[n];
                double f = fn.valueAndGradient(widen(x.toArray()), gd);
                cpu.upload(narrow(gd), 0, g);
                return f;
            }, (k, value, gradientNorm) -> {
                float[] xf = x.toArray();
                double[] x1 = widen(xf);
                double[] g1 = new double[n];
                double f1 = fn.valueAndGradient(x1, g1);
                g1 = widen(narrow(g1)); // the optimizer sees a float32 gradient
                double gs0 = 0;
                double gs1 = 0;
                double slack0 = 0;
                double slack1 = 0;
                for (int i = 0; i < n; i++) {
                    double s = x1[i] - prev[0][i];
                    gs0 += prev[1][i] * s;
                    gs1 += g1[i] * s;
                    slack0 += Math.abs(prev[1][i]) * Math.ulp(xf[i]);
                    slack1 += Math.abs(g1[i]) * Math.ulp(xf[i]);
                }
                assertEquals(f1, value, 0.0, "the listener reports the objective at the accepted point");
                steps.add(new Step(k, prevF[0], f1, gs0, gs1, slack0, slack1));
                prev[0] = x1;
                prev[1] = g1;
                prevF[0] = f1;
            });
            return new Run(r, steps, x.toArray());
        }
    }

    private static void assertStrongWolfeOnEveryStep(Run run) {
        assertStrongWolfeOnEveryStep(run, 5);
    }

    private static void assertStrongWolfeOnEveryStep(Run run, int minSteps) {
        assertTrue(run.result().converged(), run.result().toString());
        assertEquals(run.result().iterations(), run.steps().size(), "every iteration is reported once");
        assertTrue(run.steps().size() >= minSteps, "too few steps to say anything: " + run.result());
        List<String> violations = new ArrayList<>();
        for (Step s : run.steps()) {
            if (!(s.gs0() < 0)) {
                violations.add("not a descent step: " + s.describe());
                continue;
            }
            double allowed = s.f0() + C1 * s.gs0() + NOISE * Math.abs(s.f0()) + C1 * s.slack0();
            if (!(s.f1() <= allowed)) {
                violations.add("no sufficient decrease (allowed up to " + allowed + "): " + s.describe());
            }
            if (!(Math.abs(s.gs1()) <= C2 * Math.abs(s.gs0()) + s.slack1() + C2 * s.slack0())) {
                violations.add("curvature condition fails: " + s.describe());
            }
        }
        assertTrue(violations.isEmpty(), violations.size() + " of " + run.steps().size()
                + " accepted steps break the strong Wolfe conditions, first: "
                + violations.subList(0, Math.min(3, violations.size())));
    }

    @Test
    void everyStepOnTheRosenbrockFunctionSatisfiesTheStrongWolfeConditions() {
        Run run = minimize((x, g) -> {
            double a = x[0];
            double b = x[1];
            g[0] = -400 * a * (b - a * a) - 2 * (1 - a);
            g[1] = 200 * (b - a * a);
            return 100 * (b - a * a) * (b - a * a) + (1 - a) * (1 - a);
        }, new float[] {-1.2f, 1f}, 500, 1e-5);
        assertStrongWolfeOnEveryStep(run);
        assertEquals(1.0, run.x()[0], 1e-3);
        assertEquals(1.0, run.x()[1], 2e-3);
    }

    @Test
    void everyStepOnABadlyScaledQuadraticFarFromItsMinimumSatisfiesTheStrongWolfeConditions() {
        // f = ½ Σ λᵢ (xᵢ − cᵢ)² with curvatures λ from 1 to 1e4, started 1000 away in every coordinate
        int n = 8;
        double[] lambda = new double[n];
        double[] c = new double[n];
        float[] start = new float[n];
        for (int i = 0; i < n; i++) {
            lambda[i] = Math.pow(10, 4.0 * i / (n - 1));
            c[i] = (i % 3) - 1 + 0.25 * i;
            start[i] = (float) (c[i] + (i % 2 == 0 ? 1000 : -1000));
        }
        Run run = minimize((x, g) -> {
            double f = 0;
            for (int i = 0; i < n; i++) {
                double r = x[i] - c[i];
                g[i] = lambda[i] * r;
                f += 0.5 * lambda[i] * r * r;
            }
            return f;
        }, start, 500, 1e-3);
        assertStrongWolfeOnEveryStep(run);
        for (int i = 0; i < n; i++) {
            assertEquals(c[i], run.x()[i], 1e-3 / lambda[i] + 1e-5, "coordinate " + i);
        }
    }

    @Test
    void aFirstStepLandingHighOnAFlatRimIsNotAccepted() {
        // f = 1 − exp(−10‖x‖²) from (0.1, 0.05): the first trial step (length 1) lands where f ≈ 1 and f' ≈ 0, which
        // satisfies the curvature condition; only sufficient decrease refuses it
        Run run = minimize((x, g) -> {
            double e = Math.exp(-10 * (x[0] * x[0] + x[1] * x[1]));
            g[0] = 20 * x[0] * e;
            g[1] = 20 * x[1] * e;
            return 1 - e;
        }, new float[] {0.1f, 0.05f}, 100, 1e-6);
        assertStrongWolfeOnEveryStep(run, 2);
        assertEquals(0, run.x()[0], 1e-6);
        assertEquals(0, run.x()[1], 1e-6);
    }

    // ---- the cubic interpolation of the zoom phase ----

    /** φ(t) = c3·t³ + c2·t² + c1·t and φ'(t), as {value, derivative}. */
    private static double[] cubic(double c3, double c2, double c1, double t) {
        return new double[] {((c3 * t + c2) * t + c1) * t, (3 * c3 * t + 2 * c2) * t + c1};
    }

    private static double interpolate(double c3, double c2, double c1, double a, double b) {
        double[] pa = cubic(c3, c2, c1, a);
        double[] pb = cubic(c3, c2, c1, b);
        return Lbfgs.LineSearch.interpolate(a, pa[0], pa[1], b, pb[0], pb[1]);
    }

    @Test
    void interpolationFindsTheMinimizerOfACubicFromItsEndsInEitherOrder() {
        // φ'(t) = 3·c3·(t − m)(t − r) with r < m: a local minimum at m. The cubic through both ends' values and
        // slopes is φ itself, so its minimizer must come back exactly (to rounding).
        double[][] cases = {
            // c3, m, r, a, b
            {1, 0.6, -2, 0, 1},
            {0.25, 3.5, 1, 2, 5},
            {4, -0.2, -1, -0.5, 0.3},
            {1e-3, 40, -10, 10, 60},
        };
        for (double[] c : cases) {
            double c3 = c[0];
            double m = c[1];
            double r = c[2];
            // φ'(t) = 3c3·t² − 3c3(m + r)·t + 3c3·m·r
            double c2 = -1.5 * c3 * (m + r);
            double c1 = 3 * c3 * m * r;
            assertEquals(m, interpolate(c3, c2, c1, c[3], c[4]), 1e-9 * Math.max(1, Math.abs(m)), "a < b: " + c[3]);
            assertEquals(m, interpolate(c3, c2, c1, c[4], c[3]), 1e-9 * Math.max(1, Math.abs(m)), "a > b: " + c[3]);
        }
        // a parabola is the cubic with c3 = 0: (t − 0.7)² on [0, 2]
        assertEquals(0.7, interpolate(0, 1, -1.4, 0, 2), 1e-12);
        assertEquals(0.7, interpolate(0, 1, -1.4, 2, 0), 1e-12);
    }

    @Test
    void interpolationFallsBackToBisection() {
        // a minimizer outside the middle 80% of the interval: (t − 0.05)² on [0, 1], either end first
        assertEquals(0.5, interpolate(0, 1, -0.1, 0, 1), 0.0);
        assertEquals(0.5, interpolate(0, 1, -0.1, 1, 0), 0.0);
        assertEquals(0.5, interpolate(0, 1, -1.9, 0, 1), 0.0); // (t − 0.95)²
        // just inside the middle 80%: kept
        assertEquals(0.11, interpolate(0, 1, -0.22, 0, 1), 1e-12);
        assertEquals(0.89, interpolate(0, 1, -1.78, 0, 1), 1e-12);
        // on [2, 5] (width 3) the kept part is [2.3, 4.7]: (t − 2.4)² and (t − 4.6)² keep their minimizers, (t − 2.2)²
        // and (t − 4.8)² are bisected, whichever end comes first
        assertEquals(2.4, interpolate(0, 1, -4.8, 2, 5), 1e-12);
        assertEquals(4.6, interpolate(0, 1, -9.2, 5, 2), 1e-12);
        assertEquals(3.5, interpolate(0, 1, -4.4, 2, 5), 0.0);
        assertEquals(3.5, interpolate(0, 1, -9.6, 5, 2), 0.0);
        // no critical point at all (φ' = 3t² + 1 > 0): bisect
        assertEquals(1.5, interpolate(1, 0, 1, 1, 2), 0.0);
        // the far end overflowed: bisect
        assertEquals(2.0, Lbfgs.LineSearch.interpolate(0, 1, -1, 4, Double.POSITIVE_INFINITY, 0), 0.0);
        assertEquals(2.0, Lbfgs.LineSearch.interpolate(0, 1, -1, 4, 3, Double.NaN), 0.0);
    }

    private static double[] widen(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    private static float[] narrow(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }
}
