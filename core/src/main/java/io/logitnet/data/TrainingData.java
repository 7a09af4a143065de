package io.logitnet.data;

/**
 * A training file as a model takes it: the data set (features encoded, targets as class indices or values), how
 * its features were encoded (store it with the model, to read other files the same way), and the class labels of a
 * classifier.
 *
 * @param dataset  features {@code [rows, encoding.width()]} and one target per row
 * @param encoding the feature columns and the one-hot levels of the text ones
 * @param classes  the class labels (class i is {@code classes.label(i)}), or null for a regression
 */
public record TrainingData(Dataset dataset, FeatureEncoding encoding, ClassLabels classes) {
    /**
     * The same data with each text column's first level as the reference (see
     * {@link FeatureEncoding#withReferenceLevels()}): for GLMs, whose intercept the full one-hot inputs would repeat.
     */
    public TrainingData withReferenceLevels() {
        FeatureEncoding reduced = encoding.withReferenceLevels();
        if (!reduced.dropsLevels()) {
            return this;
        }
        Dataset d = dataset;
        return new TrainingData(new Dataset(reduced.project(d.x(), d.rows()), d.rows(), reduced.width(), d.y(),
                d.targetCols(), reduced.featureNames()), reduced, classes);
    }
}
