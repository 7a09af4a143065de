package io.logitnet.train;

import io.logitnet.LogitNetException;

/** A training run refused before its first allocation because its {@link MemoryPlan} does not fit the device. */
public final class MemoryPlanException extends LogitNetException {
    private final transient MemoryPlan plan;

    public MemoryPlanException(MemoryPlan plan) {
        super(plan.refusal());
        this.plan = plan;
    }

    /** The plan that does not fit: its categories, total, free memory and suggestion. */
    public MemoryPlan plan() {
        return plan;
    }
}
