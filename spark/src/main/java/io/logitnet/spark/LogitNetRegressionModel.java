package io.logitnet.spark;

import io.logitnet.model.NetworkModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.regression.RegressionModel;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * A fitted {@link LogitNetRegressor}: a LogitNet linear or Poisson regression, or an MLP regressor, predicting the
 * mean (the expected count for Poisson) on the executors' backends in batches. Saved and loaded as
 * {@link LogitNetClassificationModel} is.
 */
public final class LogitNetRegressionModel extends RegressionModel<Vector, LogitNetRegressionModel>
        implements MLWritable, LogitNetModel<LogitNetRegressionModel> {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> backend;
    private final ModelSnapshot snapshot;

    LogitNetRegressionModel(String uid, NetworkModel<?> model) {
        this(PendingUid.hold(uid), model, true);
    }

    private LogitNetRegressionModel(String uid, NetworkModel<?> model, boolean pending) {
        this.uid = PendingUid.release(uid);
        if (model.isClassifierModel()) {
            throw new IllegalArgumentException("a " + model.kind() + " model (" + model.architecture().describe()
                    + ") is a classifier, not a regression: load it with LogitNetClassificationModel");
        }
        if (model.architecture().outputs() != 1) {
            throw new IllegalArgumentException("a regression with " + model.architecture().outputs()
                    + " outputs: Spark's prediction column holds one value");
        }
        this.snapshot = new ModelSnapshot(model);
        this.backend = TrainingParams.backendParam(this);
    }

    @Override
    public String uid() {
        return uid != null ? uid : PendingUid.get();
    }

    @Override
    public Param<String> backend() {
        return backend;
    }

    /** The LogitNet model: a LinearRegression, PoissonRegression or Mlp. */
    @Override
    public NetworkModel<?> networkModel() {
        return snapshot.networkModel();
    }

    @Override
    public int numFeatures() {
        return snapshot.architecture().inputs();
    }

    /** The coefficients of a model without hidden layers, in raw feature units. */
    public Vector coefficients() {
        snapshot.requireGlm("coefficients");
        return Vectors.dense(LogitNetClassificationModel.toDouble(networkModel().weight(0)));
    }

    /** The intercept of a model without hidden layers. */
    public double intercept() {
        snapshot.requireGlm("intercept");
        return networkModel().bias(0)[0];
    }

    @Override
    public double predict(Vector features) {
        return snapshot.scoreOne(features, getBackend(), BatchScoring.Output.PREDICTIONS)[0];
    }

    /** Predicts in batches of rows on the executors' devices. */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        if (out.size() == dataset.schema().size()) {
            return dataset.toDF();
        }
        return BatchScoring.transform(dataset, out, getFeaturesCol(), snapshot, getBackend(),
                BatchScoring.Output.PREDICTIONS, (mean, offset) -> new Object[] {(double) mean[offset]});
    }

    @Override
    public LogitNetRegressionModel copy(ParamMap extra) {
        LogitNetRegressionModel c = copyValues(new LogitNetRegressionModel(uid, networkModel()), extra);
        return c.setParent(parent());
    }

    @Override
    public MLWriter write() {
        return new ModelFiles.Writer(this, networkModel());
    }

    public static MLReader<LogitNetRegressionModel> read() {
        return new ModelFiles.Reader<>(LogitNetRegressionModel.class, LogitNetRegressionModel::new);
    }

    public static LogitNetRegressionModel load(String path) {
        return read().load(path);
    }

    @Override
    public String toString() {
        return "LogitNetRegressionModel: uid=" + uid + ", " + snapshot.architecture().describe();
    }
}
