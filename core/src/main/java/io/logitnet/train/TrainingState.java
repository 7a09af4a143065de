package io.logitnet.train;

import java.util.List;
import java.util.Map;

/**
 * Everything needed to continue a mini-batch run exactly where it stopped: epochs done (the shuffle of the next
 * epoch is derived from the seed and the epoch number), the optimizer's step count and state, and the
 * early-stopping bookkeeping. The network's weights are saved beside it.
 */
public record TrainingState(int epochsDone, long optimizerSteps, Map<String, float[]> optimizerState,
                            double bestValue, int bestEpoch, int sinceBest, List<float[]> bestParameters,
                            List<EpochResult> history) {
    public TrainingState {
        optimizerState = Map.copyOf(optimizerState);
        history = List.copyOf(history);
        bestParameters = bestParameters == null ? null : List.copyOf(bestParameters);
    }
}
