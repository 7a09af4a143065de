package io.logitnet.backend;

/**
 * Runs the steps of a training loop (forward, backward and optimizer update of one batch) on a backend that may run
 * them faster than call by call: the CUDA backend can capture a step in a CUDA graph and replay it
 * ({@code -Dlogitnet.cudaGraphs=true}). The default, {@link #EAGER}, just runs each step.
 *
 * <p>A step only queues device work: it must not read results back (download, dot, norm2), upload, or wait for the
 * device; and the steps of one key (a batch size) queue the same operations on the same tensors each time, apart from
 * the learning rate and step count given to {@link Backend#sgdUpdate} and {@link Backend#adamUpdate}. A backend that
 * replays checks this on every step and runs a step that breaks it call by call, so a step that breaks it is slower,
 * never wrong. Errors the device finds in a step (a class index out of range) may be reported at the next wait for
 * the device instead of inside the step.
 */
public interface StepRunner extends AutoCloseable {
    /** Runs every step as it comes, call by call. */
    StepRunner EAGER = new StepRunner() {
        @Override
        public void run(int key, Runnable step) {
            step.run();
        }

        @Override
        public void close() {
        }
    };

    /**
     * Runs {@code step}.
     *
     * @param key  what identifies steps that queue the same work: the batch's rows
     * @param step the step; it runs on the calling thread, inside the backend's lock where the backend has one
     */
    void run(int key, Runnable step);

    /** Releases what replaying needed (CUDA graphs, the memory they use); never throws. */
    @Override
    void close();
}
