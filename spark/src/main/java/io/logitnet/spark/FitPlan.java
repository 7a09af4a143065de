package io.logitnet.spark;

import io.logitnet.nn.Architecture;

import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * What every gradient task of one fit needs besides the current parameters, broadcast once per fit: the fit's id
 * (which keys the executors' device caches), the network, the input scaling, the gradient scale, how the solver
 * samples, and the backend param.
 *
 * @param gradScale 1/N for full-batch L-BFGS over N rows (the partitions' gradients then add up to the mean), 1 for
 *                  a sample (the driver divides by the rows sampled)
 * @param fraction  the fraction of blocks an iteration samples; 1 for every block
 */
record FitPlan(String fitId, Architecture arch, double[][] scaling, float gradScale, double fraction, long seed,
               String backend) implements Serializable {

    /** Number of parameters, in the order of {@code Network.parameters()}: Σ (in·out + out) over the layers. */
    int parameterCount() {
        int n = 0;
        for (int i = 0; i < arch.layerCount(); i++) {
            n += arch.sizes().get(i) * arch.sizes().get(i + 1) + arch.sizes().get(i + 1);
        }
        return n;
    }

    /**
     * Which of a partition's blocks evaluation {@code evaluation} uses: all of them at fraction 1, else
     * {@code max(1, round(fraction · blocks))} of them without replacement (the rows were shuffled when they were
     * packed, so this samples rows), drawn from a generator that depends only on the seed, the evaluation and the
     * partition, so that a retried task draws the same sample.
     */
    boolean[] sample(long evaluation, int partition, int blocks) {
        boolean[] chosen = new boolean[blocks];
        if (fraction >= 1) {
            java.util.Arrays.fill(chosen, true);
            return chosen;
        }
        int k = (int) Math.max(1, Math.min(blocks, Math.round(fraction * blocks)));
        int[] order = new int[blocks];
        for (int i = 0; i < blocks; i++) {
            order[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed ^ (evaluation * 0x9E3779B97F4A7C15L)
                ^ ((partition + 1) * 0xC2B2AE3D27D4EB4FL));
        for (int i = 0; i < k; i++) {
            int j = i + r.nextInt(blocks - i);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
            chosen[order[i]] = true;
        }
        return chosen;
    }
}
