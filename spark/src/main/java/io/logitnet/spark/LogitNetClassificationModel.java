package io.logitnet.spark;

import io.logitnet.backend.Loss;
import io.logitnet.model.NetworkModel;
import io.logitnet.nn.Architecture;
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.DenseMatrix;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

import java.util.List;

/**
 * A fitted {@link LogitNetClassifier}: a LogitNet logistic regression (2 classes), softmax regression or MLP
 * classifier, scoring on the executors' backends in batches. {@code rawPrediction} holds the output layer's logits
 * ({@code [-z, z]} for one sigmoid output, as Spark's LogisticRegression), {@code probability} their sigmoid or
 * softmax, {@code prediction} the class index ({@code thresholds} apply as usual).
 *
 * <p>Saved with {@code write().save(path)}: the folder holds Spark's params metadata and {@code model.safetensors},
 * a LogitNet model that {@code logitnet inspect} and {@code logitnet predict} read, with the feature names of the
 * features column's metadata and the class labels of the label column's (StringIndexer's) metadata.
 */
public final class LogitNetClassificationModel
        extends ProbabilisticClassificationModel<Vector, LogitNetClassificationModel>
        implements MLWritable, LogitNetModel<LogitNetClassificationModel> {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> backend;
    private final ModelSnapshot snapshot;

    LogitNetClassificationModel(String uid, NetworkModel<?> model) {
        this(PendingUid.hold(uid), model, true);
    }

    private LogitNetClassificationModel(String uid, NetworkModel<?> model, boolean pending) {
        this.uid = PendingUid.release(uid);
        if (!model.isClassifierModel()) {
            throw new IllegalArgumentException("a " + model.kind() + " model (" + model.architecture().describe()
                    + ") is a regression, not a classifier: load it with LogitNetRegressionModel");
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

    /** The LogitNet model: a LogisticRegression, SoftmaxRegression or Mlp. */
    @Override
    public NetworkModel<?> networkModel() {
        return snapshot.networkModel();
    }

    /** The class labels in class-index order (the label column's StringIndexer values, or "0", "1", ...). */
    public List<String> labels() {
        return snapshot.classes();
    }

    @Override
    public int numClasses() {
        return snapshot.classes().size();
    }

    @Override
    public int numFeatures() {
        return snapshot.architecture().inputs();
    }

    private boolean singleOutput() {
        return snapshot.architecture().loss() == Loss.SIGMOID_BINARY_CROSS_ENTROPY;
    }

    /** The raw prediction of the row whose logits start at {@code offset}. */
    private Vector raw(float[] logits, int offset) {
        if (singleOutput()) {
            double z = logits[offset];
            return Vectors.dense(-z, z);
        }
        double[] r = new double[numClasses()];
        for (int k = 0; k < r.length; k++) {
            r[k] = logits[offset + k];
        }
        return Vectors.dense(r);
    }

    @Override
    public Vector predictRaw(Vector features) {
        return raw(snapshot.scoreOne(features, getBackend(), BatchScoring.Output.LOGITS), 0);
    }

    /** Sigmoid of {@code [-z, z]} or softmax of the logits, in place. */
    @Override
    public Vector raw2probabilityInPlace(Vector rawPrediction) {
        if (!(rawPrediction instanceof DenseVector dv)) {
            throw new IllegalArgumentException("raw predictions are dense vectors, got " + rawPrediction);
        }
        double[] v = dv.values();
        if (singleOutput()) {
            double p = 1 / (1 + Math.exp(-v[1]));
            v[0] = 1 - p;
            v[1] = p;
            return dv;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (double z : v) {
            max = Math.max(max, z);
        }
        double sum = 0;
        for (int k = 0; k < v.length; k++) {
            v[k] = Math.exp(v[k] - max);
            sum += v[k];
        }
        for (int k = 0; k < v.length; k++) {
            v[k] /= sum;
        }
        return dv;
    }

    /** Scores in batches of rows on the executors' devices; the columns are those of Spark's own transform. */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        if (isDefined(thresholds()) && getThresholds().length != numClasses()) {
            throw new IllegalArgumentException(uid + " parameter thresholds has " + getThresholds().length
                    + " values for " + numClasses() + " classes");
        }
        int inputs = dataset.schema().size();
        String[] added = new String[out.size() - inputs];
        for (int i = 0; i < added.length; i++) {
            added[i] = out.fields()[inputs + i].name();
        }
        if (added.length == 0) {
            return dataset.toDF();
        }
        String rawCol = getRawPredictionCol();
        String probCol = getProbabilityCol();
        boolean byProbability = isDefined(thresholds());
        BatchScoring.Columns columns = (logits, offset) -> {
            Vector raw = raw(logits, offset);
            Vector probability = null;
            Object[] values = new Object[added.length];
            for (int i = 0; i < added.length; i++) {
                if (added[i].equals(rawCol)) {
                    values[i] = raw;
                } else if (added[i].equals(probCol)) {
                    probability = probability == null ? raw2probability(raw) : probability;
                    values[i] = probability;
                } else {
                    probability = byProbability && probability == null ? raw2probability(raw) : probability;
                    values[i] = byProbability ? probability2prediction(probability) : raw2prediction(raw);
                }
            }
            return values;
        };
        return BatchScoring.transform(dataset, out, getFeaturesCol(), snapshot, getBackend(),
                BatchScoring.Output.LOGITS, columns);
    }

    /** The weights of a GLM ({@code [1, d]} for logistic regression, {@code [K, d]} for softmax), raw units. */
    public Matrix coefficientMatrix() {
        Architecture a = snapshot.requireGlm("coefficientMatrix");
        return new DenseMatrix(a.outputs(), a.inputs(), toDouble(networkModel().weight(0)), true);
    }

    /** The intercepts of a GLM: one for logistic regression, K for softmax. */
    public Vector interceptVector() {
        snapshot.requireGlm("interceptVector");
        return Vectors.dense(toDouble(networkModel().bias(0)));
    }

    /** A logistic regression's coefficients, raw feature units. */
    public Vector coefficients() {
        requireBinaryGlm("coefficients");
        return Vectors.dense(toDouble(networkModel().weight(0)));
    }

    /** A logistic regression's intercept. */
    public double intercept() {
        requireBinaryGlm("intercept");
        return networkModel().bias(0)[0];
    }

    private void requireBinaryGlm(String what) {
        snapshot.requireGlm(what);
        if (!singleOutput()) {
            throw new IllegalStateException(what + " is for logistic regression (2 classes); this model has "
                    + numClasses() + " classes: use coefficientMatrix() and interceptVector()");
        }
    }

    static double[] toDouble(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    @Override
    public LogitNetClassificationModel copy(ParamMap extra) {
        LogitNetClassificationModel c = copyValues(new LogitNetClassificationModel(uid, networkModel()), extra);
        return c.setParent(parent());
    }

    /**
     * Spark's two superclasses declare this method with different generic types, which Java cannot name at once;
     * the raw type satisfies both, and the behaviour is the probabilistic model's.
     */
    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public scala.Tuple3 findSummaryModel() {
        return super.findSummaryModel();
    }

    @Override
    public MLWriter write() {
        return new ModelFiles.Writer(this, networkModel());
    }

    public static MLReader<LogitNetClassificationModel> read() {
        return new ModelFiles.Reader<>(LogitNetClassificationModel.class, LogitNetClassificationModel::new);
    }

    public static LogitNetClassificationModel load(String path) {
        return read().load(path);
    }

    @Override
    public String toString() {
        return "LogitNetClassificationModel: uid=" + uid + ", " + snapshot.architecture().describe() + ", classes="
                + labels();
    }
}
