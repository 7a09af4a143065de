package io.logitnet.spark;

import io.logitnet.model.NetworkModel;
import io.logitnet.train.History;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * What {@link LogitNetClassificationModel} and {@link LogitNetRegressionModel} share: the LogitNet model inside,
 * the history of the fit, and the backend the executors score on.
 *
 * @param <T> the model, for fluent setters
 */
public interface LogitNetModel<T extends LogitNetModel<T>> extends Params {

    /** The backend the executors score on: {@code auto} (default), {@code cpu}, {@code opencl} or {@code cuda}. */
    Param<String> backend();

    /** The LogitNet model, to use from Java directly (predict, save, coefficients, hidden features). */
    NetworkModel<?> networkModel();

    default String getBackend() {
        return getOrDefault(backend());
    }

    @SuppressWarnings("unchecked")
    default T setBackend(String value) {
        set(backend(), value);
        return (T) this;
    }

    /** How the fit went (iterations, objective, why it stopped); null for a model that was loaded. */
    default History history() {
        return networkModel().history();
    }
}
