package io.logitnet.spark;

import io.logitnet.model.LogisticRegression;
import io.logitnet.model.Mlp;
import io.logitnet.model.NetworkModel;
import io.logitnet.model.SoftmaxRegression;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.BinaryAttribute;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.StructField;

import java.util.Arrays;
import java.util.List;

/**
 * A Spark ML estimator that trains a LogitNet classifier data-parallel: logistic regression for 2 classes, softmax
 * regression for more, or an MLP with {@code hiddenLayers}. Each iteration the driver broadcasts the parameters, every
 * partition computes the loss and gradient of its rows on its executor's backend (a GPU when Spark assigns one), the
 * sums are combined in partition order, and the driver takes the step with the LogitNet core's optimizer. The label
 * column holds class indices 0..K-1, as {@code StringIndexer} makes them (its labels become the model's class
 * labels); the features column is a {@code Vector} column (VectorAssembler's feature names are kept).
 *
 * <pre>{@code
 * LogitNetClassificationModel m = new LogitNetClassifier()
 *         .setHiddenLayers(64).setActivation("relu").setMaxIter(100).setBackend("cuda")
 *         .fit(train);
 * }</pre>
 */
public final class LogitNetClassifier
        extends ProbabilisticClassifier<Vector, LogitNetClassifier, LogitNetClassificationModel>
        implements LogitNetParams<LogitNetClassifier>, DefaultParamsWritable {
    private static final long serialVersionUID = 1L;
    /** The most classes the label column may imply without StringIndexer metadata. */
    private static final int MAX_CLASSES = 1 << 16;

    private final String uid;
    private final TrainingParams params;

    public LogitNetClassifier() {
        this(Identifiable.randomUID("logitNetClassifier"));
    }

    public LogitNetClassifier(String uid) {
        this(PendingUid.hold(uid), true);
    }

    private LogitNetClassifier(String uid, boolean pending) {
        this.uid = PendingUid.release(uid);
        this.params = new TrainingParams(this);
    }

    @Override
    public String uid() {
        return uid != null ? uid : PendingUid.get();
    }

    @Override
    public TrainingParams trainingParams() {
        return params;
    }

    @Override
    public LogitNetClassifier copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    /** Packs the rows, builds the core model the params describe, trains it on the cluster and wraps it. */
    @Override
    public LogitNetClassificationModel train(Dataset<?> dataset) {
        List<String> labels = nominalLabels(dataset.schema().apply(getLabelCol()));
        NetworkModel<?> model = DistributedTrainer.train(dataset, this, getFeaturesCol(), getLabelCol(),
                TrainingData.Targets.CLASS_INDEX, (s, summary) -> {
                    int classes = classes(labels, summary);
                    NetworkModel<?> m = s.hiddenLayers().length > 0
                            ? s.configure(s.mlp(Mlp::classifier).classes(classes))
                            : classes == 2 ? s.configure(new LogisticRegression())
                            : s.configure(new SoftmaxRegression().classes(classes));
                    if (labels != null) {
                        m.classLabels(labels);
                    }
                    return new DistributedTrainer.Choice(m, classes);
                });
        return new LogitNetClassificationModel(uid, model);
    }

    /** The class labels of a StringIndexer's (nominal or binary) label column, or null. */
    private static List<String> nominalLabels(StructField labelField) {
        Attribute a = Attribute.fromStructField(labelField);
        if (a instanceof NominalAttribute n && n.values().isDefined()) {
            return Arrays.asList(n.values().get());
        }
        if (a instanceof BinaryAttribute b && b.values().isDefined()) {
            return Arrays.asList(b.values().get());
        }
        return null;
    }

    /** K from the label metadata, or from the largest label; at least 2, and every label below it. */
    private int classes(List<String> labels, DataSummary summary) {
        long largest = (long) summary.maxTarget();
        int k = labels != null ? labels.size() : (int) Math.min(largest + 1, Integer.MAX_VALUE);
        if (labels != null && largest >= k) {
            throw new IllegalArgumentException("label column '" + getLabelCol() + "' holds class " + largest
                    + " but its metadata names " + k + " classes " + labels);
        }
        if (k > MAX_CLASSES) {
            throw new IllegalArgumentException("label column '" + getLabelCol() + "' holds class index " + largest
                    + ": more than " + MAX_CLASSES + " classes (index the labels with StringIndexer)");
        }
        if (k < 2) {
            throw new IllegalArgumentException("label column '" + getLabelCol() + "' holds a single class ("
                    + largest + "): a classifier needs at least 2");
        }
        return k;
    }

    public static MLReader<LogitNetClassifier> read() {
        return new DefaultParamsReader<>();
    }

    public static LogitNetClassifier load(String path) {
        return read().load(path);
    }
}
