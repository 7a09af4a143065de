package io.logitnet.cli;

import io.logitnet.data.ClassLabels;
import io.logitnet.data.ColumnTypeException;
import io.logitnet.data.CsvBatchSource;
import io.logitnet.data.CsvReader;
import io.logitnet.data.DataFormat;
import io.logitnet.data.Dataset;
import io.logitnet.data.FeatureEncoding;
import io.logitnet.data.FeatureSelection;
import io.logitnet.data.IdxReader;
import io.logitnet.data.Target;
import io.logitnet.data.TrainingData;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Where the training data comes from and which columns are features; reads it into a {@link Dataset}. */
final class DataOptions {
    /** The metadata key under which a model keeps the encoding of its feature columns. */
    static final String ENCODING_KEY = "feature_encoding";

    @Option(names = "--data", required = true, description = "training data: a CSV file (gzipped or not) with a "
            + "header row, or an IDX images file (with --labels); recognised by content, not by name")
    Path data;

    @Option(names = "--labels", description = "the IDX labels file that goes with IDX --data")
    Path labels;

    @Option(names = "--target", description = "the target column of a CSV file")
    String target;

    @Option(names = "--features", split = ",", paramLabel = "COLUMNS",
            description = "the feature columns, by header name (default: every column but the target and --exclude); "
                    + "text columns are one-hot encoded")
    List<String> features;

    @Option(names = "--exclude", split = ",", paramLabel = "COLUMNS",
            description = "columns that are not features, by header name (ids, names, other targets)")
    List<String> exclude;

    @Option(names = "--stream", description = "read the CSV in passes, a window of rows at a time, instead of "
            + "into memory: for files larger than the heap (sgd or adam; no --validation-split, no --resume); the "
            + "shuffle permutes rows within each window")
    boolean stream;

    /** A CSV read in passes, its classes (for classifiers) and the target's name. */
    record Streamed(CsvBatchSource source, ClassLabels classes, String target) implements AutoCloseable {
        @Override
        public void close() {
            source.close();
        }
    }

    /** Opens the CSV for a streamed fit (one pass now for the labels, the encoding and the scaling). */
    Streamed openStream(boolean classify, boolean counts, boolean standardize) {
        if (labels != null || DataFormat.detect(data).isIdx()) {
            throw new Main.UserException("--stream reads CSV files; IDX data is read into memory");
        }
        FeatureSelection selection = csvSelection();
        Target t = classify ? Target.classes(target) : counts ? Target.counts(target) : Target.values(target);
        try {
            CsvBatchSource s = CsvBatchSource.open(data, t, selection,
                    new CsvBatchSource.Options(standardize, 0));
            return new Streamed(s, s.classes(), target);
        } catch (ColumnTypeException e) {
            throw new Main.UserException(e.getMessage() + fix(e));
        }
    }

    /** The CSV's target must be named; the features are all the others, --features, or all but --exclude. */
    private FeatureSelection csvSelection() {
        if (target == null) {
            throw new Main.UserException("--target COLUMN is required with CSV data");
        }
        if (features != null && exclude != null) {
            throw new Main.UserException("give --features or --exclude, not both");
        }
        return features != null ? FeatureSelection.only(features)
                : exclude != null ? FeatureSelection.excluding(exclude) : FeatureSelection.all();
    }

    /**
     * Refuses, before reading, a plain CSV larger than the heap could hold as floats (it would end in an
     * out-of-memory error half way), naming what fixes it.
     */
    void checkFitsInMemory() {
        long size = DataFormat.detect(data).compressed() ? -1 : data.toFile().length();
        long max = Runtime.getRuntime().maxMemory();
        if (size > max / 2) {
            throw new Main.UserException("--data " + data + " is " + (size >> 20) + " MiB, more than half of the "
                    + "Java heap (" + (max >> 20) + " MiB): train with --stream and --optimizer sgd or adam, which "
                    + "read it in passes, or give Java more heap (java -Xmx... -jar logitnet.jar)");
        }
    }

    /** The data set, its classes (for classifiers), the target's name, and the feature encoding (JSON, or null). */
    record Prepared(Dataset data, ClassLabels classes, String target, String encoding) {
    }

    /**
     * Reads the data for a classifier ({@code classify}) or a regression ({@code counts}: Poisson counts); a GLM
     * ({@code glm}) codes text columns with their first level as the reference, as R does.
     */
    Prepared prepare(boolean classify, boolean counts, boolean glm) {
        if (DataFormat.detect(data).isIdx()) {
            return idx(classify);
        }
        checkFitsInMemory();
        if (labels != null) {
            throw new Main.UserException("--labels applies to IDX data; a CSV file names its target with --target");
        }
        FeatureSelection selection = csvSelection();
        Target t = classify ? Target.classes(target) : counts ? Target.counts(target) : Target.values(target);
        TrainingData d;
        try {
            d = CsvReader.readTraining(data, t, selection);
        } catch (ColumnTypeException e) {
            throw new Main.UserException(e.getMessage() + fix(e));
        } catch (IllegalArgumentException e) {
            throw new Main.UserException((features != null ? "--features: " : exclude != null ? "--exclude: " : "")
                    + e.getMessage());
        }
        if (glm) {
            d = d.withReferenceLevels();
        }
        return new Prepared(d.dataset(), d.classes(), target, d.encoding().allNumeric() ? null
                : d.encoding().toJson());
    }

    /** What the user can do about a column that does not fit how it is used. */
    static String fix(ColumnTypeException e) {
        return switch (e.kind()) {
            case TEXT_IN_NUMERIC_COLUMN, NUMBER_IN_TEXT_COLUMN -> "; if '" + e.columnName() + "' is not a feature, "
                    + "leave it out with --exclude " + e.columnName() + " (or choose the features with --features)";
            case TOO_MANY_LEVELS -> "; a column of ids, names or free text is not a feature: leave it out with "
                    + "--exclude " + e.columnName() + " (or choose the features with --features)";
        };
    }

    private Prepared idx(boolean classify) {
        if (labels == null) {
            throw new Main.UserException("IDX --data " + data + " needs --labels (the IDX labels file)");
        }
        if (target != null || features != null || exclude != null) {
            throw new Main.UserException("--target, --features and --exclude apply to CSV data; IDX data has "
                    + "pixels as features and --labels as the target");
        }
        if (!classify) {
            throw new Main.UserException("IDX data holds class labels: use a classifier model");
        }
        Dataset d = IdxReader.readImagesAndLabels(data, labels);
        int k = 0;
        for (float v : d.y()) {
            k = Math.max(k, (int) v + 1);
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            names.add(Integer.toString(i));
        }
        return new Prepared(d, ClassLabels.of(names), "label", null);
    }

    /** How a saved model reads a file's columns: its stored encoding, or its numeric feature names. */
    static FeatureEncoding encodingOf(io.logitnet.model.NetworkModel<?> m) {
        String json = m.metadata(ENCODING_KEY);
        if (json == null) {
            return FeatureEncoding.numeric(m.featureNames());
        }
        try {
            return FeatureEncoding.fromJson(json);
        } catch (IllegalArgumentException e) {
            throw new Main.UserException("the model's metadata field '" + ENCODING_KEY + "' is not valid: "
                    + e.getMessage());
        }
    }

    /** A file read as the model takes it: features by its encoding, and the target when one is named. */
    static Dataset readFor(io.logitnet.model.NetworkModel<?> m, Path file, String targetColumn) {
        FeatureEncoding enc = encodingOf(m);
        Target t = null;
        if (targetColumn != null) {
            t = m.isClassifierModel() ? Target.classes(targetColumn, ClassLabels.of(m.classLabels()))
                    : m.architecture().loss() == io.logitnet.backend.Loss.POISSON ? Target.counts(targetColumn)
                    : Target.values(targetColumn);
        }
        try {
            return CsvReader.read(file, enc, t);
        } catch (ColumnTypeException e) {
            throw new Main.UserException(e.getMessage() + "; the model was trained with '" + e.columnName() + "' as "
                    + (e.kind() == ColumnTypeException.Kind.TEXT_IN_NUMERIC_COLUMN ? "numbers" : "text"));
        }
    }
}
