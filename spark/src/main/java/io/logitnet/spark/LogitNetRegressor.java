package io.logitnet.spark;

import io.logitnet.model.LinearRegression;
import io.logitnet.model.Mlp;
import io.logitnet.model.NetworkModel;
import io.logitnet.model.PoissonRegression;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.regression.Regressor;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;

import java.util.List;

/**
 * A Spark ML estimator that trains a LogitNet regression data-parallel, as {@link LogitNetClassifier} trains
 * classifiers: {@code family} gaussian (least squares; linear regression without hidden layers) or poisson (counts,
 * log link; Poisson regression without hidden layers), with or without {@code hiddenLayers}.
 */
public final class LogitNetRegressor extends Regressor<Vector, LogitNetRegressor, LogitNetRegressionModel>
        implements LogitNetParams<LogitNetRegressor>, DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final TrainingParams params;
    private final Param<String> family;

    public LogitNetRegressor() {
        this(Identifiable.randomUID("logitNetRegressor"));
    }

    public LogitNetRegressor(String uid) {
        this(PendingUid.hold(uid), true);
    }

    private LogitNetRegressor(String uid, boolean pending) {
        this.uid = PendingUid.release(uid);
        this.params = new TrainingParams(this);
        this.family = new Param<>(this, "family", "distribution of the label: gaussian (squared error, identity "
                + "link) or poisson (counts >= 0, log link)", ParamValidators.inArray(List.of("gaussian", "poisson")));
        setDefault(family, "gaussian");
    }

    @Override
    public String uid() {
        return uid != null ? uid : PendingUid.get();
    }

    @Override
    public TrainingParams trainingParams() {
        return params;
    }

    /** {@code gaussian} (default) or {@code poisson}. */
    public Param<String> family() {
        return family;
    }

    public String getFamily() {
        return getOrDefault(family);
    }

    public LogitNetRegressor setFamily(String value) {
        set(family, value);
        return this;
    }

    @Override
    public LogitNetRegressor copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    @Override
    public LogitNetRegressionModel train(Dataset<?> dataset) {
        boolean poisson = getFamily().equals("poisson");
        NetworkModel<?> model = DistributedTrainer.train(dataset, this, getFeaturesCol(), getLabelCol(),
                poisson ? TrainingData.Targets.COUNT : TrainingData.Targets.VALUE, (s, summary) ->
                        new DistributedTrainer.Choice(s.hiddenLayers().length > 0
                                ? s.configure(s.mlp(poisson ? Mlp::poissonRegressor : Mlp::regressor))
                                : poisson ? s.configure(new PoissonRegression())
                                : s.configure(new LinearRegression()), 1));
        return new LogitNetRegressionModel(uid, model);
    }

    public static MLReader<LogitNetRegressor> read() {
        return new DefaultParamsReader<>();
    }

    public static LogitNetRegressor load(String path) {
        return read().load(path);
    }
}
