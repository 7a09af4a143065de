package io.logitnet.model.inference;

import io.logitnet.backend.Loss;
import org.apache.commons.numbers.gamma.LogGamma;

/**
 * The distribution of a GLM's response with its canonical link: what IRLS needs per row (mean, working weight,
 * score residual) and what the summary reports (deviance, log-likelihood, null model), in double precision.
 * Multinomial rows have {@code m = K - 1} linear predictors, class 0 being the reference with η = 0.
 */
public enum Family {
    /** Logistic regression: Bernoulli response, logit link. */
    BINOMIAL("binomial", "logit"),
    /** Poisson regression: counts, log link. */
    POISSON("poisson", "log"),
    /** Linear regression: normal errors with unknown variance, identity link. */
    GAUSSIAN("gaussian", "identity"),
    /** Softmax regression: multinomial response, each class against the reference class 0 (multinomial logit). */
    MULTINOMIAL("multinomial", "logit");

    private final String label;
    private final String link;

    Family(String label, String link) {
        this.label = label;
        this.link = link;
    }

    /** The family fitted with this loss. */
    public static Family of(Loss loss) {
        return switch (loss) {
            case SIGMOID_BINARY_CROSS_ENTROPY -> BINOMIAL;
            case POISSON -> POISSON;
            case SQUARED_ERROR -> GAUSSIAN;
            case SOFTMAX_CROSS_ENTROPY -> MULTINOMIAL;
        };
    }

    /** R's name of the family: {@code binomial}, {@code poisson}, {@code gaussian}, {@code multinomial}. */
    public String label() {
        return label;
    }

    /** R's name of the link. */
    public String link() {
        return link;
    }

    /** Whether the tests use Student's t with the residual degrees of freedom (linear regression, as R's lm). */
    public boolean usesT() {
        return this == GAUSSIAN;
    }

    /** Whether the dispersion is estimated (and then counted as a parameter in AIC and BIC). */
    boolean estimatesDispersion() {
        return this == GAUSSIAN;
    }

    /** Whether the response is a class, so that perfect classification means separation. */
    boolean classifies() {
        return this == BINOMIAL || this == MULTINOMIAL;
    }

    /** log(1 + e^z) without overflow. */
    static double softplus(double z) {
        return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
    }

    /**
     * One row of a single-predictor family at linear predictor eta: fills {@code out} with
     * {mean, working weight Var(μ), score residual y - μ, deviance contribution}.
     */
    void row(double y, double eta, double[] out) {
        switch (this) {
            case BINOMIAL -> {
                double mu = eta >= 0 ? 1 / (1 + Math.exp(-eta)) : Math.exp(eta) / (1 + Math.exp(eta));
                out[0] = mu;
                out[1] = mu * (1 - mu);
                out[2] = y - mu;
                // -2 log-likelihood of a 0/1 response, from the logit so that it stays finite and exact
                out[3] = 2 * (y * softplus(-eta) + (1 - y) * softplus(eta));
            }
            case POISSON -> {
                double mu = Math.exp(eta);
                out[0] = mu;
                out[1] = mu;
                out[2] = y - mu;
                out[3] = 2 * ((y > 0 ? y * (Math.log(y) - eta) : 0) - (y - mu));
            }
            case GAUSSIAN -> {
                out[0] = eta;
                out[1] = 1;
                out[2] = y - eta;
                out[3] = (y - eta) * (y - eta);
            }
            default -> throw new IllegalStateException("multinomial rows have several predictors");
        }
    }

    /** The deviance of the model with an intercept only (its mean is the response mean). */
    double nullDeviance(float[] y, int rows, int classes) {
        double[] out = new double[4];
        if (this == MULTINOMIAL) {
            double[] count = new double[classes];
            for (int i = 0; i < rows; i++) {
                count[(int) y[i]]++;
            }
            double dev = 0;
            for (double c : count) {
                dev += c > 0 ? -2 * c * Math.log(c / rows) : 0;
            }
            return dev;
        }
        double mean = 0;
        for (int i = 0; i < rows; i++) {
            mean += y[i];
        }
        mean /= rows;
        double eta = switch (this) {
            case BINOMIAL -> Math.log(mean / (1 - mean));
            case POISSON -> Math.log(mean);
            default -> mean;
        };
        double dev = 0;
        for (int i = 0; i < rows; i++) {
            row(y[i], eta, out);
            dev += out[3];
        }
        return dev;
    }

    /**
     * The maximized log-likelihood from the deviance: −deviance/2 for 0/1 and class responses; for Poisson
     * Σ y·η − μ − log(y!) (R's dpois); for the normal model R's logLik of an lm: the maximum-likelihood variance
     * RSS/n.
     */
    double logLikelihood(double deviance, float[] y, double[] eta, int rows) {
        switch (this) {
            case POISSON -> {
                double ll = 0;
                for (int i = 0; i < rows; i++) {
                    ll += y[i] * eta[i] - Math.exp(eta[i]) - LogGamma.value(y[i] + 1.0);
                }
                return ll;
            }
            case GAUSSIAN -> {
                return -0.5 * rows * (Math.log(2 * Math.PI * deviance / rows) + 1);
            }
            default -> {
                return -deviance / 2;
            }
        }
    }
}
