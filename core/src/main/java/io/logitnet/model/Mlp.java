package io.logitnet.model;

import io.logitnet.InvalidDataException;
import io.logitnet.backend.Activation;
import io.logitnet.backend.Loss;
import io.logitnet.data.Dataset;
import io.logitnet.nn.Architecture;
import io.logitnet.nn.Init;
import io.logitnet.train.History;
import io.logitnet.train.TrainConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A multilayer perceptron: hidden layers that learn features, then a logistic (2 classes), softmax (K classes),
 * linear (regression) or Poisson (counts) output layer on those features. {@link #hiddenFeatures} gives the learned
 * features and {@link #outputLayer()} the output layer as the GLM it is.
 */
public final class Mlp extends NetworkModel<Mlp> implements Classifier {
    private final boolean classifier;
    /** A regressor's loss: squared error, or the Poisson negative log-likelihood. */
    private final Loss regressionLoss;
    private final List<Integer> hidden;
    private List<Activation> activations = List.of(Activation.RELU);
    private Init init = Init.AUTO;
    private boolean allowSymmetric;
    private int classes;

    private Mlp(boolean classifier, Loss regressionLoss, int... hidden) {
        // Adam at 0.01 rather than the customary 0.001: with min(200, n)-row batches and 200 epochs it trains small
        // problems to convergence (a 16-unit sigmoid layer on two circles), where 0.001 stalls on the plateau
        super(TrainConfig.defaults().withOptimizer(io.logitnet.train.OptimizerSpec.adam(0.01f)));
        if (hidden.length == 0) {
            throw new IllegalArgumentException("an MLP needs at least one hidden layer (use a GLM for none)");
        }
        for (int h : hidden) {
            if (h <= 0) {
                throw new IllegalArgumentException("hidden layer widths must be positive: " + Arrays.toString(hidden));
            }
        }
        this.classifier = classifier;
        this.regressionLoss = regressionLoss;
        this.hidden = Arrays.stream(hidden).boxed().toList();
    }

    /** A classifier with these hidden layer widths (relu by default). */
    public static Mlp classifier(int... hidden) {
        return new Mlp(true, Loss.SQUARED_ERROR, hidden);
    }

    /** A regressor (identity output, squared error) with these hidden layer widths. */
    public static Mlp regressor(int... hidden) {
        return new Mlp(false, Loss.SQUARED_ERROR, hidden);
    }

    /**
     * A regressor for counts with these hidden layer widths: {@code E[y|x] = exp(η)} of the last hidden layer's
     * features, fitted by the Poisson negative log-likelihood (a Poisson regression on learned features).
     */
    public static Mlp poissonRegressor(int... hidden) {
        return new Mlp(false, Loss.POISSON, hidden);
    }

    /** The activation of every hidden layer. */
    public Mlp activation(Activation a) {
        this.activations = List.of(a);
        return this;
    }

    /**
     * One activation per hidden layer, in order (e.g. relu then tanh).
     *
     * @throws IllegalArgumentException if the count differs from the number of hidden layers
     */
    public Mlp activations(Activation... perLayer) {
        if (perLayer.length != hidden.size()) {
            throw new IllegalArgumentException(perLayer.length + " activations for " + hidden.size()
                    + " hidden layers " + hidden);
        }
        this.activations = List.of(perLayer);
        return this;
    }

    /**
     * The weight initialization. A symmetric one (zeros, constant) is refused for hidden layers unless
     * {@code allowSymmetric}, because every hidden unit would stay identical.
     */
    public Mlp init(Init i, boolean allowSymmetric) {
        this.init = i;
        this.allowSymmetric = allowSymmetric;
        return this;
    }

    public Mlp classes(int k) {
        this.classes = k;
        return this;
    }

    public boolean isClassifier() {
        return classifier;
    }

    public History fit(float[][] x, int[] y) {
        return fit(Dataset.of(x, y));
    }

    public History fit(float[][] x, float[] y) {
        return fit(Dataset.of(x, y));
    }

    @Override
    public String kind() {
        return "mlp";
    }

    /** Classifier: targets are class indices; regressor: targets are values (counts for a Poisson regressor). */
    @Override
    public History fit(Dataset data) {
        if (classifier) {
            classes = Labels.check(data.y(), classes, "an MLP classifier");
        } else if (regressionLoss == Loss.POISSON) {
            for (int i = 0; i < data.y().length; i++) {
                if (!(data.y()[i] >= 0)) {
                    throw new InvalidDataException("counts", i + 1, 0, String.valueOf(data.y()[i]),
                            "a Poisson MLP needs counts >= 0");
                }
            }
        }
        return train(architectureFor(data.cols(), classifier ? classes : data.targetCols()), data);
    }

    /** The input, the hidden layers with their activations, and the output layer for the classes or targets. */
    @Override
    public Architecture architectureFor(int features, int targets) {
        if (classifier && targets < 2) {
            throw new IllegalArgumentException("an MLP classifier needs at least 2 classes, got " + targets);
        }
        Loss loss = !classifier ? regressionLoss
                : targets == 2 ? Loss.SIGMOID_BINARY_CROSS_ENTROPY : Loss.SOFTMAX_CROSS_ENTROPY;
        List<Integer> sizes = new ArrayList<>();
        sizes.add(features);
        sizes.addAll(hidden);
        sizes.add(classifier && targets == 2 ? 1 : targets);
        List<Activation> acts = activations.size() == 1 && hidden.size() > 1
                ? java.util.Collections.nCopies(hidden.size(), activations.get(0)) : activations;
        return new Architecture(sizes, acts, loss);
    }

    @Override
    protected Init initializer() {
        return init;
    }

    @Override
    protected boolean allowsSymmetricInit() {
        return allowSymmetric;
    }

    @Override
    protected void installed(Architecture arch) {
        classes = classifier ? classTotal() : 0;
    }

    /** Installs parameters (e.g. from a checkpoint). */
    public static Mlp of(Architecture arch, List<float[]> weights, List<float[]> biases, int classes,
                         List<String> featureNames) {
        int[] h = arch.sizes().subList(1, arch.sizes().size() - 1).stream().mapToInt(Integer::intValue).toArray();
        Loss loss = arch.loss();
        boolean classifier = loss == Loss.SIGMOID_BINARY_CROSS_ENTROPY || loss == Loss.SOFTMAX_CROSS_ENTROPY;
        Mlp m = new Mlp(classifier, classifier ? Loss.SQUARED_ERROR : loss, h);
        m.activations = arch.hiddenActivations();
        m.classes = classes;
        m.setParameters(arch, weights, biases);
        m.setFeatureNames(featureNames, arch.inputs());
        return m;
    }

    @Override
    public float[][] predictProba(float[][] x) {
        requireClassifier();
        float[] raw = predictRaw(features(x), x.length);
        if (classes == 2) {
            float[][] out = new float[x.length][2];
            for (int i = 0; i < x.length; i++) {
                out[i][0] = 1f - raw[i];
                out[i][1] = raw[i];
            }
            return out;
        }
        return rows(raw, x.length, classes);
    }

    @Override
    public int[] predict(float[][] x) {
        requireClassifier();
        float[][] p = predictProba(x);
        int[] out = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = io.logitnet.train.Metrics.argmax(p[i], 0, p[i].length);
        }
        return out;
    }

    /** A regressor's predictions {@code [rows, outputs]}. */
    public float[][] predictValues(float[][] x) {
        if (classifier) {
            throw new IllegalStateException("predictValues is for regressors; use predict/predictProba");
        }
        return rows(predictRaw(features(x), x.length), x.length, architecture().outputs());
    }

    @Override
    public int classCount() {
        requireClassifier();
        return classes;
    }

    /**
     * The learned features: the outputs of hidden layer {@code layer} (0-based) for each row of x.
     *
     * @return {@code [rows, width of that layer]}
     */
    public float[][] hiddenFeatures(int layer, float[][] x) {
        requireFitted();
        if (layer < 0 || layer >= hidden.size()) {
            throw new IllegalArgumentException("hidden layer " + layer + " does not exist: this MLP has "
                    + hidden.size() + " (0.." + (hidden.size() - 1) + ")");
        }
        return rows(hidden(features(x), x.length, layer), x.length, hidden.get(layer));
    }

    /**
     * The output layer as a GLM over the last hidden layer's features: a {@link LogisticRegression} (2 classes),
     * a {@link SoftmaxRegression} (K classes), a {@link LinearRegression} or a {@link PoissonRegression}. Applied to
     * {@code hiddenFeatures(last, x)} it predicts exactly what this network predicts.
     */
    public Glm<?> outputLayer() {
        requireFitted();
        int last = architecture.layerCount() - 1;
        float[] w = weight(last);
        float[] b = bias(last);
        int width = hidden.get(hidden.size() - 1);
        List<String> names = java.util.stream.IntStream.rangeClosed(1, width).mapToObj(i -> "h" + i).toList();
        if (!classifier) {
            if (b.length != 1) {
                throw new IllegalStateException("outputLayer as a GLM needs a single output, not " + b.length);
            }
            return regressionLoss == Loss.POISSON ? PoissonRegression.of(w, b[0], names).backend(explicitBackend())
                    : LinearRegression.of(w, b[0], names).backend(explicitBackend());
        }
        if (classes == 2) {
            return LogisticRegression.of(w, b[0], names).backend(explicitBackend());
        }
        return SoftmaxRegression.of(w, b, width, names).backend(explicitBackend());
    }

    private void requireClassifier() {
        if (!classifier) {
            throw new IllegalStateException("this MLP is a regressor; use predictValues");
        }
    }
}
