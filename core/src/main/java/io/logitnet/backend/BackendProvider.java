package io.logitnet.backend;

/**
 * Service-provider interface: each backend module registers one in
 * {@code META-INF/services/io.logitnet.backend.BackendProvider}, so adding its jar to the class path is all a user
 * does. {@link #probe()} must not throw and must not leave native resources behind.
 */
public interface BackendProvider {
    /** The selection name: {@code cpu}, {@code opencl}, {@code cuda}. */
    String name();

    /** Larger is preferred by {@code auto}: CUDA 300, OpenCL 200, CPU 100. */
    int priority();

    /** Whether this backend can run here, and if not, why. Cached by callers; cheap enough to call once. */
    Availability probe();

    /**
     * Why {@code auto} should pass over this available backend although it can run (it is expected to be slower than
     * a backend after it, e.g. OpenCL on a CPU device only), or null to take it. A backend passed over is still used
     * when asked for by name.
     *
     * @param availability what {@link #probe()} returned (available)
     * @return null, or {full reason, a few words}
     */
    default String[] autoPassOver(Availability availability) {
        return null;
    }

    /**
     * Opens the backend.
     *
     * @param device what follows {@code name:} in a selection such as {@code opencl:0:1}; empty for the default
     * @throws io.logitnet.BackendUnavailableException if it cannot run here
     */
    Backend create(String device);
}
