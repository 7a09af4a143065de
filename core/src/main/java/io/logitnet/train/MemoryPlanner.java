package io.logitnet.train;

import io.logitnet.backend.DeviceMemory;
import io.logitnet.backend.MemoryModel;
import io.logitnet.backend.Precision;
import io.logitnet.nn.Architecture;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Counts the tensors a {@link Trainer} run allocates, as {@link Trainer}, {@link io.logitnet.nn.Network} and the
 * optimizers allocate them: each layer's weight, bias and their gradients; the optimizer's state (Adam two moments
 * per parameter, SGD with momentum one, L-BFGS 3 + 2·history vectors); each layer's output and gradient for the batch
 * (the last partial batch and the evaluation run in views of them), the row losses; the batch's inputs and targets
 * (mini-batch training copies each batch from the host) or, for L-BFGS, every row in chunks of at most
 * {@value #CHUNK}, one more chunk for the final evaluation and a gradient accumulator when there are several chunks
 * (or, when the rows do not fit but one chunk does, one chunk's buffers that each chunk is copied into in turn);
 * the loss sums; the largest scratch any one operation borrows. What the backend holds for itself is held already
 * and so not counted: the free memory it reports is net of it. For L-BFGS the final evaluation's chunk is counted
 * beside the optimizer's vectors, though they are not held at once: an upper bound.
 */
final class MemoryPlanner {
    /** Rows per chunk of a full-batch pass: {@code Trainer}'s. */
    static final int CHUNK = 16384;

    private final TrainConfig config;
    private final MemoryModel mm;
    private final DeviceMemory memory;
    private final String backendName;

    MemoryPlanner(TrainConfig config, MemoryModel mm, DeviceMemory memory, String backendName) {
        this.config = config;
        this.mm = mm;
        this.memory = memory;
        this.backendName = backendName;
    }

    /**
     * The shape of the data: all rows (validation included), targets per row, whether it is streamed from a file,
     * and whether L-BFGS keeps its rows on the host (copying one chunk at a time) rather than all on the device.
     */
    record Data(long rows, int targetCols, boolean streamed, boolean chunksFromHost) {
        Data(long rows, int targetCols, boolean streamed) {
            this(rows, targetCols, streamed, false);
        }

        Data onHost() {
            return new Data(rows, targetCols, streamed, true);
        }
    }

    /** The plan, with what would fit when it does not. */
    MemoryPlan plan(Architecture arch, Data data, Precision p, boolean bf16Supported) {
        long nVal = config.validationSplit() == 0 ? 0 : Math.round(data.rows() * config.validationSplit());
        int nTrain = (int) Math.min(Integer.MAX_VALUE, data.rows() - nVal);
        int batch = config.optimizer().fullBatch() ? Math.min(nTrain, CHUNK) : config.effectiveBatchSize(nTrain);
        MemoryPlan plan = compute(arch, data, nTrain, (int) Math.min(Integer.MAX_VALUE, nVal), batch, p, "");
        if (plan.fits()) {
            return plan;
        }
        if (plan.rowsOnDevice() && nTrain > CHUNK) { // L-BFGS: the rows stay on the host, one chunk at a time
            MemoryPlan streamed = compute(arch, data.onHost(), nTrain, (int) nVal, batch, p, "");
            if (streamed.fits()) {
                return streamed;
            }
            data = data.onHost();
        }
        return compute(arch, data, nTrain, (int) nVal, batch, p, suggest(arch, data, nTrain, (int) nVal, batch, p,
                bf16Supported));
    }

    private String suggest(Architecture arch, Data data, int nTrain, int nVal, int batch, Precision p,
                           boolean bf16Supported) {
        List<String> fits = new ArrayList<>();
        if (!config.optimizer().fullBatch() && batch > 1) {
            int lo = 0;
            int hi = batch - 1;
            while (lo < hi) { // the largest batch size that fits
                int mid = (lo + hi + 1) >>> 1;
                if (compute(arch, data, nTrain, nVal, mid, p, "").fits()) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            fits.add(lo == 0 ? "no batch size fits this network" : "--batch-size " + lo);
        }
        int widest = 0;
        for (int i = 1; i < arch.sizes().size() - 1; i++) {
            widest = Math.max(widest, arch.sizes().get(i));
        }
        if (widest > 1) {
            int lo = 0;
            int hi = widest - 1;
            while (lo < hi) { // the widest hidden layer that fits, every hidden layer capped at that width
                int mid = (lo + hi + 1) >>> 1;
                if (compute(capped(arch, mid), data, nTrain, nVal, batch, p, "").fits()) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            fits.add(lo == 0 ? "no hidden width fits at this batch size" : "hidden layers at most " + lo + " wide");
        }
        if (bf16Supported && p != Precision.BF16) {
            boolean bf16 = compute(arch, data, nTrain, nVal, batch, Precision.BF16, "").fits();
            fits.add("--precision bf16 " + (bf16 ? "fits" : "does not fit either (its weights and activations stay "
                    + "float32 on this backend; only the matrix products' operands are bfloat16)"));
        }
        if (!memory.limited() && backendName.startsWith("cpu")) {
            long heap = Runtime.getRuntime().maxMemory();
            long need = compute(arch, data, nTrain, nVal, batch, p, "").shortBytes();
            fits.add("a larger Java heap: java -Xmx" + ((heap + need + (1L << 30) - 1) >> 30) + "g");
        }
        return fits.isEmpty() ? "" : "what would fit: " + String.join(", or ", fits);
    }

    /** The architecture with every hidden layer at most {@code width} wide. */
    private static Architecture capped(Architecture arch, int width) {
        List<Integer> sizes = new ArrayList<>(arch.sizes());
        for (int i = 1; i < sizes.size() - 1; i++) {
            sizes.set(i, Math.min(width, sizes.get(i)));
        }
        return new Architecture(sizes, arch.hiddenActivations(), arch.loss());
    }

    private long t(long rows, long cols) {
        return mm.tensorBytes(rows * cols);
    }

    private MemoryPlan compute(Architecture arch, Data data, int nTrain, int nVal, int batch, Precision p,
                               String suggestion) {
        List<Integer> s = arch.sizes();
        int layers = s.size() - 1;
        int d = s.get(0);
        int tc = data.targetCols();
        long params = 0;
        long floats = 0;
        long largest = 0;
        for (int i = 0; i < layers; i++) {
            params += t(s.get(i + 1), s.get(i)) + t(1, s.get(i + 1));
            floats += (long) s.get(i + 1) * s.get(i) + s.get(i + 1);
            largest = Math.max(largest, t(s.get(i + 1), s.get(i)));
        }
        OptimizerSpec o = config.optimizer();
        List<MemoryPlan.Line> lines = new ArrayList<>();
        lines.add(new MemoryPlan.Line(MemoryPlan.Category.PARAMETERS, params, String.format(Locale.ROOT,
                "weights and biases of %d layers (%,d floats)", layers, floats)));
        boolean fullBatch = o.fullBatch();
        int chunks = fullBatch ? (int) ((nTrain + (long) CHUNK - 1) / CHUNK) : 0;
        lines.add(new MemoryPlan.Line(MemoryPlan.Category.GRADIENTS, chunks > 1 ? 2 * params : params,
                chunks > 1 ? "one per parameter, and their sum over " + chunks + " chunks" : "one per parameter"));
        long state;
        String stateDetail;
        switch (o.kind()) {
            case ADAM -> {
                state = 2 * params;
                stateDetail = "adam: two moments per parameter";
            }
            case SGD -> {
                state = o.momentum() == 0 ? 0 : params;
                stateDetail = o.momentum() == 0 ? "sgd without momentum: none" : "sgd: a velocity per parameter";
            }
            default -> {
                state = (3L + 2L * o.lbfgsHistory()) * params;
                stateDetail = "l-bfgs: " + o.lbfgsHistory() + " pairs of steps and gradient changes, 3 work vectors";
            }
        }
        lines.add(new MemoryPlan.Line(MemoryPlan.Category.OPTIMIZER_STATE, state, stateDetail));
        // the evaluation after each epoch runs in the training batch's buffers (mini-batch) or in chunks (L-BFGS)
        int evalRows = nVal > 0 ? nVal : nTrain;
        int evalChunk = fullBatch ? Math.min(evalRows, CHUNK) : batch;
        int wsRows = Math.max(batch, evalChunk);
        long acts = t(wsRows, 1) + t(1, 1);
        for (int i = 1; i <= layers; i++) {
            acts += 2 * t(wsRows, s.get(i));
            largest = Math.max(largest, t(wsRows, s.get(i)));
        }
        lines.add(new MemoryPlan.Line(MemoryPlan.Category.ACTIVATIONS, acts, "each layer's output and gradient for "
                + wsRows + " rows" + (fullBatch ? " (a chunk)" : " (the batch; training and evaluation)")
                + " and their losses"));
        long dataBytes;
        String dataDetail;
        if (fullBatch && data.chunksFromHost()) {
            dataBytes = t(evalChunk, d) + t(evalChunk, tc) + t(CHUNK, d) + t(CHUNK, tc);
            largest = Math.max(largest, t(CHUNK, d));
            dataDetail = String.format(Locale.ROOT, "one chunk of %,d rows at a time, copied from the host (the %,d "
                    + "training rows do not fit on the device), one evaluation chunk", CHUNK, nTrain);
        } else if (fullBatch) {
            dataBytes = t(evalChunk, d) + t(evalChunk, tc);
            for (long start = 0; start < nTrain; start += CHUNK) {
                long rows = Math.min(CHUNK, nTrain - start);
                dataBytes += t(rows, d) + t(rows, tc);
            }
            largest = Math.max(largest, t(Math.min(nTrain, CHUNK), d));
            dataDetail = String.format(Locale.ROOT, "all %,d training rows in %d chunk%s, one evaluation chunk",
                    nTrain, chunks, chunks == 1 ? "" : "s");
        } else {
            dataBytes = t(batch, d) + t(batch, tc);
            largest = Math.max(largest, t(batch, d));
            dataDetail = "one batch of inputs and targets, copied from the host each step"
                    + (data.streamed() ? " (streamed from the file)" : "");
        }
        lines.add(new MemoryPlan.Line(MemoryPlan.Category.DATA, dataBytes, dataDetail));
        long scratch = 0;
        for (int i = 0; i < layers; i++) {
            long in = s.get(i);
            long out = s.get(i + 1);
            scratch = Math.max(scratch, mm.gemmScratchBytes(p, wsRows, out, in));
            scratch = Math.max(scratch, mm.gemmScratchBytes(p, out, in, wsRows));
            if (i > 0) {
                scratch = Math.max(scratch, mm.gemmScratchBytes(p, wsRows, in, out));
            }
            scratch = Math.max(scratch, mm.columnSumsScratchBytes(wsRows, out));
            scratch = Math.max(scratch, mm.dotScratchBytes(out * in));
        }
        scratch = Math.max(scratch, mm.columnSumsScratchBytes(wsRows, 1));
        // what the backend holds for itself (mm.fixedBytes()) is held already: the free memory is net of it
        long extra = mm.trainingExtraBytes(scratch);
        long overhead = 2 * t(1, 1) + scratch + extra;
        lines.add(new MemoryPlan.Line(MemoryPlan.Category.OVERHEAD, overhead, "two loss sums and the largest "
                + "scratch of one operation (" + DeviceMemory.format(scratch) + ")" + (extra == 0 ? ""
                : ", and what the backend keeps while training (" + DeviceMemory.format(extra) + ")")));
        String what = arch.describe() + ", " + o.describe() + (fullBatch ? " full batch" : ", batch " + batch) + ", "
                + p.name().toLowerCase(Locale.ROOT) + ", on " + backendName;
        return new MemoryPlan(what, lines, largest, memory, suggestion, fullBatch && !data.chunksFromHost());
    }
}
