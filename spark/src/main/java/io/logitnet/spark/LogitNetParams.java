package io.logitnet.spark;

import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * The training params that {@link LogitNetClassifier} and {@link LogitNetRegressor} share: the network
 * ({@code hiddenLayers}, {@code activation}), the solver and its settings, the penalty, standardization, the seed and
 * the executors' backend. Setters return the estimator; {@code explainParams()} describes each param.
 *
 * @param <T> the estimator, for fluent setters
 */
public interface LogitNetParams<T extends LogitNetParams<T>> extends Params {

    /** This estimator's param objects (each has the estimator as its parent). */
    TrainingParams trainingParams();

    /** Widths of the hidden layers; empty (the default) for a GLM. */
    default IntArrayParam hiddenLayers() {
        return trainingParams().hiddenLayers;
    }

    /** {@code sigmoid}, {@code tanh} or {@code relu} (default), or one per hidden layer: {@code relu,tanh}. */
    default Param<String> activation() {
        return trainingParams().activation;
    }

    /** {@code l-bfgs} (default), {@code adam} or {@code sgd}. */
    default Param<String> solver() {
        return trainingParams().solver;
    }

    /** Maximum iterations, default 100. */
    default IntParam maxIter() {
        return trainingParams().maxIter;
    }

    /** Learning rate of adam and sgd, default 0.01. */
    default DoubleParam stepSize() {
        return trainingParams().stepSize;
    }

    /** Gradient-norm tolerance, default 1e-6. */
    default DoubleParam tol() {
        return trainingParams().tol;
    }

    /** L2 penalty on the weights, default 0. */
    default DoubleParam regParam() {
        return trainingParams().regParam;
    }

    /** Fraction of the rows an adam or sgd iteration samples, default 1. */
    default DoubleParam miniBatchFraction() {
        return trainingParams().miniBatchFraction;
    }

    /** Whether to train on standardized features, default true. */
    default BooleanParam standardization() {
        return trainingParams().standardization;
    }

    /** Random seed, default 42. */
    default LongParam seed() {
        return trainingParams().seed;
    }

    /** The executors' backend: {@code auto} (default), {@code cpu}, {@code opencl} or {@code cuda}. */
    default Param<String> backend() {
        return trainingParams().backend;
    }

    default int[] getHiddenLayers() {
        return getOrDefault(hiddenLayers());
    }

    default String getActivation() {
        return getOrDefault(activation());
    }

    default String getSolver() {
        return getOrDefault(solver());
    }

    default int getMaxIter() {
        return (Integer) getOrDefault(maxIter());
    }

    default double getStepSize() {
        return (Double) getOrDefault(stepSize());
    }

    default double getTol() {
        return (Double) getOrDefault(tol());
    }

    default double getRegParam() {
        return (Double) getOrDefault(regParam());
    }

    default double getMiniBatchFraction() {
        return (Double) getOrDefault(miniBatchFraction());
    }

    default boolean getStandardization() {
        return (Boolean) getOrDefault(standardization());
    }

    default long getSeed() {
        return (Long) getOrDefault(seed());
    }

    default String getBackend() {
        return getOrDefault(backend());
    }

    default T setHiddenLayers(int... widths) {
        return with(hiddenLayers(), widths);
    }

    default T setActivation(String value) {
        return with(activation(), value);
    }

    default T setSolver(String value) {
        return with(solver(), value);
    }

    default T setMaxIter(int value) {
        return with(maxIter(), value);
    }

    default T setStepSize(double value) {
        return with(stepSize(), value);
    }

    default T setTol(double value) {
        return with(tol(), value);
    }

    default T setRegParam(double value) {
        return with(regParam(), value);
    }

    default T setMiniBatchFraction(double value) {
        return with(miniBatchFraction(), value);
    }

    default T setStandardization(boolean value) {
        return with(standardization(), value);
    }

    default T setSeed(long value) {
        return with(seed(), value);
    }

    default T setBackend(String value) {
        return with(backend(), value);
    }

    /** Sets a param (validated by Spark) and returns this estimator. */
    @SuppressWarnings("unchecked")
    private <V> T with(Param<V> param, V value) {
        set(param, value);
        return (T) this;
    }
}
