package io.logitnet.cli;

import io.logitnet.data.ClassLabels;
import io.logitnet.data.CsvTable;
import io.logitnet.data.Dataset;
import io.logitnet.data.IdxReader;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Where the training data comes from and which columns are features; reads it into a {@link Dataset}. */
final class DataOptions {
    @Option(names = "--data", required = true, description = "training data: a CSV file (gzipped or not) with a "
            + "header row, or an IDX images file (with --labels)")
    Path data;

    @Option(names = "--labels", description = "the IDX labels file that goes with IDX --data")
    Path labels;

    @Option(names = "--target", description = "the target column of a CSV file")
    String target;

    @Option(names = "--features", split = ",", paramLabel = "COLUMNS",
            description = "the feature columns, by header name (default: every column but the target and --exclude)")
    List<String> features;

    @Option(names = "--exclude", split = ",", paramLabel = "COLUMNS",
            description = "columns that are not features, by header name (ids, other targets)")
    List<String> exclude;

    /** The data set, its classes (for classifiers), the target's name, and the feature encoding (JSON, or null). */
    record Prepared(Dataset data, ClassLabels classes, String target, String encoding) {
    }

    /**
     * Reads the data for a classifier ({@code classify}) or a regression ({@code counts}: Poisson counts).
     */
    Prepared prepare(boolean classify, boolean counts) {
        if (DataFormats.isIdx(data)) {
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
        if (labels != null) {
            throw new Main.UserException("--labels applies to IDX data; a CSV file names its target with --target");
        }
        if (target == null) {
            throw new Main.UserException("--target COLUMN is required with CSV data");
        }
        if (features != null && exclude != null) {
            throw new Main.UserException("give --features or --exclude, not both");
        }
        CsvTable t = Cli.readCsv(data);
        List<String> cols = featureColumns(t);
        if (classify) {
            ClassLabels cl = ClassLabels.fit(t, target);
            return new Prepared(t.classification(target, cols, cl), cl, target, null);
        }
        return new Prepared(counts ? t.countRegression(target, cols) : t.regression(target, cols), null, target,
                null);
    }

    private List<String> featureColumns(CsvTable t) {
        t.columnIndex(target);
        if (features != null) {
            for (String f : features) {
                if (!t.hasColumn(f)) {
                    throw new Main.UserException("--features names '" + f + "', which is not a column of " + data
                            + "; the header has " + t.header());
                }
                if (f.equals(target)) {
                    throw new Main.UserException("--features names the target column '" + target + "'");
                }
            }
            Set<String> unique = new LinkedHashSet<>(features);
            if (unique.size() != features.size()) {
                throw new Main.UserException("--features names a column twice: " + features);
            }
            return List.copyOf(features);
        }
        List<String> cols = new ArrayList<>(t.allColumnsExcept(target));
        if (exclude != null) {
            for (String x : exclude) {
                if (!t.hasColumn(x)) {
                    throw new Main.UserException("--exclude names '" + x + "', which is not a column of " + data
                            + "; the header has " + t.header());
                }
                cols.remove(x);
            }
            if (cols.isEmpty()) {
                throw new Main.UserException("--exclude leaves no feature columns");
            }
        }
        return cols;
    }
}
