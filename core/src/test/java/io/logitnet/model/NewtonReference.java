package io.logitnet.model;

import io.logitnet.model.inference.Family;
import org.apache.commons.numbers.gamma.LogGamma;

/**
 * An independent reference for GLM inference: Newton's method written out in double on the host, with sums over
 * rows as plain loops (no backend, no splitting), on standardized columns for conditioning, then the estimates and
 * the inverse information folded back to raw units. Deviances from the textbook formulas.
 */
final class NewtonReference {
    final double[][] beta;
    final double[][] covariance;
    final double deviance;
    final double logLik;
    final int parameters;

    private NewtonReference(double[][] beta, double[][] covariance, double deviance, double logLik) {
        this.beta = beta;
        this.covariance = covariance;
        this.deviance = deviance;
        this.logLik = logLik;
        this.parameters = covariance.length;
    }

    /** Fits {@code y} on {@code x} (raw units): y is 0/1, a count, a value or a class index 0..classes-1. */
    static NewtonReference fit(double[][] x, double[] y, Family family, int classes) {
        int n = x.length;
        int p = x[0].length;
        int cols = p + 1;
        int m = family == Family.MULTINOMIAL ? classes - 1 : 1;
        int params = m * cols;
        double[] mean = new double[p];
        double[] sd = new double[p];
        for (int j = 0; j < p; j++) {
            for (double[] r : x) {
                mean[j] += r[j] / n;
            }
            for (double[] r : x) {
                sd[j] += (r[j] - mean[j]) * (r[j] - mean[j]) / n;
            }
            sd[j] = Math.sqrt(sd[j]);
        }
        double[][] z = new double[n][cols];
        for (int i = 0; i < n; i++) {
            z[i][0] = 1;
            for (int j = 0; j < p; j++) {
                z[i][j + 1] = (x[i][j] - mean[j]) / sd[j];
            }
        }
        double[] b = new double[params];
        double[][] h = null;
        double dev = 0;
        double poissonLogLik = 0;
        for (int iter = 0; iter < 200; iter++) {
            double[] g = new double[params];
            h = new double[params][params];
            dev = 0;
            poissonLogLik = 0;
            for (int i = 0; i < n; i++) {
                double[] eta = new double[m];
                for (int k = 0; k < m; k++) {
                    for (int j = 0; j < cols; j++) {
                        eta[k] += b[k * cols + j] * z[i][j];
                    }
                }
                double[] mu = new double[m];
                double[][] w = new double[m][m];
                double[] r = new double[m];
                switch (family) {
                    case BINOMIAL -> {
                        mu[0] = 1 / (1 + Math.exp(-eta[0]));
                        w[0][0] = mu[0] * (1 - mu[0]);
                        r[0] = y[i] - mu[0];
                        dev -= 2 * (y[i] == 1 ? Math.log(mu[0]) : Math.log(1 - mu[0]));
                    }
                    case POISSON -> {
                        mu[0] = Math.exp(eta[0]);
                        w[0][0] = mu[0];
                        r[0] = y[i] - mu[0];
                        dev += 2 * ((y[i] > 0 ? y[i] * Math.log(y[i] / mu[0]) : 0) - (y[i] - mu[0]));
                        poissonLogLik += y[i] * eta[0] - mu[0] - LogGamma.value(y[i] + 1);
                    }
                    case GAUSSIAN -> {
                        w[0][0] = 1;
                        r[0] = y[i] - eta[0];
                        dev += r[0] * r[0];
                    }
                    default -> {
                        double sum = 1;
                        for (int k = 0; k < m; k++) {
                            sum += Math.exp(eta[k]);
                        }
                        int c = (int) y[i];
                        for (int k = 0; k < m; k++) {
                            mu[k] = Math.exp(eta[k]) / sum;
                            r[k] = (c == k + 1 ? 1 : 0) - mu[k];
                        }
                        for (int k = 0; k < m; k++) {
                            for (int l = 0; l < m; l++) {
                                w[k][l] = mu[k] * ((k == l ? 1 : 0) - mu[l]);
                            }
                        }
                        dev -= 2 * Math.log(c == 0 ? 1 / sum : mu[c - 1]);
                    }
                }
                for (int k = 0; k < m; k++) {
                    for (int a = 0; a < cols; a++) {
                        g[k * cols + a] += r[k] * z[i][a];
                        for (int l = 0; l < m; l++) {
                            for (int c = 0; c < cols; c++) {
                                h[k * cols + a][l * cols + c] += w[k][l] * z[i][a] * z[i][c];
                            }
                        }
                    }
                }
            }
            double[] step = KnownAnswersTest.solve(h, g);
            double size = 0;
            for (int j = 0; j < params; j++) {
                b[j] += step[j];
                size = Math.max(size, Math.abs(step[j]));
            }
            if (size < 1e-14 && iter > 2) {
                break;
            }
        }
        // the covariance of the standardized estimates: H⁻¹ column by column
        double[][] inv = new double[params][params];
        for (int c = 0; c < params; c++) {
            double[] e = new double[params];
            e[c] = 1;
            double[] col = KnownAnswersTest.solve(h, e);
            for (int r = 0; r < params; r++) {
                inv[r][c] = col[r];
            }
        }
        // raw = J·standardized: slope / sd, intercept − Σ slope·mean/sd
        double[][] jm = new double[params][params];
        for (int k = 0; k < m; k++) {
            jm[k * cols][k * cols] = 1;
            for (int j = 1; j < cols; j++) {
                jm[k * cols + j][k * cols + j] = 1 / sd[j - 1];
                jm[k * cols][k * cols + j] = -mean[j - 1] / sd[j - 1];
            }
        }
        double[] raw = multiply(jm, b);
        double[][] cov = multiply(multiply(jm, inv), transpose(jm));
        double[][] beta = new double[m][cols];
        for (int k = 0; k < m; k++) {
            System.arraycopy(raw, k * cols, beta[k], 0, cols);
        }
        double logLik = switch (family) {
            case POISSON -> poissonLogLik;
            case GAUSSIAN -> -0.5 * n * (Math.log(2 * Math.PI * dev / n) + 1);
            default -> -dev / 2;
        };
        return new NewtonReference(beta, cov, dev, logLik);
    }

    /** The standard error of parameter (predictor k, column j), with the dispersion for linear regression. */
    double se(int k, int j, double dispersion) {
        int cols = beta[0].length;
        return Math.sqrt(covariance[k * cols + j][k * cols + j] * dispersion);
    }

    private static double[] multiply(double[][] a, double[] v) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < v.length; j++) {
                out[i] += a[i][j] * v[j];
            }
        }
        return out;
    }

    private static double[][] multiply(double[][] a, double[][] b) {
        double[][] out = new double[a.length][b[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int k = 0; k < b.length; k++) {
                if (a[i][k] != 0) {
                    for (int j = 0; j < b[0].length; j++) {
                        out[i][j] += a[i][k] * b[k][j];
                    }
                }
            }
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
