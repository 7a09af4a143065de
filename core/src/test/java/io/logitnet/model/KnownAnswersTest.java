package io.logitnet.model;

import io.logitnet.backend.Backend;
import io.logitnet.cpu.CpuBackend;
import io.logitnet.testing.TestData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The GLMs against solutions computed independently in double precision: least squares by the normal equations,
 * logistic regression by Newton's method (IRLS), and softmax regression with two classes against logistic
 * regression. Real data sets: diabetes (regression) and breast cancer (classification).
 */
class KnownAnswersTest {
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
    void linearRegressionEqualsClosedFormLeastSquares() {
        TestData.Table t = TestData.csv("diabetes.csv");
        double[][] x = TestData.roundTrip(TestData.standardize(t.x()));
        double[] y = Arrays.stream(t.target()).mapToDouble(Double::parseDouble).toArray();
        int n = x.length;
        int d = x[0].length;
        // normal equations with an intercept column: [1 X]ᵀ[1 X] β = [1 X]ᵀ y
        double[][] a = new double[d + 1][d + 1];
        double[] rhs = new double[d + 1];
        for (int i = 0; i < n; i++) {
            double[] row = augmented(x[i]);
            for (int p = 0; p <= d; p++) {
                rhs[p] += row[p] * (float) y[i];
                for (int q = 0; q <= d; q++) {
                    a[p][q] += row[p] * row[q];
                }
            }
        }
        double[] beta = solve(a, rhs);

        float[] yf = new float[n];
        for (int i = 0; i < n; i++) {
            yf[i] = (float) y[i];
        }
        LinearRegression m = new LinearRegression().backend(cpu).tolerance(1e-7);
        m.fit(TestData.toFloat(x), yf);
        assertRelativelyClose(beta, m.intercept(), m.coefficients(), 1e-4, "linear regression");
        assertTrue(m.equation().startsWith("y = "), m.equation());
    }

    @Test
    void logisticRegressionByLbfgsEqualsNewtonIrls() {
        TestData.Table t = TestData.csv("breast_cancer.csv");
        double[][] x = TestData.roundTrip(TestData.standardize(t.x()));
        int[] y = Arrays.stream(t.target()).mapToInt(s -> s.equals("malignant") ? 1 : 0).toArray();
        double l2 = 0.01;
        double[] beta = irls(x, y, l2);

        LogisticRegression m = new LogisticRegression().backend(cpu).l2((float) l2).tolerance(1e-7);
        m.fit(TestData.toFloat(x), y);
        assertRelativelyClose(beta, m.intercept(), m.coefficients(), 1e-4, "logistic regression");
        assertTrue(m.history().converged() || m.history().last().metrics().get("gradient_norm") < 1e-5,
                m.history().stopReason());
        assertTrue(m.equation().startsWith("log(p/(1-p)) [p = P(y=1)] = "), m.equation());
        assertTrue(m.equation().startsWith("log(p/(1-p)) [p = P(y=1)] = "
                + String.format(java.util.Locale.ROOT, "%.4g", m.intercept()) + " "), m.equation());
        for (int j = 1; j <= 30; j++) {
            assertTrue(m.equation().contains("·x" + j + (j < 30 ? " " : "")), "term of x" + j + ": " + m.equation());
        }
    }

    @Test
    void softmaxRegressionWithTwoClassesEqualsLogisticRegression() {
        TestData.Table t = TestData.csv("breast_cancer.csv");
        float[][] x = TestData.toFloat(TestData.standardize(t.x()));
        int[] y = Arrays.stream(t.target()).mapToInt(s -> s.equals("malignant") ? 1 : 0).toArray();
        // softmax penalizes both classes' weights; at the optimum w1 = -w0 = w/2, so its l2 must be twice
        // logistic regression's for the same objective
        LogisticRegression lr = new LogisticRegression().backend(cpu).l2(0.01f).tolerance(1e-7);
        lr.fit(x, y);
        SoftmaxRegression sr = new SoftmaxRegression().backend(cpu).l2(0.02f).tolerance(1e-7);
        sr.fit(x, y);
        float[][] w = sr.coefficients();
        float[] b = sr.intercepts();
        float[] wl = lr.coefficients();
        double norm = 0;
        double diff = 0;
        for (int j = 0; j < wl.length; j++) {
            norm += wl[j] * wl[j];
            double dj = (w[1][j] - w[0][j]) - wl[j];
            diff += dj * dj;
        }
        assertTrue(Math.sqrt(diff / norm) < 1e-3, "w1 - w0 differs from logistic w by " + Math.sqrt(diff / norm));
        assertEquals(lr.intercept(), b[1] - b[0], 1e-3 * (1 + Math.abs(lr.intercept())));
        float[][] pl = lr.predictProba(x);
        float[][] ps = sr.predictProba(x);
        for (int i = 0; i < x.length; i++) {
            assertEquals(pl[i][1], ps[i][1], 1e-4, "P(malignant) of row " + i);
        }
        assertEquals(2, sr.classCount());
    }

    @Test
    void poissonRegressionEqualsNewton() {
        // counts drawn from a known log-linear model on standardized diabetes features
        TestData.Table t = TestData.csv("diabetes.csv");
        double[][] x = TestData.roundTrip(TestData.standardize(t.x()));
        java.util.Random r = new java.util.Random(3);
        float[] counts = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            double eta = 1.0 + 0.4 * x[i][2] - 0.3 * x[i][8] + 0.2 * x[i][3];
            counts[i] = poisson(Math.exp(eta), r);
        }
        double[] beta = newtonPoisson(x, counts);
        PoissonRegression m = new PoissonRegression().backend(cpu).tolerance(1e-7);
        m.fit(TestData.toFloat(x), counts);
        assertRelativelyClose(beta, m.intercept(), m.coefficients(), 1e-4, "poisson regression");
        assertTrue(m.equation().startsWith("log(μ) = "));
    }

    // ---- references in double ----

    private static double[] augmented(double[] row) {
        double[] r = new double[row.length + 1];
        r[0] = 1;
        System.arraycopy(row, 0, r, 1, row.length);
        return r;
    }

    /** Newton's method for mean BCE + (l2/2)‖w‖² (intercept unpenalized). */
    static double[] irls(double[][] x, int[] y, double l2) {
        double[] yd = java.util.Arrays.stream(y).asDoubleStream().toArray();
        // μ = σ(η), Var = μ(1-μ)
        return newton(x, yd, l2, eta -> 1 / (1 + Math.exp(-eta)), mu -> mu * (1 - mu));
    }

    /** Newton's method for the mean Poisson negative log-likelihood. */
    static double[] newtonPoisson(double[][] x, float[] y) {
        double[] yd = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            yd[i] = y[i];
        }
        // μ = e^η, Var = μ
        return newton(x, yd, 0, Math::exp, mu -> mu);
    }

    /**
     * Newton's method for a canonical-link GLM: gradient Xᵀ(μ - y)/n + l2·w, Hessian XᵀWX/n + l2·I (the intercept
     * unpenalized), W = Var(μ).
     */
    private static double[] newton(double[][] x, double[] y, double l2, java.util.function.DoubleUnaryOperator mean,
                                   java.util.function.DoubleUnaryOperator variance) {
        int n = x.length;
        int p = x[0].length + 1;
        double[] beta = new double[p];
        for (int iter = 0; iter < 100; iter++) {
            double[] g = new double[p];
            double[][] h = new double[p][p];
            for (int i = 0; i < n; i++) {
                double[] row = augmented(x[i]);
                double eta = 0;
                for (int j = 0; j < p; j++) {
                    eta += beta[j] * row[j];
                }
                double mu = mean.applyAsDouble(eta);
                double w = variance.applyAsDouble(mu);
                for (int j = 0; j < p; j++) {
                    g[j] += (mu - y[i]) * row[j] / n;
                    for (int k = 0; k < p; k++) {
                        h[j][k] += w * row[j] * row[k] / n;
                    }
                }
            }
            for (int j = 1; j < p; j++) {
                g[j] += l2 * beta[j];
                h[j][j] += l2;
            }
            double[] step = solve(h, g);
            double size = 0;
            for (int j = 0; j < p; j++) {
                beta[j] -= step[j];
                size = Math.max(size, Math.abs(step[j]));
            }
            if (size < 1e-13) {
                break;
            }
        }
        return beta;
    }

    /** Gaussian elimination with partial pivoting. */
    static double[] solve(double[][] a0, double[] b0) {
        int n = b0.length;
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) {
            a[i] = a0[i].clone();
        }
        double[] b = b0.clone();
        for (int c = 0; c < n; c++) {
            int piv = c;
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) {
                    piv = r;
                }
            }
            double[] tr = a[c];
            a[c] = a[piv];
            a[piv] = tr;
            double tb = b[c];
            b[c] = b[piv];
            b[piv] = tb;
            for (int r = c + 1; r < n; r++) {
                double f = a[r][c] / a[c][c];
                for (int k = c; k < n; k++) {
                    a[r][k] -= f * a[c][k];
                }
                b[r] -= f * b[c];
            }
        }
        double[] x = new double[n];
        for (int r = n - 1; r >= 0; r--) {
            double s = b[r];
            for (int k = r + 1; k < n; k++) {
                s -= a[r][k] * x[k];
            }
            x[r] = s / a[r][r];
        }
        return x;
    }

    /** A Poisson draw by Knuth's product of uniforms. */
    static float poisson(double lambda, java.util.Random r) {
        double l = Math.exp(-lambda);
        int k = 0;
        double p = 1;
        do {
            k++;
            p *= r.nextDouble();
        } while (p > l);
        return k - 1;
    }

    /** Each coefficient within rel of the reference, relative to the largest reference coefficient. */
    private static void assertRelativelyClose(double[] beta, float intercept, float[] w, double rel, String what) {
        double scale = 0;
        for (double v : beta) {
            scale = Math.max(scale, Math.abs(v));
        }
        double worst = Math.abs(intercept - beta[0]) / Math.max(Math.abs(beta[0]), scale * 1e-3);
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < w.length; j++) {
            double e = Math.abs(w[j] - beta[j + 1]) / Math.max(Math.abs(beta[j + 1]), scale * 1e-2);
            worst = Math.max(worst, e);
            if (sb.length() < 400) {
                sb.append(String.format(" w%d=%.7g/%.7g", j + 1, w[j], beta[j + 1]));
            }
        }
        assertTrue(worst <= rel, what + ": worst relative error " + worst + " > " + rel + "; b=" + intercept + "/"
                + beta[0] + sb);
    }

}
