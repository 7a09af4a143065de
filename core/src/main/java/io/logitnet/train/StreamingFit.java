package io.logitnet.train;

import io.logitnet.ShapeMismatchException;
import io.logitnet.backend.Backend;
import io.logitnet.backend.StepRunner;
import io.logitnet.backend.Tensor;
import io.logitnet.data.BatchSource;
import io.logitnet.nn.Network;
import io.logitnet.optim.Optimizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Mini-batch training on batches streamed from a {@link BatchSource}, for data that is not in memory: each epoch's
 * batches come from the source, in the order the epoch's generator gives them (the same generator as in memory), and
 * the source prepares the next batches while the backend trains on the current one. There is no validation split,
 * hence no early stopping; an epoch reports the mean training objective over its steps and no other metric. A
 * diverged run (objective or a parameter not finite) stops as in memory: {@link History#diverged()}, and no state
 * is handed on for that epoch.
 */
final class StreamingFit {
    private final TrainConfig config;
    private final TrainingListener listener;

    StreamingFit(TrainConfig config, TrainingListener listener) {
        this.config = config;
        this.listener = listener;
    }

    History fit(Network net, BatchSource data, TrainingState resume, Consumer<TrainingState> afterEpoch) {
        if (config.optimizer().fullBatch()) {
            throw new IllegalArgumentException(config.optimizer().describe() + " needs the whole data set in memory; "
                    + "streamed data trains with a mini-batch optimizer (sgd, adam)");
        }
        if (config.validationSplit() != 0) {
            throw new IllegalArgumentException("streamed data has no validation split (got "
                    + config.validationSplit() + "); use a separate file to validate");
        }
        int out = net.architecture().outputs();
        int tc = net.architecture().loss().targetsAreClassIndices() ? 1 : out;
        if (data.cols() != net.architecture().inputs() || data.targetCols() != tc) {
            throw new ShapeMismatchException("streamed batches", new int[] {net.architecture().inputs(), tc},
                    new int[] {data.cols(), data.targetCols()});
        }
        net.setL2(config.l2());
        Backend b = net.backend();
        long n = data.rows();
        int batch = config.effectiveBatchSize((int) Math.min(n, Integer.MAX_VALUE));
        int d = data.cols();
        long totalSteps = config.epochs() * ((n + batch - 1) / batch);
        List<EpochResult> results = new ArrayList<>();
        listener.started(net.architecture().describe() + ", " + config.optimizer().describe() + ", batch " + batch
                + ", " + n + " rows streamed, backend " + b.name(), config.epochs());
        try (Optimizer opt = config.optimizer().create();
             Tensor xb = b.allocate(batch, d); Tensor yb = b.allocate(batch, tc);
             Tensor lossSum = b.allocate(1, 1); StepRunner steps = b.stepRunner()) {
            int start = 0;
            double best = Double.POSITIVE_INFINITY;
            int bestEpoch = 0;
            if (resume != null) {
                start = resume.epochsDone();
                opt.importState(net.parameters(), resume.optimizerState(), resume.optimizerSteps());
                best = resume.bestValue();
                bestEpoch = resume.bestEpoch();
                results.addAll(resume.history());
            }
            String stop = "completed " + config.epochs() + " epochs";
            boolean diverged = false;
            for (int epoch = start + 1; epoch <= config.epochs(); epoch++) {
                long t0 = System.nanoTime();
                b.fill(lossSum, 0f);
                try (BatchSource.Batches batches = data.epoch(Trainer.epochRandom(config.seed(), epoch), batch)) {
                    for (BatchSource.Batch bt = batches.next(); bt != null; bt = batches.next()) {
                        Tensor x = xb;
                        Tensor y = yb;
                        if (bt.rows() != batch) { // a partial batch runs in views of the full batch's buffers
                            x = b.prefixRows(xb, bt.rows());
                            y = b.prefixRows(yb, bt.rows());
                        }
                        b.upload(bt.x(), 0, x);
                        b.upload(bt.y(), 0, y);
                        Tensor xs = x;
                        Tensor ys = y;
                        steps.run(bt.rows(), () -> {
                            net.forwardBackward(xs, ys, lossSum);
                            opt.scaleLearningRate(config.schedule().factor(opt.steps(), totalSteps));
                            opt.step(net.parameters(), net.gradients());
                        });
                    }
                }
                double objective = lossSum.toArray()[0] / n + net.penalty();
                EpochResult result = new EpochResult(epoch, objective, Double.NaN, Map.of(),
                        (System.nanoTime() - t0) / 1e9);
                results.add(result);
                listener.epoch(result);
                if (!Double.isFinite(objective) || !Trainer.finite(net)) {
                    stop = "diverged: " + (Double.isFinite(objective) ? "a parameter became NaN or infinite"
                            : "the training objective is " + Metrics.format(objective)) + " at epoch " + epoch
                            + " (lower the learning rate)";
                    diverged = true;
                    break;
                }
                if (objective < best - config.minDelta()) {
                    best = objective;
                    bestEpoch = epoch;
                }
                if (afterEpoch != null) {
                    afterEpoch.accept(new TrainingState(epoch, opt.steps(), opt.exportState(), best, bestEpoch,
                            epoch - bestEpoch, null, results));
                }
            }
            int last = results.isEmpty() ? 0 : results.get(results.size() - 1).epoch();
            History h = new History(results, diverged ? bestEpoch : last, stop, false, diverged);
            listener.finished(h);
            return h;
        }
    }
}
