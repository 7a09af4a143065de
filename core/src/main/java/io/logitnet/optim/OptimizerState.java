package io.logitnet.optim;

import io.logitnet.LogitNetException;
import io.logitnet.backend.Tensor;

import java.util.Map;

/** Checks on optimizer state read back from a checkpoint. */
final class OptimizerState {
    private OptimizerState() {
    }

    static float[] require(Map<String, float[]> state, String key, Tensor like) {
        float[] a = state.get(key);
        if (a == null) {
            throw new LogitNetException("optimizer state '" + key + "' is missing from the checkpoint");
        }
        if (a.length != like.size()) {
            throw new LogitNetException("optimizer state '" + key + "' has " + a.length + " values, the parameter has "
                    + like.size());
        }
        return a;
    }
}
