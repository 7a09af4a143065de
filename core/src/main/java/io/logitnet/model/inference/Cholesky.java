package io.logitnet.model.inference;

import java.util.ArrayList;
import java.util.List;

/**
 * Cholesky factorization of a symmetric positive semi-definite matrix in double, after scaling it to a unit
 * diagonal, that finds aliased columns instead of failing: a column whose pivot falls below the tolerance is a linear
 * combination of the columns before it (or zero), and its coefficients come from the factor already computed.
 */
final class Cholesky {
    /** Column {@code column} equals Σ coefficients[i] · column dependsOn[i] (scaled to unit diagonal). */
    record Alias(int column, int[] dependsOn, double[] coefficients) {
    }

    private final int n;
    private final double[][] l;
    private final double[] scale;
    private final boolean[] aliased;
    private final List<Alias> aliases = new ArrayList<>();

    private Cholesky(int n) {
        this.n = n;
        this.l = new double[n][];
        this.scale = new double[n];
        this.aliased = new boolean[n];
    }

    /** Factors h (only its lower triangle is read); pivots below {@code tolerance} (relative to 1) mark aliases. */
    static Cholesky factor(double[][] h, double tolerance) {
        int n = h.length;
        Cholesky c = new Cholesky(n);
        for (int i = 0; i < n; i++) {
            c.scale[i] = h[i][i] > 0 ? 1 / Math.sqrt(h[i][i]) : 0;
        }
        for (int i = 0; i < n; i++) {
            double[] li = new double[i + 1];
            c.l[i] = li;
            for (int j = 0; j < i; j++) {
                if (c.aliased[j]) {
                    continue;
                }
                double s = h[i][j] * c.scale[i] * c.scale[j] - dot(li, c.l[j], j);
                li[j] = s / c.l[j][j];
            }
            double d = 1 - dot(li, li, i);
            if (c.scale[i] == 0 || d < tolerance) {
                c.aliased[i] = true;
                c.aliases.add(c.dependency(i));
                java.util.Arrays.fill(li, 0);
            } else {
                li[i] = Math.sqrt(d);
            }
        }
        return c;
    }

    private static double dot(double[] a, double[] b, int len) {
        double s0 = 0;
        double s1 = 0;
        int k = 0;
        for (; k + 1 < len; k += 2) {
            s0 += a[k] * b[k];
            s1 += a[k + 1] * b[k + 1];
        }
        if (k < len) {
            s0 += a[k] * b[k];
        }
        return s0 + s1;
    }

    /** Column i on the earlier columns: Lᵀ c = l[i][0..i) by back substitution over the unaliased ones. */
    private Alias dependency(int i) {
        if (scale[i] == 0) {
            return new Alias(i, new int[0], new double[0]);
        }
        double[] c = l[i].clone();
        for (int j = i - 1; j >= 0; j--) {
            if (aliased[j]) {
                c[j] = 0;
                continue;
            }
            double s = c[j];
            for (int k = j + 1; k < i; k++) {
                if (!aliased[k]) {
                    s -= l[k][j] * c[k];
                }
            }
            c[j] = s / l[j][j];
        }
        double max = 0;
        for (int j = 0; j < i; j++) {
            max = Math.max(max, Math.abs(c[j]));
        }
        List<Integer> idx = new ArrayList<>();
        for (int j = 0; j < i; j++) {
            if (Math.abs(c[j]) > 1e-6 * max) {
                idx.add(j);
            }
        }
        double[] coef = new double[idx.size()];
        int[] dep = new int[idx.size()];
        for (int k = 0; k < dep.length; k++) {
            dep[k] = idx.get(k);
            coef[k] = c[dep[k]];
        }
        return new Alias(i, dep, coef);
    }

    boolean singular() {
        return !aliases.isEmpty();
    }

    List<Alias> aliases() {
        return aliases;
    }

    /** The scaled Newton step: u with (S H S) u = S g; the step is S u, and max |u| bounds |step_i| / se_i. */
    double[] solveScaled(double[] g) {
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            double s = g[i] * scale[i];
            for (int k = 0; k < i; k++) {
                s -= l[i][k] * z[k];
            }
            z[i] = s / l[i][i];
        }
        for (int i = n - 1; i >= 0; i--) {
            double s = z[i];
            for (int k = i + 1; k < n; k++) {
                s -= l[k][i] * z[k];
            }
            z[i] = s / l[i][i];
        }
        return z;
    }

    /** S·u: a scaled solution back in the original units. */
    double[] unscale(double[] u) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = u[i] * scale[i];
        }
        return out;
    }

    /** H⁻¹ = S (L Lᵀ)⁻¹ S: column j of L⁻¹ by forward substitution, then dot products of those columns. */
    double[][] inverse() {
        double[][] col = new double[n][]; // col[j][i] = (L⁻¹)[i][j], i ≥ j (zero below j)
        for (int j = 0; j < n; j++) {
            double[] x = new double[n];
            x[j] = 1 / l[j][j];
            for (int i = j + 1; i < n; i++) {
                double s = 0;
                double[] li = l[i];
                for (int k = j; k < i; k++) {
                    s += li[k] * x[k];
                }
                x[i] = -s / li[i];
            }
            col[j] = x;
        }
        double[][] out = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double v = 0;
                double[] a = col[i];
                double[] c = col[j];
                for (int k = i; k < n; k++) {
                    v += a[k] * c[k];
                }
                v *= scale[i] * scale[j];
                out[i][j] = v;
                out[j][i] = v;
            }
        }
        return out;
    }
}
