package io.logitnet.spark;

import io.logitnet.backend.Backend;
import io.logitnet.backend.Tensor;
import org.apache.spark.TaskContext;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The executor's part of one objective evaluation: the summed loss and the (scaled) gradient of a partition's rows at
 * the broadcast parameters, computed on the executor's device from blocks uploaded once per fit. The result depends
 * only on the plan, the parameters, the evaluation and the partition's rows, so a retried task recomputes it exactly.
 */
final class GradientTask {
    /** Decides whether to fail a task attempt on purpose: the seam tests use to make Spark retry one. */
    @FunctionalInterface
    interface FailureInjection {
        boolean fail(int partition, int attempt, long evaluation);
    }

    /** Test seam: when set, a task for which it returns true fails after its first block. */
    static volatile FailureInjection injectFailure;

    private GradientTask() {
    }

    /** Runs in a Spark task: one {@link GradientSum} for the partition's blocks. */
    static Iterator<GradientSum> run(FitPlan plan, int partition, Iterator<Block> rows, List<float[]> params,
                                     long evaluation) {
        List<Block> host = new ArrayList<>();
        rows.forEachRemaining(host::add); // on the task thread: Spark's block reads belong to the task
        if (host.isEmpty()) {
            return List.of(new GradientSum(0, 0, new double[plan.parameterCount()], null)).iterator();
        }
        TaskContext tc = TaskContext.get();
        int attempt = tc == null ? 0 : tc.attemptNumber();
        ExecutorDevice device = ExecutorDevice.forTask(plan.backend());
        GradientSum sum = device.call((backend, cache) -> compute(backend, cache, plan, partition, host, params,
                evaluation, attempt, device.description()));
        return List.of(sum).iterator();
    }

    private static GradientSum compute(Backend b, DeviceCache cache, FitPlan plan, int partition, List<Block> host,
                                       List<float[]> params, long evaluation, int attempt, String device) {
        DeviceCache.Resident data = cache.partition(plan.fitId(), partition, host, plan.scaling());
        try {
            DeviceCache.FitNetwork fn = cache.network(plan.fitId(), plan.arch());
            fn.net.setParameterArrays(params);
            b.fill(fn.lossSum, 0f);
            fn.sums.forEach(t -> b.fill(t, 0f));
            boolean[] chosen = plan.sample(evaluation, partition, data.blocks().size());
            long rows = 0;
            for (int i = 0; i < chosen.length; i++) {
                if (!chosen[i]) {
                    continue;
                }
                Tensor[] block = data.blocks().get(i);
                fn.net.lossAndGradient(block[0], block[1], fn.lossSum, plan.gradScale());
                for (int p = 0; p < fn.sums.size(); p++) {
                    b.axpy(1f, fn.net.gradients().get(p), fn.sums.get(p));
                }
                rows += block[0].rows();
                FailureInjection inject = injectFailure;
                if (inject != null && inject.fail(partition, attempt, evaluation)) {
                    throw new IllegalStateException("failure injected by a test into partition " + partition
                            + ", attempt " + attempt + ", evaluation " + evaluation);
                }
            }
            double[] gradient = new double[plan.parameterCount()];
            int at = 0;
            for (Tensor t : fn.sums) {
                float[] g = t.toArray();
                for (float v : g) {
                    gradient[at++] = v;
                }
            }
            return new GradientSum(fn.lossSum.toArray()[0], rows, gradient, device);
        } finally {
            if (!data.cached()) {
                data.close();
            }
        }
    }
}
