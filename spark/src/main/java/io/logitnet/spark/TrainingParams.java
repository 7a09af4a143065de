package io.logitnet.spark;

import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;
import scala.Function1;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * The Spark ML params of LogitNet training, created once per estimator with it as their parent, with their defaults;
 * {@link LogitNetParams} is how callers see them. Defaults follow Spark MLlib where it has the same param
 * ({@code maxIter} 100, {@code tol} 1e-6, {@code regParam} 0, {@code standardization} on, {@code l-bfgs}) and the
 * LogitNet core otherwise (relu hidden layers, seed 42). Invalid values are refused when they are set, with Spark's
 * message naming the param ({@code ... parameter maxIter given invalid value -1.}).
 */
public final class TrainingParams implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The solvers: full-batch L-BFGS, or Adam / SGD on a sample of {@code miniBatchFraction} per iteration. */
    static final List<String> SOLVERS = List.of("l-bfgs", "adam", "sgd");
    /** Hidden-layer activations. */
    static final List<String> ACTIVATIONS = List.of("sigmoid", "tanh", "relu");
    /** Backends an executor can run on. */
    static final List<String> BACKENDS = List.of("auto", "cpu", "opencl", "cuda");

    final IntArrayParam hiddenLayers;
    final Param<String> activation;
    final Param<String> solver;
    final IntParam maxIter;
    final DoubleParam stepSize;
    final DoubleParam tol;
    final DoubleParam regParam;
    final DoubleParam miniBatchFraction;
    final BooleanParam standardization;
    final LongParam seed;
    final Param<String> backend;

    TrainingParams(Params owner) {
        hiddenLayers = new IntArrayParam(owner, "hiddenLayers", "widths of the hidden layers in order, each > 0; "
                + "empty for none: logistic regression for 2 classes, softmax regression for more, a GLM for the "
                + "regressor", valid((int[] widths) -> Arrays.stream(widths).allMatch(w -> w > 0)));
        activation = new Param<>(owner, "activation", "activation of the hidden layers: " + String.join(", ",
                ACTIVATIONS) + "; one for every layer, or one per layer separated by commas (relu,tanh)",
                valid((String s) -> activations(s) != null));
        solver = new Param<>(owner, "solver", "optimizer: l-bfgs (full batch, as Spark MLlib), adam or sgd (on a "
                + "sample of miniBatchFraction of the rows per iteration)", ParamValidators.inArray(SOLVERS));
        maxIter = new IntParam(owner, "maxIter", "maximum number of iterations (>= 1); each is one exchange of "
                + "gradients with the executors (L-BFGS may evaluate more than once per iteration)",
                ParamValidators.gtEq(1));
        stepSize = new DoubleParam(owner, "stepSize", "learning rate of adam and sgd (> 0)", ParamValidators.gt(0));
        tol = new DoubleParam(owner, "tol", "stop when the Euclidean norm of the objective's gradient falls to this "
                + "(>= 0); for adam and sgd, the gradient of the iteration's sample", ParamValidators.gtEq(0));
        regParam = new DoubleParam(owner, "regParam", "L2 penalty: objective = mean loss + (regParam/2)·Σw² over "
                + "the weights, not the biases, as in the LogitNet core (>= 0)", ParamValidators.gtEq(0));
        miniBatchFraction = new DoubleParam(owner, "miniBatchFraction", "fraction of the rows each adam or sgd "
                + "iteration samples, drawn with the seed, in blocks of rows shuffled once per fit (in (0, 1])",
                ParamValidators.inRange(0, 1, false, true));
        standardization = new BooleanParam(owner, "standardization", "train on features scaled to mean 0 and "
                + "standard deviation 1 (one distributed pass); the scaling is folded into the first layer, so the "
                + "model takes raw features and the penalty applies to standardized weights");
        seed = new LongParam(owner, "seed", "random seed of the initialization and of adam's and sgd's samples");
        backend = backendParam(owner);

        owner.setDefault(hiddenLayers, new int[0]);
        owner.setDefault(activation, "relu");
        owner.setDefault(solver, "l-bfgs");
        owner.setDefault(maxIter, 100);
        owner.setDefault(stepSize, 0.01);
        owner.setDefault(tol, 1e-6);
        owner.setDefault(regParam, 0.0);
        owner.setDefault(miniBatchFraction, 1.0);
        owner.setDefault(standardization, true);
        owner.setDefault(seed, 42L);
        owner.setDefault(backend, "auto");
    }

    /** The backend param, shared by the estimators (training) and the models (scoring); default {@code auto}. */
    static Param<String> backendParam(Params owner) {
        Param<String> p = new Param<>(owner, "backend", "LogitNet backend of each executor: auto, cpu, opencl or "
                + "cuda; with GPUs scheduled by Spark, a task takes the GPU Spark assigned it (cuda:N), and cuda "
                + "fails a task on an executor without a usable GPU instead of falling back",
                ParamValidators.inArray(BACKENDS));
        owner.setDefault(p, "auto");
        return p;
    }

    /** The activation names of a value of {@code activation}, lower case, or null if one is unknown or missing. */
    static List<String> activations(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        List<String> out = Arrays.stream(value.split(",", -1)).map(s -> s.trim().toLowerCase(Locale.ROOT)).toList();
        return out.stream().allMatch(ACTIVATIONS::contains) ? out : null;
    }

    /** A Spark param validator (a serializable Scala function) from a Java predicate. */
    private static <T> Function1<T, Object> valid(SerializablePredicate<T> test) {
        return (Function1<T, Object> & Serializable) value -> value != null && test.test(value);
    }

    /** A predicate that travels with its param when Spark serializes the estimator. */
    private interface SerializablePredicate<T> extends Predicate<T>, Serializable {
    }
}
