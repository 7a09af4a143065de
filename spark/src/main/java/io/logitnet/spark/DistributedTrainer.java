package io.logitnet.spark;

import io.logitnet.backend.Backend;
import io.logitnet.backend.Backends;
import io.logitnet.backend.Tensor;
import io.logitnet.model.NetworkModel;
import io.logitnet.nn.Architecture;
import io.logitnet.nn.Dense;
import io.logitnet.nn.Network;
import io.logitnet.optim.Lbfgs;
import io.logitnet.optim.Optimizer;
import io.logitnet.train.EpochResult;
import io.logitnet.train.History;
import io.logitnet.train.Metrics;
import io.logitnet.train.TrainConfig;
import io.logitnet.train.TrainingDivergedException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.BiFunction;

/**
 * Synchronous data-parallel training on Spark's own machinery, with the core's optimizers on the driver: every
 * objective evaluation broadcasts the parameters, each partition computes the loss and gradient of its rows on its
 * executor's device ({@link GradientTask}), the partitions' sums are combined in partition order
 * ({@link FixedOrderReduce}), and the driver adds the L2 penalty and takes the step on CPU tensors: full-batch
 * L-BFGS over all rows, as Spark MLlib does, or Adam/SGD on a seeded sample of {@code miniBatchFraction}. The
 * objective is the core's (mean loss + (l2/2)·Σw² over weights), from the same initial network and on the same
 * standardized inputs, so the result differs from a one-machine fit only by the order of summation.
 */
final class DistributedTrainer {
    private static final System.Logger LOG = System.getLogger(DistributedTrainer.class.getName());

    private final JavaSparkContext jsc;
    private final TrainingData data;
    private final FitSettings settings;

    DistributedTrainer(JavaSparkContext jsc, TrainingData data, FitSettings settings) {
        this.jsc = jsc;
        this.data = data;
        this.settings = settings;
    }

    /** The core model a fit trains, and its classes (classifiers) or target values per row (regressions). */
    record Choice(NetworkModel<?> model, int targets) {
    }

    /**
     * An estimator's fit: reads its params, packs the rows, lets {@code choose} make the core model from the params
     * and what the pass over the rows learned, and trains it on the cluster.
     *
     * @return the trained core model, its target named after the label column
     */
    static NetworkModel<?> train(Dataset<?> dataset, LogitNetParams<?> params, String featuresCol, String labelCol,
                                 TrainingData.Targets targets, BiFunction<FitSettings, DataSummary, Choice> choose) {
        FitSettings s = FitSettings.of(params);
        try (TrainingData data = TrainingData.pack(dataset, featuresCol, labelCol, targets, s.sampleFraction(),
                s.seed())) {
            Choice c = choose.apply(s, data.summary());
            c.model().target(labelCol);
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
            new DistributedTrainer(jsc, data, s).fit(c.model(), c.targets());
            return c.model();
        }
    }

    /**
     * Trains {@code model}'s network for {@code targets} (classes, or values per row) and installs the result in it.
     *
     * @throws TrainingDivergedException if the objective or a parameter became NaN or infinite
     */
    void fit(NetworkModel<?> model, int targets) {
        DataSummary summary = data.summary();
        Architecture arch = model.architectureFor(summary.cols(), targets);
        double[][] scaling = settings.standardization() ? summary.scaling() : null;
        boolean full = settings.fullBatch();
        String fitId = UUID.randomUUID().toString();
        FitPlan plan = new FitPlan(fitId, arch, scaling, full ? 1f / summary.rows() : 1f,
                full ? 1 : settings.miniBatchFraction(), settings.seed(), settings.backend());
        Broadcast<FitPlan> planCast = jsc.broadcast(plan);
        TreeSet<String> devices = new TreeSet<>();
        try (Backend cpu = Backends.open("cpu"); Network net = model.initialNetwork(cpu, arch)) {
            TrainConfig config = model.trainConfig();
            net.setL2(config.l2());
            Evaluator evaluator = evaluation -> {
                GradientSum g = evaluate(planCast, net.parameterArrays(), evaluation);
                devices.addAll(g.devices());
                return g;
            };
            History h = full ? lbfgs(net, config, evaluator, summary.rows()) : firstOrder(net, config, evaluator);
            if (h.diverged()) {
                throw new TrainingDivergedException(h.stopReason().replaceFirst("^diverged: ", ""),
                        h.epochs().isEmpty() ? 0 : h.last().epoch(), null, -1);
            }
            String trainedOn = "spark (" + data.blocks().getNumPartitions() + " partitions): "
                    + String.join("; ", devices);
            model.installTrained(arch, net.parameterArrays(), scaling, data.featureNames(), h, trainedOn);
        } finally {
            release(fitId);
            planCast.destroy();
        }
    }

    /** One objective evaluation on the cluster: the evaluation number seeds the sample of adam and sgd. */
    @FunctionalInterface
    private interface Evaluator {
        GradientSum evaluate(long evaluation);
    }

    private GradientSum evaluate(Broadcast<FitPlan> plan, List<float[]> params, long evaluation) {
        Broadcast<ArrayList<float[]>> paramsCast = jsc.broadcast(new ArrayList<>(params));
        try {
            JavaRDD<GradientSum> parts = data.blocks().mapPartitionsWithIndex((Integer p, Iterator<Block> it) ->
                    GradientTask.run(plan.value(), p, it, paramsCast.value(), evaluation), true);
            return FixedOrderReduce.reduce(parts, GradientSum::plus);
        } finally {
            paramsCast.destroy();
        }
    }

    /** Full-batch L-BFGS: core's {@link Lbfgs} over the driver's CPU tensors, the gradient from the cluster. */
    private History lbfgs(Network net, TrainConfig config, Evaluator evaluator, long rows) {
        Lbfgs lbfgs = new Lbfgs(config.optimizer().lbfgsHistory(), config.maxIterations(), config.tolerance());
        long[] evaluations = {0};
        Lbfgs.Objective objective = () -> {
            GradientSum g = evaluator.evaluate(++evaluations[0]);
            install(net, g.gradient(), 1);
            return g.loss() / rows + net.penalty();
        };
        List<EpochResult> results = new ArrayList<>();
        long[] t0 = {System.nanoTime()};
        Lbfgs.Result r = lbfgs.minimize(net.parameters(), net.gradients(), objective, (it, f, gnorm) -> {
            results.add(iteration(it, f, gnorm, t0));
        });
        boolean diverged = !Double.isFinite(r.value()) || !finite(net);
        if (results.isEmpty()) {
            results.add(new EpochResult(0, r.value(), Double.NaN, Map.of("gradient_norm", r.gradientNorm()), 0));
        }
        return new History(results, r.iterations(), diverged ? "diverged: " + r.stopReason() : r.stopReason(),
                r.converged() && !diverged, diverged);
    }

    /** Adam or SGD: one step per iteration on the gradient of a seeded sample of the rows. */
    private History firstOrder(Network net, TrainConfig config, Evaluator evaluator) {
        List<EpochResult> results = new ArrayList<>();
        String stop = "reached the iteration limit " + settings.maxIter();
        boolean converged = false;
        boolean diverged = false;
        long[] t0 = {System.nanoTime()};
        try (Optimizer opt = config.optimizer().create()) {
            for (int it = 1; it <= settings.maxIter(); it++) {
                GradientSum g = evaluator.evaluate(it);
                if (g.rows() == 0) {
                    throw new IllegalStateException("iteration " + it + " sampled no rows");
                }
                install(net, g.gradient(), 1.0 / g.rows());
                double objective = g.loss() / g.rows() + net.penalty();
                double gnorm = norm(net.gradients());
                opt.step(net.parameters(), net.gradients());
                results.add(iteration(it, objective, gnorm, t0));
                if (!Double.isFinite(objective) || !finite(net)) {
                    stop = "diverged: " + (Double.isFinite(objective) ? "a parameter became NaN or infinite"
                            : "the objective is " + Metrics.format(objective)) + " at iteration " + it
                            + " (lower stepSize)";
                    diverged = true;
                    break;
                }
                if (gnorm <= settings.tol()) {
                    stop = "gradient norm " + Metrics.format(gnorm) + " <= " + Metrics.format(settings.tol());
                    converged = true;
                    break;
                }
            }
        }
        int last = results.isEmpty() ? 0 : results.get(results.size() - 1).epoch();
        return new History(results, last, stop, converged, diverged);
    }

    private static EpochResult iteration(int it, double objective, double gnorm, long[] t0) {
        long now = System.nanoTime();
        EpochResult e = new EpochResult(it, objective, Double.NaN, Map.of("gradient_norm", gnorm),
                (now - t0[0]) / 1e9);
        t0[0] = now;
        LOG.log(Level.DEBUG, "iteration {0}: objective {1}, gradient norm {2}", it, objective, gnorm);
        return e;
    }

    /**
     * Writes {@code scale}·gradient into the network's gradient tensors and adds the penalty's gradient l2·W to the
     * weights', as the core's forward-backward pass does.
     */
    private static void install(Network net, double[] gradient, double scale) {
        Backend b = net.backend();
        int at = 0;
        for (Tensor g : net.gradients()) {
            float[] part = new float[Math.toIntExact(g.size())];
            for (int i = 0; i < part.length; i++) {
                part[i] = (float) (gradient[at++] * scale);
            }
            b.upload(part, 0, g);
        }
        if (net.l2() != 0f) {
            for (Dense d : net.layers()) {
                b.axpy(net.l2(), d.weight(), d.weightGrad());
            }
        }
    }

    private static double norm(List<Tensor> tensors) {
        double s = 0;
        for (Tensor t : tensors) {
            s += t.backend().dot(t, t);
        }
        return Math.sqrt(s);
    }

    private static boolean finite(Network net) {
        for (Tensor p : net.parameters()) {
            if (!Double.isFinite(net.backend().norm2(p))) {
                return false;
            }
        }
        return true;
    }

    /** Frees what the executors hold for the fit: one task per partition reaches every executor that has some. */
    private void release(String fitId) {
        try {
            data.blocks().foreachPartition(it -> ExecutorDevice.releaseFit(fitId));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not release the executors' device memory of fit " + fitId
                    + " (it is dropped when space is needed)", e);
        }
    }
}
