package io.logitnet.train;

import io.logitnet.backend.Backend;
import io.logitnet.backend.StepRunner;
import io.logitnet.backend.Tensor;
import io.logitnet.data.Dataset;
import io.logitnet.nn.Network;
import io.logitnet.optim.Lbfgs;
import io.logitnet.optim.Optimizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Trains a {@link Network} on a {@link Dataset}: seeded shuffling, mini-batches (or full batch for L-BFGS), a
 * validation split, metrics, early stopping on the validation loss, progress through a {@link TrainingListener},
 * and a {@link TrainingState} after every epoch from which training resumes bit-identically.
 */
public final class Trainer {
    /** Rows per chunk of a full-batch pass. */
    private static final int FULL_BATCH_CHUNK = 16384;

    private final TrainConfig config;
    private final TrainingListener listener;

    public Trainer(TrainConfig config, TrainingListener listener) {
        this.config = config;
        this.listener = listener == null ? TrainingListener.NONE : listener;
    }

    public TrainConfig config() {
        return config;
    }

    /**
     * What a run of this trainer needs on {@code backend}, computed before anything is allocated (see
     * {@link MemoryPlan}); with what would fit (a smaller batch, narrower hidden layers, BF16) when it does not.
     *
     * @param arch       the network to train
     * @param rows       the data's rows, validation split included
     * @param targetCols targets per row as the trainer gets them (1 for class indices)
     * @param streamed   whether the rows come from a {@link io.logitnet.data.BatchSource}
     */
    public MemoryPlan plan(io.logitnet.nn.Architecture arch, long rows, int targetCols, boolean streamed,
                           Backend backend) {
        return plan(arch, rows, targetCols, streamed, backend, 0);
    }

    /** The plan when {@code held} of its bytes (a network's parameters and gradients) are allocated already. */
    private MemoryPlan plan(io.logitnet.nn.Architecture arch, long rows, int targetCols, boolean streamed,
                            Backend backend, long held) {
        io.logitnet.backend.DeviceMemory m = backend.memory();
        io.logitnet.backend.DeviceMemory free = held == 0 || m.freeBytes() == Long.MAX_VALUE ? m
                : new io.logitnet.backend.DeviceMemory(m.freeBytes() + held, m.totalBytes(), m.maxAllocationBytes(),
                        m.usedBytes(), m.peakBytes(), m.limitBytes(), m.source());
        return new MemoryPlanner(config, backend.memoryModel(), free, backend.instanceName())
                .plan(arch, new MemoryPlanner.Data(rows, targetCols, streamed), backend.precision(),
                        backend.supportedPrecisions().contains(io.logitnet.backend.Precision.BF16));
    }

    /** The training and validation parts of {@code data} under this config's seed and split. */
    public Dataset[] split(Dataset data) {
        if (config.validationSplit() == 0) {
            return new Dataset[] {data, null};
        }
        int nVal = (int) Math.round(data.rows() * config.validationSplit());
        if (nVal < 1 || nVal >= data.rows()) {
            throw new IllegalArgumentException("validation split " + config.validationSplit() + " of " + data.rows()
                    + " rows leaves " + nVal + " for validation and " + (data.rows() - nVal) + " for training");
        }
        int[] perm = Dataset.permutation(data.rows(), new Random(config.seed()));
        int[] train = java.util.Arrays.copyOfRange(perm, 0, data.rows() - nVal);
        int[] val = java.util.Arrays.copyOfRange(perm, data.rows() - nVal, data.rows());
        return new Dataset[] {data.subset(train), data.subset(val)};
    }

    /** Trains from scratch. */
    public History fit(Network net, Dataset data) {
        return fit(net, data, null, null);
    }

    /**
     * Trains, resuming from {@code resume} when it is not null, and hands a {@link TrainingState} to
     * {@code afterEpoch} after every epoch (for checkpoints).
     */
    public History fit(Network net, Dataset data, TrainingState resume, Consumer<TrainingState> afterEpoch) {
        net.setL2(config.l2());
        checkTargets(net, data);
        Dataset[] parts = split(data);
        if (config.optimizer().fullBatch()) {
            return fitFullBatch(net, parts[0], parts[1]);
        }
        return fitMiniBatch(net, parts[0], parts[1], resume, afterEpoch);
    }

    /**
     * Trains with a mini-batch optimizer on batches streamed from {@code data} (a file larger than memory, see
     * {@link io.logitnet.data.CsvBatchSource}), resuming from {@code resume} when it is not null; each epoch's order
     * comes from the same seeded generator as in memory. No validation split; the optimizer must not be full-batch.
     */
    public History fit(Network net, io.logitnet.data.BatchSource data, TrainingState resume,
                       Consumer<TrainingState> afterEpoch) {
        return new StreamingFit(config, listener).fit(net, data, resume, afterEpoch);
    }

    private static void checkTargets(Network net, Dataset data) {
        int out = net.architecture().outputs();
        int expected = net.architecture().loss().targetsAreClassIndices() ? 1 : out;
        if (data.targetCols() != expected) {
            throw new io.logitnet.ShapeMismatchException("targets", new int[] {data.rows(), expected},
                    new int[] {data.rows(), data.targetCols()});
        }
        if (data.cols() != net.architecture().inputs()) {
            throw new io.logitnet.ShapeMismatchException("features", new int[] {data.rows(),
                    net.architecture().inputs()}, new int[] {data.rows(), data.cols()});
        }
    }

    // ---- mini-batch ----

    private History fitMiniBatch(Network net, Dataset train, Dataset val, TrainingState resume,
                                 Consumer<TrainingState> afterEpoch) {
        Backend b = net.backend();
        int n = train.rows();
        int batch = config.effectiveBatchSize(n);
        int d = train.cols();
        int tc = train.targetCols();
        List<EpochResult> results = new ArrayList<>();
        listener.started(net.architecture().describe() + ", " + config.optimizer().describe() + ", batch " + batch
                + ", " + n + " training rows" + (val == null ? "" : ", " + val.rows() + " validation rows")
                + ", backend " + b.name(), config.epochs());
        float[] hostX = new float[batch * d];
        float[] hostY = new float[batch * tc];
        int rem = n % batch;
        long totalSteps = (long) config.epochs() * ((n + batch - 1) / batch);
        try (Optimizer opt = config.optimizer().create();
             Tensor xb = b.allocate(batch, d); Tensor yb = b.allocate(batch, tc);
             Tensor lossSum = b.allocate(1, 1); StepRunner steps = b.stepRunner()) {
            // the last partial batch runs in views of the full batch's buffers
            Tensor xr = rem == 0 ? null : b.prefixRows(xb, rem);
            Tensor yr = rem == 0 ? null : b.prefixRows(yb, rem);
            int startEpoch = 0;
            double best = Double.POSITIVE_INFINITY;
            int bestEpoch = 0;
            int sinceBest = 0;
            List<float[]> bestParams = null;
            if (resume != null) {
                startEpoch = resume.epochsDone();
                opt.importState(net.parameters(), resume.optimizerState(), resume.optimizerSteps());
                best = resume.bestValue();
                bestEpoch = resume.bestEpoch();
                sinceBest = resume.sinceBest();
                bestParams = resume.bestParameters();
                results.addAll(resume.history());
            }
            String stop = "completed " + config.epochs() + " epochs";
            boolean converged = false;
            boolean diverged = false;
            for (int epoch = startEpoch + 1; epoch <= config.epochs(); epoch++) {
                long t0 = System.nanoTime();
                int[] perm = Dataset.permutation(n, epochRandom(config.seed(), epoch));
                b.fill(lossSum, 0f);
                for (int start = 0; start < n; start += batch) {
                    int rows = Math.min(batch, n - start);
                    Tensor x = rows == batch ? xb : xr;
                    Tensor y = rows == batch ? yb : yr;
                    for (int i = 0; i < rows; i++) {
                        int r = perm[start + i];
                        System.arraycopy(train.x(), r * d, hostX, i * d, d);
                        System.arraycopy(train.y(), r * tc, hostY, i * tc, tc);
                    }
                    b.upload(hostX, 0, x);
                    b.upload(hostY, 0, y);
                    steps.run(rows, () -> {
                        net.forwardBackward(x, y, lossSum);
                        opt.scaleLearningRate(config.schedule().factor(opt.steps(), totalSteps));
                        opt.step(net.parameters(), net.gradients());
                    });
                }
                double trainObjective = lossSum.toArray()[0] / n + net.penalty();
                Evaluation eval = evaluate(net, val != null ? val : train, xb, yb, hostX, hostY);
                double valLoss = val == null ? Double.NaN : eval.meanLoss;
                EpochResult result = new EpochResult(epoch, trainObjective, valLoss, eval.metrics,
                        (System.nanoTime() - t0) / 1e9);
                results.add(result);
                listener.epoch(result);
                if (!Double.isFinite(trainObjective) || !finite(net)) {
                    stop = "diverged: " + (Double.isFinite(trainObjective) ? "a parameter became NaN or infinite"
                            : "the training objective is " + Metrics.format(trainObjective)) + " at epoch " + epoch
                            + " (lower the learning rate)";
                    diverged = true;
                    break;
                }
                double monitored = val != null ? valLoss : trainObjective;
                if (monitored < best - config.minDelta()) {
                    best = monitored;
                    bestEpoch = epoch;
                    sinceBest = 0;
                    if (config.restoreBest() && config.patience() > 0 && val != null) {
                        bestParams = net.parameterArrays();
                    }
                } else {
                    sinceBest++;
                }
                boolean early = config.patience() > 0 && val != null && sinceBest >= config.patience();
                if (afterEpoch != null) {
                    afterEpoch.accept(new TrainingState(epoch, opt.steps(), opt.exportState(), best, bestEpoch,
                            sinceBest, bestParams, results));
                }
                if (early) {
                    stop = "early stopping: validation loss has not improved by " + Metrics.format(config.minDelta())
                            + " for " + config.patience() + " epochs (best " + Metrics.format(best) + " at epoch "
                            + bestEpoch + ")";
                    converged = true;
                    break;
                }
            }
            if (diverged) {
                History h = new History(results, bestEpoch, stop, false, true);
                listener.finished(h);
                return h;
            }
            if (bestParams != null && config.restoreBest() && bestEpoch != results.get(results.size() - 1).epoch()) {
                net.setParameterArrays(bestParams);
                stop += "; restored the weights of epoch " + bestEpoch;
            } else if (bestParams == null) {
                bestEpoch = results.isEmpty() ? 0 : results.get(results.size() - 1).epoch();
            }
            History h = new History(results, bestEpoch, stop, converged, false);
            listener.finished(h);
            return h;
        }
    }

    /** Whether every parameter is a finite number (one reduction per tensor on the device). */
    static boolean finite(Network net) {
        for (Tensor p : net.parameters()) {
            if (!Double.isFinite(net.backend().norm2(p))) {
                return false;
            }
        }
        return true;
    }

    /** The shuffle of one epoch depends only on the seed and the epoch number, so a resumed run repeats it. */
    static Random epochRandom(long seed, int epoch) {
        return new Random(seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L);
    }

    private record Evaluation(double meanLoss, Map<String, Double> metrics) {
    }

    /** Mean loss on the device and metrics on the host, one forward pass, in the training batch's buffers. */
    private Evaluation evaluate(Network net, Dataset data, Tensor xb, Tensor yb, float[] hostX, float[] hostY) {
        Backend b = net.backend();
        int batch = xb.rows();
        int d = data.cols();
        int tc = data.targetCols();
        int out = net.architecture().outputs();
        float[] logits = new float[data.rows() * out];
        double lossTotal = 0;
        try (Tensor lossSum = b.allocate(1, 1)) {
            for (int start = 0; start < data.rows(); start += batch) {
                int rows = Math.min(batch, data.rows() - start);
                Tensor x = rows == batch ? xb : b.prefixRows(xb, rows);
                Tensor y = rows == batch ? yb : b.prefixRows(yb, rows);
                System.arraycopy(data.x(), start * d, hostX, 0, rows * d);
                System.arraycopy(data.y(), start * tc, hostY, 0, rows * tc);
                b.upload(hostX, 0, x);
                b.upload(hostY, 0, y);
                b.download(net.accumulateLoss(x, y, lossSum), logits, start * out);
            }
            lossTotal = lossSum.toArray()[0];
        }
        double mean = lossTotal / data.rows();
        return new Evaluation(mean, Metrics.compute(net.architecture().loss(), logits, data.y(), data.rows(), out,
                mean));
    }

    // ---- full batch (L-BFGS) ----

    private History fitFullBatch(Network net, Dataset train, Dataset val) {
        Backend b = net.backend();
        int n = train.rows();
        List<Tensor[]> chunks = new ArrayList<>();
        List<Tensor> accum = new ArrayList<>();
        Lbfgs lbfgs = new Lbfgs(config.optimizer().lbfgsHistory(), config.maxIterations(), config.tolerance());
        listener.started(net.architecture().describe() + ", " + config.optimizer().describe() + " full batch, "
                + n + " training rows, tolerance " + Metrics.format(config.tolerance()) + ", backend " + b.name(),
                config.maxIterations());
        List<EpochResult> results = new ArrayList<>();
        // every row on the device when they fit; otherwise one chunk's buffers, each chunk copied in as it is needed
        long held = 0; // the network's parameters and gradients, which the plan counts, are allocated already
        for (Tensor t : net.parameters()) {
            held += 2 * b.memoryModel().tensorBytes(t.size());
        }
        boolean resident = plan(net.architecture(), n + (val == null ? 0 : val.rows()), train.targetCols(), false, b,
                held).rowsOnDevice();
        int d = train.cols();
        int tc = train.targetCols();
        List<int[]> ranges = new ArrayList<>();
        for (int start = 0; start < n; start += FULL_BATCH_CHUNK) {
            ranges.add(new int[] {start, Math.min(FULL_BATCH_CHUNK, n - start)});
        }
        try (Tensor lossSum = b.allocate(1, 1)) {
            if (resident) {
                for (int[] c : ranges) {
                    Dataset part = train.range(c[0], c[0] + c[1]);
                    chunks.add(new Tensor[] {b.upload(part.x(), c[1], d), b.upload(part.y(), c[1], tc)});
                }
            } else {
                chunks.add(new Tensor[] {b.allocate(FULL_BATCH_CHUNK, d), b.allocate(FULL_BATCH_CHUNK, tc)});
            }
            if (ranges.size() > 1) {
                for (Tensor p : net.parameters()) {
                    accum.add(b.allocate(p.rows(), p.cols()));
                }
            }
            Lbfgs.Objective objective = () -> {
                b.fill(lossSum, 0f);
                if (ranges.size() == 1) {
                    net.forwardBackward(chunks.get(0)[0], chunks.get(0)[1], lossSum);
                } else {
                    accum.forEach(t -> b.fill(t, 0f));
                    for (int k = 0; k < ranges.size(); k++) {
                        Tensor[] c = chunk(b, train, resident, chunks, ranges.get(k), k);
                        net.forwardBackward(c[0], c[1], lossSum);
                        for (int i = 0; i < accum.size(); i++) {
                            b.axpy((float) c[0].rows() / n, net.gradients().get(i), accum.get(i));
                        }
                    }
                    for (int i = 0; i < accum.size(); i++) {
                        b.copy(accum.get(i), net.gradients().get(i));
                    }
                }
                return lossSum.toArray()[0] / n + net.penalty();
            };
            long[] t0 = {System.nanoTime()};
            Lbfgs.Result r = lbfgs.minimize(net.parameters(), net.gradients(), objective, (it, f, g) -> {
                Map<String, Double> m = new LinkedHashMap<>();
                m.put("gradient_norm", g);
                EpochResult e = new EpochResult(it, f, Double.NaN, m, (System.nanoTime() - t0[0]) / 1e9);
                t0[0] = System.nanoTime();
                results.add(e);
                listener.epoch(e);
            });
            // final metrics on the validation split if there is one, else on the training data
            Dataset evalSet = val != null ? val : train;
            Map<String, Double> metrics = new LinkedHashMap<>(evaluateFull(net, evalSet));
            metrics.put("gradient_norm", r.gradientNorm());
            double valLoss = val != null ? metrics.get("mean_loss") : Double.NaN;
            metrics.remove("mean_loss");
            EpochResult fin = new EpochResult(r.iterations(), r.value(), valLoss, metrics, 0);
            if (results.isEmpty()) {
                results.add(fin);
            } else {
                results.set(results.size() - 1, fin);
            }
            boolean diverged = !Double.isFinite(r.value()) || !finite(net);
            History h = new History(results, r.iterations(), diverged ? "diverged: " + r.stopReason()
                    : r.stopReason(), r.converged() && !diverged, diverged);
            listener.finished(h);
            return h;
        } finally {
            for (Tensor[] c : chunks) {
                c[1].close();
                c[0].close();
            }
            accum.forEach(Tensor::close);
        }
    }

    /**
     * Chunk {@code k} of the training rows: its tensors when every row is on the device, otherwise the rows copied
     * from the host into (the first rows of) the one chunk's buffers.
     */
    private static Tensor[] chunk(Backend b, Dataset train, boolean resident, List<Tensor[]> chunks, int[] range,
                                  int k) {
        if (resident) {
            return chunks.get(k);
        }
        Tensor[] buf = chunks.get(0);
        Tensor x = range[1] == buf[0].rows() ? buf[0] : b.prefixRows(buf[0], range[1]);
        Tensor y = range[1] == buf[1].rows() ? buf[1] : b.prefixRows(buf[1], range[1]);
        b.upload(train.x(), range[0] * train.cols(), x);
        b.upload(train.y(), range[0] * train.targetCols(), y);
        return new Tensor[] {x, y};
    }

    /** Mean loss and metrics of a whole data set, in chunks. */
    static Map<String, Double> evaluateFull(Network net, Dataset data) {
        Backend b = net.backend();
        int out = net.architecture().outputs();
        float[] logits = new float[data.rows() * out];
        double total;
        try (Tensor lossSum = b.allocate(1, 1)) {
            for (int start = 0; start < data.rows(); start += FULL_BATCH_CHUNK) {
                int rows = Math.min(FULL_BATCH_CHUNK, data.rows() - start);
                Dataset part = data.range(start, start + rows);
                try (Tensor x = b.upload(part.x(), rows, part.cols());
                     Tensor y = b.upload(part.y(), rows, part.targetCols())) {
                    b.download(net.accumulateLoss(x, y, lossSum), logits, start * out);
                }
            }
            total = lossSum.toArray()[0];
        }
        double mean = total / data.rows();
        Map<String, Double> m = new LinkedHashMap<>(Metrics.compute(net.architecture().loss(), logits, data.y(),
                data.rows(), out, mean));
        m.put("mean_loss", mean);
        return m;
    }
}
