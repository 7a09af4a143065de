package io.logitnet.optim;

import io.logitnet.backend.Backend;
import io.logitnet.backend.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Full-batch limited-memory BFGS (Nocedal &amp; Wright, algorithm 7.4) with a strong Wolfe line search
 * (algorithms 3.5 and 3.6, cubic interpolation), for convex models such as GLMs. Stops when the gradient's
 * Euclidean norm falls to the tolerance, at the iteration limit, or when no step decreases the objective any more
 * (the float32 objective has reached its noise floor). All vectors stay on the parameters' backend.
 *
 * <p>float32 objectives are noisy at the 1e-7 relative level; the sufficient-decrease test allows that much, as
 * Hager and Zhang's approximate Wolfe conditions do, so that the search can still use the (accurate) gradient near
 * the optimum.
 */
public final class Lbfgs {
    /** The objective at the current parameters; also writes its gradient into the gradient tensors. */
    @FunctionalInterface
    public interface Objective {
        double evaluate();
    }

    /** Called after each iteration. */
    @FunctionalInterface
    public interface Listener {
        void iteration(int iteration, double value, double gradientNorm);
    }

    /** What a minimization ended with. */
    public record Result(int iterations, int evaluations, double value, double gradientNorm, boolean converged,
                         String stopReason) {
    }

    private static final double C1 = 1e-4;
    private static final double C2 = 0.9;
    private static final int MAX_LINE_SEARCH = 30;
    private static final double NOISE = 1e-7;

    private final int history;
    private final int maxIterations;
    private final double gradientTolerance;

    /**
     * @param history           number of (s, y) pairs kept, 10 is usual
     * @param maxIterations     iteration limit
     * @param gradientTolerance stop when ‖∇f‖₂ ≤ this
     */
    public Lbfgs(int history, int maxIterations, double gradientTolerance) {
        if (history < 1 || maxIterations < 1 || !(gradientTolerance >= 0)) {
            throw new IllegalArgumentException("L-BFGS needs history >= 1, maxIterations >= 1, tolerance >= 0; got "
                    + history + ", " + maxIterations + ", " + gradientTolerance);
        }
        this.history = history;
        this.maxIterations = maxIterations;
        this.gradientTolerance = gradientTolerance;
    }

    public int maxIterations() {
        return maxIterations;
    }

    public double gradientTolerance() {
        return gradientTolerance;
    }

    /**
     * Minimizes {@code objective} over {@code params}, leaving the best point found in {@code params}.
     *
     * @param params    the variables, updated in place
     * @param gradients where {@code objective.evaluate()} writes ∇f, same shapes as params
     */
    public Result minimize(List<Tensor> params, List<Tensor> gradients, Objective objective, Listener listener) {
        try (Vectors v = new Vectors(params, history)) {
            return run(params, gradients, objective, listener, v);
        }
    }

    private Result run(List<Tensor> x, List<Tensor> g, Objective objective, Listener listener, Vectors v) {
        int[] evaluations = {0};
        double f = objective.evaluate();
        evaluations[0]++;
        double gnorm = norm(g);
        if (!Double.isFinite(f) || !Double.isFinite(gnorm)) {
            return new Result(0, evaluations[0], f, gnorm, false, "objective is not finite at the start");
        }
        if (gnorm <= gradientTolerance) {
            return new Result(0, evaluations[0], f, gnorm, true, "gradient norm " + fmt(gnorm) + " <= "
                    + fmt(gradientTolerance));
        }
        int stored = 0;
        int newest = -1;
        boolean retried = false;
        for (int k = 1; k <= maxIterations; k++) {
            // direction d = -H·g by the two-loop recursion
            copy(g, v.d);
            double[] alpha = new double[history];
            for (int i = 0; i < stored; i++) {
                int j = Math.floorMod(newest - i, history);
                alpha[j] = v.rho[j] * dot(v.s.get(j), v.d);
                axpy(-alpha[j], v.y.get(j), v.d);
            }
            if (stored > 0) {
                double gamma = 1.0 / (v.rho[newest] * dot(v.y.get(newest), v.y.get(newest)));
                scale(gamma, v.d);
            }
            for (int i = stored - 1; i >= 0; i--) {
                int j = Math.floorMod(newest - i, history);
                double beta = v.rho[j] * dot(v.y.get(j), v.d);
                axpy(alpha[j] - beta, v.s.get(j), v.d);
            }
            scale(-1, v.d);
            double dphi0 = dot(g, v.d);
            if (!(dphi0 < 0)) {
                // not a descent direction (can happen with float32 curvature pairs): restart from steepest descent
                copy(g, v.d);
                scale(-1, v.d);
                dphi0 = -gnorm * gnorm;
                stored = 0;
            }
            double alpha0 = stored == 0 ? Math.min(1.0, 1.0 / gnorm) : 1.0;
            copy(x, v.x0);
            copy(g, v.g0);
            double f0 = f;
            LineSearch ls = new LineSearch(x, g, v, objective, f0, dphi0, evaluations);
            double step = ls.search(alpha0);
            if (Double.isNaN(step)) {
                copy(v.x0, x);
                copy(v.g0, g);
                if (stored > 0 && !retried) {
                    stored = 0; // forget the curvature pairs and try steepest descent once
                    retried = true;
                    k--;
                    continue;
                }
                return new Result(k - 1, evaluations[0], f0, gnorm, gnorm <= gradientTolerance,
                        "line search found no decrease (objective at its float32 noise floor), gradient norm "
                                + fmt(gnorm));
            }
            retried = false;
            f = ls.value;
            // s = x - x0 ; y = g - g0
            int slot = (newest + 1) % history;
            copy(x, v.s.get(slot));
            axpy(-1, v.x0, v.s.get(slot));
            copy(g, v.y.get(slot));
            axpy(-1, v.g0, v.y.get(slot));
            double ys = dot(v.y.get(slot), v.s.get(slot));
            if (ys > 1e-10 * dot(v.y.get(slot), v.y.get(slot)) && ys > 0) {
                v.rho[slot] = 1.0 / ys;
                newest = slot;
                stored = Math.min(stored + 1, history);
            }
            gnorm = norm(g);
            if (listener != null) {
                listener.iteration(k, f, gnorm);
            }
            if (!Double.isFinite(f)) {
                return new Result(k, evaluations[0], f, gnorm, false, "objective became non-finite");
            }
            if (gnorm <= gradientTolerance) {
                return new Result(k, evaluations[0], f, gnorm, true, "gradient norm " + fmt(gnorm) + " <= "
                        + fmt(gradientTolerance));
            }
        }
        return new Result(maxIterations, evaluations[0], f, gnorm, false, "reached the iteration limit "
                + maxIterations + " with gradient norm " + fmt(gnorm));
    }

    /** Strong Wolfe line search along v.d from v.x0; leaves x, g at the accepted point. Package-private for tests. */
    static final class LineSearch {
        final List<Tensor> x;
        final List<Tensor> g;
        final Vectors v;
        final Objective objective;
        final double phi0;
        final double dphi0;
        final int[] evaluations;
        final double slack;
        double value;
        double derivative;

        LineSearch(List<Tensor> x, List<Tensor> g, Vectors v, Objective objective, double phi0, double dphi0,
                   int[] evaluations) {
            this.x = x;
            this.g = g;
            this.v = v;
            this.objective = objective;
            this.phi0 = phi0;
            this.dphi0 = dphi0;
            this.evaluations = evaluations;
            this.slack = NOISE * Math.abs(phi0);
        }

        /** Sets x = x0 + a·d, evaluates, and records φ(a), φ'(a). */
        void evaluate(double a) {
            copy(v.x0, x);
            axpy(a, v.d, x);
            value = objective.evaluate();
            evaluations[0]++;
            derivative = dot(g, v.d);
        }

        boolean sufficientDecrease(double a, double phi) {
            return phi <= phi0 + C1 * a * dphi0 + slack;
        }

        boolean curvature(double dphi) {
            return Math.abs(dphi) <= -C2 * dphi0;
        }

        /** The accepted step, or NaN if none was found (x, g then undefined). */
        double search(double a1) {
            double aPrev = 0;
            double phiPrev = phi0;
            double dPrev = dphi0;
            double a = a1;
            for (int i = 0; i < MAX_LINE_SEARCH; i++) {
                evaluate(a);
                if (!Double.isFinite(value) || !sufficientDecrease(a, value) || (i > 0 && value >= phiPrev)) {
                    return zoom(aPrev, phiPrev, dPrev, a, value, derivative);
                }
                if (curvature(derivative)) {
                    return a;
                }
                if (derivative >= 0) {
                    return zoom(a, value, derivative, aPrev, phiPrev, dPrev);
                }
                aPrev = a;
                phiPrev = value;
                dPrev = derivative;
                a = a * 2;
            }
            return bestOrNaN(aPrev, phiPrev);
        }

        /** Falls back to the last step that decreased the objective, if any. */
        private double bestOrNaN(double a, double phi) {
            if (a > 0 && phi < phi0) {
                evaluate(a);
                return a;
            }
            return Double.NaN;
        }

        double zoom(double lo, double phiLo, double dLo, double hi, double phiHi, double dHi) {
            for (int i = 0; i < MAX_LINE_SEARCH; i++) {
                double a = interpolate(lo, phiLo, dLo, hi, phiHi, dHi);
                evaluate(a);
                if (!Double.isFinite(value) || !sufficientDecrease(a, value) || value >= phiLo) {
                    hi = a;
                    phiHi = value;
                    dHi = derivative;
                } else {
                    if (curvature(derivative)) {
                        return a;
                    }
                    if (derivative * (hi - lo) >= 0) {
                        hi = lo;
                        phiHi = phiLo;
                        dHi = dLo;
                    }
                    lo = a;
                    phiLo = value;
                    dLo = derivative;
                }
                if (Math.abs(hi - lo) <= 1e-12 * Math.max(1, Math.abs(lo))) {
                    break;
                }
            }
            return bestOrNaN(lo, phiLo);
        }

        /** Minimizer of the cubic through both ends, kept inside the middle 80% of the interval. */
        static double interpolate(double a, double fa, double da, double b, double fb, double db) {
            double lo = Math.min(a, b);
            double hi = Math.max(a, b);
            double width = hi - lo;
            double mid = 0.5 * (a + b);
            if (!Double.isFinite(fb) || !Double.isFinite(db)) {
                return mid; // the far end overflowed: bisect
            }
            double d1 = da + db - 3 * (fa - fb) / (a - b);
            double disc = d1 * d1 - da * db;
            if (disc < 0) {
                return mid;
            }
            double d2 = Math.signum(b - a) * Math.sqrt(disc);
            double t = b - (b - a) * (db + d2 - d1) / (db - da + 2 * d2);
            if (!Double.isFinite(t) || t < lo + 0.1 * width || t > hi - 0.1 * width) {
                return mid;
            }
            return t;
        }
    }

    private static String fmt(double v) {
        return io.logitnet.train.Metrics.format(v);
    }

    // ---- list-of-tensor vector algebra on the parameters' backend ----

    private static double dot(List<Tensor> a, List<Tensor> b) {
        double s = 0;
        for (int i = 0; i < a.size(); i++) {
            s += a.get(i).backend().dot(a.get(i), b.get(i));
        }
        return s;
    }

    private static double norm(List<Tensor> a) {
        return Math.sqrt(dot(a, a));
    }

    private static void axpy(double alpha, List<Tensor> x, List<Tensor> y) {
        for (int i = 0; i < x.size(); i++) {
            x.get(i).backend().axpy((float) alpha, x.get(i), y.get(i));
        }
    }

    private static void scale(double alpha, List<Tensor> x) {
        for (Tensor t : x) {
            t.backend().scale((float) alpha, t);
        }
    }

    private static void copy(List<Tensor> src, List<Tensor> dst) {
        for (int i = 0; i < src.size(); i++) {
            src.get(i).backend().copy(src.get(i), dst.get(i));
        }
    }

    /** Work vectors, allocated once per minimization. */
    private static final class Vectors implements AutoCloseable {
        final List<Tensor> d;
        final List<Tensor> x0;
        final List<Tensor> g0;
        final List<List<Tensor>> s = new ArrayList<>();
        final List<List<Tensor>> y = new ArrayList<>();
        final double[] rho;
        private final List<Tensor> all = new ArrayList<>();

        Vectors(List<Tensor> like, int history) {
            try {
                d = alloc(like);
                x0 = alloc(like);
                g0 = alloc(like);
                for (int i = 0; i < history; i++) {
                    s.add(alloc(like));
                    y.add(alloc(like));
                }
            } catch (RuntimeException e) {
                close();
                throw e;
            }
            rho = new double[history];
        }

        private List<Tensor> alloc(List<Tensor> like) {
            List<Tensor> out = new ArrayList<>();
            for (Tensor t : like) {
                Backend b = t.backend();
                Tensor n = b.allocate(t.rows(), t.cols());
                all.add(n);
                out.add(n);
            }
            return out;
        }

        @Override
        public void close() {
            for (int i = all.size() - 1; i >= 0; i--) {
                all.get(i).close();
            }
            all.clear();
        }
    }
}
