package io.logitnet.model.inference;

/**
 * One coefficient of a fitted GLM in the features' raw units, with its Wald inference.
 *
 * @param name      {@code (Intercept)} or the feature's name
 * @param className the class this coefficient belongs to (softmax regression, against the reference class), else null
 * @param estimate  the maximum-likelihood estimate
 * @param stdError  its standard error (from the inverse information, times the dispersion)
 * @param statistic estimate / standard error: z, or t for linear regression
 * @param pValue    two-sided p-value of the statistic (normal, or Student t with the residual degrees of freedom)
 * @param ciLow     lower end of the 95% Wald interval (t-based for linear regression)
 * @param ciHigh    upper end of the 95% Wald interval
 */
public record CoefficientStats(String name, String className, double estimate, double stdError, double statistic,
                               double pValue, double ciLow, double ciHigh) {
}
