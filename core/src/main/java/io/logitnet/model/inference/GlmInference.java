package io.logitnet.model.inference;

import io.logitnet.DeviceOutOfMemoryException;
import io.logitnet.InvalidDataException;
import io.logitnet.backend.Backend;
import io.logitnet.backend.Precision;
import io.logitnet.cpu.CpuBackend;
import io.logitnet.data.Dataset;
import io.logitnet.data.Standardizer;
import io.logitnet.model.inference.InferenceUnavailableException.Reason;
import org.apache.commons.statistics.distribution.ContinuousDistribution;
import org.apache.commons.statistics.distribution.NormalDistribution;
import org.apache.commons.statistics.distribution.TDistribution;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Finishes an unpenalized GLM fit with Newton's method (IRLS) in double precision and computes its inference.
 *
 * <p>It starts from the L-BFGS estimates, works on internally standardized features (so that the information matrix
 * is well scaled), forms the score and the information matrix on the backend with {@link DeviceDesign}'s
 * error-free float32 products, and factors the (K−1)p × (K−1)p system in double on the host. It stops when the
 * Newton step is below 1e-9 standard errors (then the estimates agree with R's and statsmodels' to many digits),
 * and folds estimates and covariance back to the raw units. Separation (complete: a fitted linear predictor
 * classifies every row; quasi-complete: rows fitted numerically perfectly along a direction that the Newton steps
 * follow without end) and a singular information matrix are reported by name with the columns involved.
 */
public final class GlmInference {
    /** The largest Newton system solved: (K − 1)·(features + 1) parameters. */
    public static final int MAX_PARAMETERS = 4096;
    static final int MAX_ITERATIONS = 50;
    /** A pivot below this (of a unit-diagonal information matrix) marks a column as aliased (VIF above 1e9). */
    static final double ALIAS_TOLERANCE = 1e-9;
    /** Converged when every Newton step is below this many standard errors. */
    static final double STEP_TOLERANCE = 1e-9;
    /** A fitted probability (or Poisson mean of a zero count) this close to its limit counts as numerically exact. */
    static final double EXTREME = 1e-8;
    static final double CONFIDENCE = 0.95;

    private GlmInference() {
    }

    /**
     * The fitted estimates in raw units and the summary.
     *
     * @param coefficients {@code [m][features + 1]}: intercept then slopes, one row per linear predictor (m = 1, or
     *                     K − 1 for softmax regression: class k + 1 against class 0)
     */
    public record Result(GlmSummary summary, double[][] coefficients) {
    }

    /**
     * Runs Newton's method from the given fit and returns the estimates and their inference.
     *
     * @param backend    where the products run (its precision is set to FP32 meanwhile): on the device, exact in
     *                   float32 by slicing ({@link DeviceDesign}), or, for the CPU backend, in double on the host
     * @param data       the rows the model was trained on (targets: 0/1, counts, values or class indices)
     * @param family     the model's family
     * @param classes    K for softmax regression, else ignored
     * @param weights    the fitted weights {@code [outputs, features]} row-major, raw units (the start)
     * @param intercepts the fitted intercepts {@code [outputs]}
     * @param model      the model's name for the summary
     * @throws InferenceUnavailableException when there is no classical inference, with the reason and columns
     */
    public static Result fit(Backend backend, Dataset data, Family family, int classes, float[] weights,
                             float[] intercepts, String model) {
        return fit(backend, data, family, classes, weights, intercepts, model, 0);
    }

    /**
     * As {@link #fit(Backend, Dataset, Family, int, float[], float[], String)} with the rows per device chunk given
     * (1 to {@link DeviceDesign#MAX_CHUNK_ROWS} = 1024; fewer use more, smaller products: for tests), on the device
     * path for every backend, the CPU's included; 0 chooses as that method does.
     */
    public static Result fit(Backend backend, Dataset data, Family family, int classes, float[] weights,
                             float[] intercepts, String model, int chunkRows) {
        if (chunkRows < 0 || chunkRows > DeviceDesign.MAX_CHUNK_ROWS) {
            throw new IllegalArgumentException("chunk rows " + chunkRows + " not in [0, " + DeviceDesign.MAX_CHUNK_ROWS
                    + "]");
        }
        int n = data.rows();
        int p = data.cols();
        int cols = p + 1;
        int m = family == Family.MULTINOMIAL ? classes - 1 : 1;
        int params = m * cols;
        List<String> names = new ArrayList<>();
        names.add("(Intercept)");
        names.addAll(data.featureNames());
        if (params > MAX_PARAMETERS) {
            throw new InferenceUnavailableException(Reason.TOO_MANY_PARAMETERS, List.of(), params
                    + " parameters (" + (m > 1 ? m + " classes × " : "") + cols + " columns) exceed the "
                    + MAX_PARAMETERS + " that the double-precision Newton finish solves; no standard errors");
        }
        checkTargets(data.y(), family, classes);
        int extraParameter = family.estimatesDispersion() ? 1 : 0;
        if (n - params <= 0) {
            throw new InferenceUnavailableException(Reason.NO_RESIDUAL_DF, List.of(), n + " rows for " + params
                    + " parameters leave no residual degrees of freedom");
        }
        double[][] scaling = scaling(data);
        List<String> constant = new ArrayList<>();
        for (int j = 0; j < p; j++) {
            if (scaling[2][j] != 0) {
                constant.add(names.get(j + 1));
            }
        }
        if (!constant.isEmpty()) {
            List<String> involved = new ArrayList<>(constant);
            involved.add(0, "(Intercept)");
            throw new InferenceUnavailableException(Reason.SINGULAR_INFORMATION, involved, "singular information "
                    + "matrix: " + String.join(", ", constant) + (constant.size() == 1 ? " is" : " are")
                    + " constant, collinear with (Intercept); drop " + (constant.size() == 1 ? "it" : "them"));
        }
        Precision before = backend.precision();
        if (before != Precision.FP32) {
            backend.setPrecision(Precision.FP32);
        }
        try (Design design = chunkRows == 0 && backend instanceof CpuBackend
                ? new HostDesign(data.x(), n, p, scaling[0], scaling[1])
                : new DeviceDesign(backend, data.x(), n, p, scaling[0], scaling[1],
                        chunkRows == 0 ? DeviceDesign.MAX_CHUNK_ROWS : chunkRows)) {
            Newton newton = new Newton(design, family, data.y(), m, names);
            newton.run(standardize(startingPoint(family, m, p, weights, intercepts), scaling[0], scaling[1]));
            return newton.result(model, classes, extraParameter, scaling);
        } catch (DeviceOutOfMemoryException e) {
            throw new InferenceUnavailableException(Reason.DEVICE_MEMORY, List.of(), "the design matrix ("
                    + n + " × " + cols + ", six float32 copies) does not fit on " + backend.name() + ": "
                    + e.getMessage());
        } finally {
            if (before != Precision.FP32) {
                backend.setPrecision(before);
            }
        }
    }

    /** One target per row: 0/1, a count ≥ 0, a finite value, or a class index in [0, classes). */
    private static void checkTargets(float[] y, Family family, int classes) {
        for (int i = 0; i < y.length; i++) {
            float v = y[i];
            boolean ok = switch (family) {
                case BINOMIAL -> v == 0 || v == 1;
                case POISSON -> v >= 0;
                case GAUSSIAN -> Float.isFinite(v);
                case MULTINOMIAL -> v == Math.rint(v) && v >= 0 && v < classes;
            };
            if (!ok) {
                throw new InvalidDataException("targets", i + 1, 0, String.valueOf(v), family.label()
                        + " inference needs " + switch (family) {
                            case BINOMIAL -> "labels 0 or 1";
                            case POISSON -> "counts >= 0";
                            case GAUSSIAN -> "finite values";
                            case MULTINOMIAL -> "class indices in [0, " + classes + ")";
                        });
            }
        }
    }

    /** {means, deviations (1 for a constant column: centred only), 1 where the column is constant} in double. */
    private static double[][] scaling(Dataset data) {
        double[][] ms = Standardizer.fit(data);
        int p = data.cols();
        float[] x = data.x();
        double[] constant = new double[p];
        java.util.Arrays.fill(constant, 1);
        for (int i = 1; i < data.rows(); i++) {
            for (int j = 0; j < p; j++) {
                if (x[i * p + j] != x[j]) {
                    constant[j] = 0;
                }
            }
        }
        return new double[][] {ms[0], ms[1], constant};
    }

    /** The model's parameters as m linear predictors: softmax's K rows become classes 1..K−1 minus class 0. */
    private static double[][] startingPoint(Family family, int m, int p, float[] w, float[] b) {
        double[][] beta = new double[m][p + 1];
        for (int k = 0; k < m; k++) {
            int row = family == Family.MULTINOMIAL ? k + 1 : 0;
            beta[k][0] = family == Family.MULTINOMIAL ? (double) b[row] - b[0] : b[0];
            for (int j = 0; j < p; j++) {
                beta[k][j + 1] = family == Family.MULTINOMIAL ? (double) w[row * p + j] - w[j] : w[j];
            }
        }
        return beta;
    }

    /** Raw → standardized: β_s,j = β_j·sd_j, β_s,0 = β_0 + Σ β_j·mean_j. */
    private static double[][] standardize(double[][] raw, double[] mean, double[] sd) {
        double[][] out = new double[raw.length][];
        for (int k = 0; k < raw.length; k++) {
            double[] r = raw[k];
            double[] s = new double[r.length];
            s[0] = r[0];
            for (int j = 1; j < r.length; j++) {
                s[j] = r[j] * sd[j - 1];
                s[0] += r[j] * mean[j - 1];
            }
            out[k] = s;
        }
        return out;
    }

    /** Newton's method on the standardized design and what it ends with. */
    private static final class Newton {
        private final Design design;
        private final Family family;
        private final float[] y;
        private final int n;
        private final int m;
        private final int cols;
        private final List<String> names;

        double[][] beta;
        double[][] eta;
        double deviance;
        double[][] mu;       // fitted probabilities of classes 1..m (multinomial) or means, [n][m]
        double[] weight;     // working weights (single-predictor families)
        double[][] residual; // score residuals y - μ, [n][m]
        double[][] information;
        Cholesky factor;
        int iterations;

        Newton(Design design, Family family, float[] y, int m, List<String> names) {
            this.design = design;
            this.family = family;
            this.y = y;
            this.n = design.rows();
            this.m = m;
            this.cols = design.cols();
            this.names = names;
        }

        void run(double[][] start) {
            beta = start;
            double[][] anchor = copy(beta);
            double[][] anchorEta = design.etaOnHost(anchor);
            double[][] previous = null;
            double previousDeviance = Double.POSITIVE_INFINITY;
            double[] lastStep = null;
            double previousCriterion = Double.POSITIVE_INFINITY;
            int halvings = 0;
            while (true) {
                eta = predictor(anchor, anchorEta);
                evaluate();
                if (family.classifies() && perfectlyClassified()) {
                    throw separation(true, flatten(beta), 0);
                }
                boolean worse = !Double.isFinite(deviance)
                        || deviance > previousDeviance + 1e-10 * (Math.abs(previousDeviance) + 1);
                if (previous != null && worse && halvings < 30) {
                    halvings++;
                    for (int k = 0; k < m; k++) {
                        for (int j = 0; j < cols; j++) {
                            beta[k][j] = (beta[k][j] + previous[k][j]) / 2;
                        }
                    }
                    continue;
                }
                if (!Double.isFinite(deviance)) {
                    throw new InferenceUnavailableException(Reason.NOT_CONVERGED, List.of(), "Newton's method "
                            + "reached a non-finite deviance (" + deviance + ") from the L-BFGS estimates");
                }
                halvings = 0;
                if (iterations == MAX_ITERATIONS) {
                    trouble(lastStep, null);
                    throw new InferenceUnavailableException(Reason.NOT_CONVERGED, List.of(), "Newton's method did "
                            + "not converge in " + MAX_ITERATIONS + " iterations (deviance " + deviance + ")");
                }
                iterations++;
                double[] score = flatten(transpose(design.crossprod(residual)));
                information = information();
                factor = Cholesky.factor(information, ALIAS_TOLERANCE);
                if (factor.singular()) {
                    trouble(lastStep, factor);
                }
                double[] scaled = factor.solveScaled(score);
                double criterion = 0;
                for (double v : scaled) {
                    criterion = Math.max(criterion, Math.abs(v));
                }
                // |step_i| / se_i ≤ |scaled_i|; the second test accepts the level where rounding stops progress
                if (criterion < STEP_TOLERANCE || (previousCriterion < 1e-5 && criterion > previousCriterion / 4)) {
                    if (hasExtremeRows()) {
                        trouble(lastStep, null);
                    }
                    return;
                }
                previousCriterion = criterion;
                lastStep = factor.unscale(scaled);
                previous = copy(beta);
                previousDeviance = deviance;
                double drift = 0;
                double size = 0;
                for (int k = 0; k < m; k++) {
                    for (int j = 0; j < cols; j++) {
                        beta[k][j] += lastStep[k * cols + j];
                        drift += Math.abs(beta[k][j] - anchor[k][j]);
                        size += Math.abs(beta[k][j]);
                    }
                }
                // D·(β − anchor) in float32 is accurate to ~1e-7 of |D·(β − anchor)|: keep that below 1e-13 of |η|
                // by computing D·β in double again (an O(n·p) host pass, typically twice per fit)
                if (drift > 1e-6 * size) {
                    anchor = copy(beta);
                    anchorEta = design.etaOnHost(anchor);
                }
            }
        }

        private double[][] predictor(double[][] anchor, double[][] anchorEta) {
            double[][] delta = new double[m][cols];
            boolean zero = true;
            for (int k = 0; k < m; k++) {
                for (int j = 0; j < cols; j++) {
                    delta[k][j] = beta[k][j] - anchor[k][j];
                    zero &= delta[k][j] == 0;
                }
            }
            if (zero) {
                return copy(anchorEta);
            }
            double[][] d = design.etaDelta(delta);
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < m; k++) {
                    d[i][k] += anchorEta[i][k];
                }
            }
            return d;
        }

        /** μ, working weights, score residuals and deviance at the current η. */
        private void evaluate() {
            mu = new double[n][m];
            residual = new double[n][m];
            deviance = 0;
            if (family == Family.MULTINOMIAL) {
                for (int i = 0; i < n; i++) {
                    double max = 0;
                    for (int k = 0; k < m; k++) {
                        max = Math.max(max, eta[i][k]);
                    }
                    double sum = Math.exp(-max);
                    for (int k = 0; k < m; k++) {
                        sum += Math.exp(eta[i][k] - max);
                    }
                    double lse = max + Math.log(sum);
                    int c = (int) y[i];
                    for (int k = 0; k < m; k++) {
                        mu[i][k] = Math.exp(eta[i][k] - lse);
                        residual[i][k] = (c == k + 1 ? 1 : 0) - mu[i][k];
                    }
                    deviance += 2 * (lse - (c == 0 ? 0 : eta[i][c - 1]));
                }
                return;
            }
            weight = new double[n];
            double[] out = new double[4];
            for (int i = 0; i < n; i++) {
                family.row(y[i], eta[i][0], out);
                mu[i][0] = out[0];
                weight[i] = out[1];
                residual[i][0] = out[2];
                deviance += out[3];
            }
        }

        /** The information matrix: one Gram Dᵀ·diag(w)·D per pair of predictors. */
        private double[][] information() {
            int params = m * cols;
            double[][] h = new double[params][params];
            for (int k = 0; k < m; k++) {
                for (int l = k; l < m; l++) {
                    double[] w = weight;
                    if (family == Family.MULTINOMIAL) {
                        w = new double[n];
                        for (int i = 0; i < n; i++) {
                            w[i] = mu[i][k] * ((k == l ? 1 : 0) - mu[i][l]);
                        }
                    }
                    double[][] g = design.gram(w);
                    for (int a = 0; a < cols; a++) {
                        for (int c = 0; c < cols; c++) {
                            h[k * cols + a][l * cols + c] = g[a][c];
                            h[l * cols + c][k * cols + a] = g[a][c];
                        }
                    }
                }
            }
            return h;
        }

        private boolean perfectlyClassified() {
            for (int i = 0; i < n; i++) {
                int c = (int) y[i];
                if (family == Family.BINOMIAL) {
                    if (!(c == 1 ? eta[i][0] > 0 : eta[i][0] < 0)) {
                        return false;
                    }
                } else {
                    double own = c == 0 ? 0 : eta[i][c - 1];
                    if (c != 0 && !(own > 0)) {
                        return false;
                    }
                    for (int k = 0; k < m; k++) {
                        if (k + 1 != c && !(own > eta[i][k])) {
                            return false;
                        }
                    }
                }
            }
            return true;
        }

        /** Rows fitted numerically exactly: probability of the observed class ≈ 1 (or a zero count's mean ≈ 0). */
        private boolean extreme(int i) {
            return switch (family) {
                case BINOMIAL -> (y[i] == 1 ? 1 - mu[i][0] : mu[i][0]) < EXTREME;
                case POISSON -> y[i] == 0 && mu[i][0] < EXTREME;
                case MULTINOMIAL -> {
                    int c = (int) y[i];
                    double own = c == 0 ? 1 - sum(mu[i]) : mu[i][c - 1];
                    yield 1 - own < EXTREME;
                }
                default -> false;
            };
        }

        private boolean hasExtremeRows() {
            for (int i = 0; i < n; i++) {
                if (extreme(i)) {
                    return true;
                }
            }
            return false;
        }

        /**
         * Called when Newton's method ends badly or with rows fitted numerically exactly: if the last step is a
         * direction along which the likelihood increases without end (a certificate of quasi-complete separation),
         * reports separation; otherwise a singular factor is reported as collinearity.
         */
        private void trouble(double[] lastStep, Cholesky singular) {
            if (lastStep != null && family != Family.GAUSSIAN && hasExtremeRows()) {
                int separated = separatedRows(lastStep);
                if (separated > 0) {
                    throw separation(separated == n, lastStep, separated);
                }
            }
            if (singular != null) {
                throw collinearity(singular);
            }
        }

        /**
         * Rows that direction v fits ever better while no row is fitted worse, or 0 when v is no such direction:
         * with E = D·v, every row must have E on the observed class ≥ every other (binomial: sign(2y−1)·E ≥ 0;
         * Poisson: E = 0 where y > 0 and E ≤ 0 where y = 0), and those where it is strict must be fitted
         * numerically exactly already.
         */
        private int separatedRows(double[] v) {
            double[][] dir = new double[m][cols];
            for (int k = 0; k < m; k++) {
                System.arraycopy(v, k * cols, dir[k], 0, cols);
            }
            double[][] e = design.etaDelta(dir);
            double scale = 0;
            for (double[] ei : e) {
                for (double x : ei) {
                    scale = Math.max(scale, Math.abs(x));
                }
            }
            double tol = 1e-3 * scale;
            int strict = 0;
            for (int i = 0; i < n; i++) {
                double worst;
                double best;
                switch (family) {
                    case BINOMIAL -> {
                        worst = (y[i] == 1 ? 1 : -1) * e[i][0];
                        best = worst;
                    }
                    case POISSON -> {
                        worst = y[i] > 0 ? -Math.abs(e[i][0]) : -e[i][0];
                        best = worst;
                    }
                    default -> {
                        int c = (int) y[i];
                        double own = c == 0 ? 0 : e[i][c - 1];
                        worst = Double.POSITIVE_INFINITY;
                        best = Double.NEGATIVE_INFINITY;
                        for (int k = 0; k <= m; k++) {
                            if (k != c) {
                                double d = own - (k == 0 ? 0 : e[i][k - 1]);
                                worst = Math.min(worst, d);
                                best = Math.max(best, d);
                            }
                        }
                    }
                }
                if (worst < -tol) {
                    return 0;
                }
                if (best > tol) {
                    if (!extreme(i)) {
                        return 0;
                    }
                    strict++;
                }
            }
            return strict;
        }

        private InferenceUnavailableException separation(boolean complete, double[] direction, int rows) {
            List<String> cols2 = new ArrayList<>(involved(direction));
            String what = family == Family.POISSON ? "zero counts" : "classes";
            String msg = complete
                    ? "complete separation: the fitted linear predictor classifies every training row correctly, so "
                    + "the maximum-likelihood estimates do not exist (they grow without bound along "
                    + String.join(", ", cols2) + "); no standard errors. Remove or combine the separating "
                    + "features, or fit with an L2 penalty (then without inference)"
                    : "quasi-complete separation: " + rows + " rows are fitted numerically exactly and the estimates "
                    + "of " + String.join(", ", cols2) + " grow without bound (the " + what + " are separated "
                    + "along them); the maximum-likelihood estimates do not exist; no standard errors";
            return new InferenceUnavailableException(complete ? Reason.SEPARATION : Reason.QUASI_SEPARATION, cols2,
                    msg);
        }

        /** The features whose (standardized) coefficients make up a direction: those above 1e-3 of the largest. */
        private List<String> involved(double[] direction) {
            double max = 0;
            for (int k = 0; k < m; k++) {
                for (int j = 1; j < cols; j++) {
                    max = Math.max(max, Math.abs(direction[k * cols + j]));
                }
            }
            Set<String> out = new LinkedHashSet<>();
            for (int k = 0; k < m; k++) {
                for (int j = 1; j < cols; j++) {
                    if (Math.abs(direction[k * cols + j]) > 1e-3 * max) {
                        out.add(names.get(j));
                    }
                }
            }
            return new ArrayList<>(out);
        }

        private InferenceUnavailableException collinearity(Cholesky c) {
            Set<String> all = new LinkedHashSet<>();
            List<String> parts = new ArrayList<>();
            for (Cholesky.Alias a : c.aliases()) {
                String col = label(a.column());
                all.add(col);
                List<String> deps = new ArrayList<>();
                for (int d : a.dependsOn()) {
                    deps.add(label(d));
                    all.add(label(d));
                }
                parts.add(deps.isEmpty() ? col + " is zero on every row with weight"
                        : col + " is a linear combination of " + String.join(", ", deps));
            }
            return new InferenceUnavailableException(Reason.SINGULAR_INFORMATION, new ArrayList<>(all),
                    "singular information matrix (collinear columns): " + String.join("; ", parts)
                    + "; drop one column of each group");
        }

        private String label(int param) {
            String name = names.get(param % cols);
            return m > 1 ? name + " [class " + (param / cols + 1) + "]" : name;
        }

        Result result(String model, int classes, int extraParameter, double[][] scaling) {
            int params = m * cols;
            double[][] cov = factor.inverse();
            double dispersion = 1;
            int dfResidual = n - params;
            if (family.estimatesDispersion()) {
                dispersion = deviance / dfResidual;
            }
            double[] mean = scaling[0];
            double[] sd = scaling[1];
            double[][] rawBeta = new double[m][cols];
            for (int k = 0; k < m; k++) {
                rawBeta[k] = toRaw(beta[k], mean, sd);
            }
            double[][] rawCov = covarianceToRaw(cov, mean, sd);
            for (double[] row : rawCov) {
                for (int j = 0; j < params; j++) {
                    row[j] *= dispersion;
                }
            }
            ContinuousDistribution dist = family.usesT() ? TDistribution.of(dfResidual)
                    : NormalDistribution.of(0, 1);
            double q = dist.inverseSurvivalProbability((1 - CONFIDENCE) / 2);
            List<CoefficientStats> stats = new ArrayList<>();
            List<String> classNames = new ArrayList<>();
            if (family == Family.MULTINOMIAL) {
                for (int k = 0; k < classes; k++) {
                    classNames.add(String.valueOf(k));
                }
            }
            for (int k = 0; k < m; k++) {
                for (int j = 0; j < cols; j++) {
                    int idx = k * cols + j;
                    double est = rawBeta[k][j];
                    double se = Math.sqrt(rawCov[idx][idx]);
                    double stat = est / se;
                    double pv = 2 * dist.survivalProbability(Math.abs(stat));
                    stats.add(new CoefficientStats(names.get(j), family == Family.MULTINOMIAL
                            ? classNames.get(k + 1) : null, est, se, stat, pv, est - q * se, est + q * se));
                }
            }
            double nullDeviance = family.nullDeviance(y, n, classes);
            double[] eta0 = new double[n];
            for (int i = 0; i < n; i++) {
                eta0[i] = eta[i][0];
            }
            double logLik = family.logLikelihood(deviance, y, eta0, n);
            int k = params + extraParameter;
            double aic = -2 * logLik + 2 * k;
            double bic = -2 * logLik + Math.log(n) * k;
            int dfNull = n - m;
            GlmSummary s = new GlmSummary(model, family, n, classNames, stats, deviance, nullDeviance, dfResidual,
                    dfNull, logLik, aic, bic, dispersion, iterations, rawCov);
            return new Result(s, rawBeta);
        }

        /** β_raw,j = β_s,j / sd_j; β_raw,0 = β_s,0 − Σ β_s,j·mean_j / sd_j. */
        private static double[] toRaw(double[] s, double[] mean, double[] sd) {
            double[] r = new double[s.length];
            r[0] = s[0];
            for (int j = 1; j < s.length; j++) {
                r[j] = s[j] / sd[j - 1];
                r[0] -= s[j] * mean[j - 1] / sd[j - 1];
            }
            return r;
        }

        /** J·Σ·Jᵀ with J the (block-diagonal) linear map of {@link #toRaw}: J·(J·Σ)ᵀ, as Σ is symmetric. */
        private double[][] covarianceToRaw(double[][] cov, double[] mean, double[] sd) {
            return rowsToRaw(transpose(rowsToRaw(cov, mean, sd)), mean, sd);
        }

        /** J·A: the rows of A combined as {@link #toRaw} combines coefficients. */
        private double[][] rowsToRaw(double[][] a, double[] mean, double[] sd) {
            double[][] out = new double[a.length][];
            for (int k = 0; k < m; k++) {
                int o = k * cols;
                double[] intercept = a[o].clone();
                for (int j = 1; j < cols; j++) {
                    double[] row = a[o + j];
                    double[] scaled = new double[row.length];
                    double f = mean[j - 1] / sd[j - 1];
                    for (int t = 0; t < row.length; t++) {
                        scaled[t] = row[t] / sd[j - 1];
                        intercept[t] -= f * row[t];
                    }
                    out[o + j] = scaled;
                }
                out[o] = intercept;
            }
            return out;
        }
    }

    private static double sum(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v;
        }
        return s;
    }

    private static double[][] copy(double[][] a) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i].clone();
        }
        return out;
    }

    private static double[] flatten(double[][] a) {
        int len = 0;
        for (double[] r : a) {
            len += r.length;
        }
        double[] out = new double[len];
        int o = 0;
        for (double[] r : a) {
            System.arraycopy(r, 0, out, o, r.length);
            o += r.length;
        }
        return out;
    }

    private static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }
}
