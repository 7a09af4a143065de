package io.logitnet.spark;

import io.logitnet.BackendUnavailableException;
import io.logitnet.DeviceLostException;
import io.logitnet.backend.Backend;
import io.logitnet.backend.Backends;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The LogitNet backend of an executor JVM: opened once per selection ({@code cpu}, {@code cuda:1}, ...) by the first
 * task that needs it, used by every later task, and closed when the JVM stops (a shutdown hook). All work on it runs
 * on one thread of its own, which owns the backend and its {@link DeviceCache}: tasks of the executor's other slots
 * wait their turn, and no backend sees a second thread.
 */
final class ExecutorDevice {
    private static final System.Logger LOG = System.getLogger(ExecutorDevice.class.getName());
    /** Spark configuration: bytes of training blocks an executor keeps per device, in MiB. */
    static final String CACHE_CONF = "spark.logitnet.deviceCacheMiB";
    private static final long DEFAULT_GPU_CACHE_MIB = 2048;

    private static final Map<String, ExecutorDevice> OPEN = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ExecutorDevice::closeAll, "logitnet-close-backends"));
    }

    /** Work on the device thread. */
    @FunctionalInterface
    interface Work<T> {
        T run(Backend backend, DeviceCache cache);
    }

    private final String selection;
    private final ExecutorService thread;
    private final Backend backend;
    private final DeviceCache cache;
    private final String description;

    private ExecutorDevice(String selection) {
        this.selection = selection;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "logitnet-" + selection);
            t.setDaemon(true);
            return t;
        });
        try {
            Backends.Selection s = await(thread.submit(() -> Backends.select(selection)));
            this.backend = s.backend();
            this.description = backend.name() + ": " + backend.deviceName();
            this.cache = new DeviceCache(backend, cacheBudget(backend));
            LOG.log(Level.INFO, "LogitNet executor backend for ''{0}'': {1}", selection, s.summary());
        } catch (RuntimeException e) {
            thread.shutdownNow();
            throw e;
        }
    }

    /**
     * The device for this task under the backend param: with a GPU assigned by Spark ({@code TaskContext.resources()
     * "gpu"}), {@code cuda} and {@code auto} take {@code cuda:N} for its address (auto falls back to its usual choice
     * if CUDA cannot run); otherwise the param as it is. A backend that cannot run fails the task with the reason.
     */
    static ExecutorDevice forTask(String backendParam) {
        String gpu = gpuAddress();
        if (gpu != null && backendParam.equals("cuda")) {
            return open("cuda:" + gpu);
        }
        if (gpu != null && backendParam.equals("auto")) {
            try {
                return open("cuda:" + gpu);
            } catch (BackendUnavailableException e) {
                LOG.log(Level.WARNING, "Spark assigned GPU {0} but CUDA cannot use it ({1}); backend auto chooses "
                        + "again", gpu, e.getMessage());
            }
        }
        return open(backendParam);
    }

    private static String gpuAddress() {
        TaskContext tc = TaskContext.get();
        if (tc == null) {
            return null;
        }
        ResourceInformation gpu = tc.resourcesJMap().get("gpu");
        return gpu == null || gpu.addresses().length == 0 ? null : gpu.addresses()[0];
    }

    /** The device of a selection, opened on first use; a selection that fails to open is tried again next time. */
    static ExecutorDevice open(String selection) {
        ExecutorDevice d = OPEN.get(selection);
        if (d != null) {
            return d;
        }
        synchronized (OPEN) {
            return OPEN.computeIfAbsent(selection, ExecutorDevice::new);
        }
    }

    private static long cacheBudget(Backend backend) {
        SparkEnv env = SparkEnv.get();
        long mib = env == null ? -1 : env.conf().getLong(CACHE_CONF, -1);
        if (mib >= 0) {
            return mib << 20;
        }
        // the CPU backend's "device" is this JVM's heap, which the cached RDD blocks share
        return backend.name().equals("cpu") ? Runtime.getRuntime().maxMemory() / 4 : DEFAULT_GPU_CACHE_MIB << 20;
    }

    /** Runs {@code work} on the device thread and waits for it; its exceptions are rethrown here. */
    <T> T call(Work<T> work) {
        try {
            return await(thread.submit(() -> work.run(backend, cache)));
        } catch (DeviceLostException e) {
            // the device is gone: the next task opens it again
            OPEN.remove(selection, this);
            close();
            throw e;
        }
    }

    /** Backend and device, e.g. {@code cpu: CPU, 2 threads}. */
    String description() {
        return description;
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                throw r;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(c);
        } catch (InterruptedException e) {
            // Spark kills a task by interrupting it; the device finishes the work it has started
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the LogitNet device", e);
        }
    }

    /** Releases what every device of this JVM holds for fit {@code fitId}. */
    static void releaseFit(String fitId) {
        for (ExecutorDevice d : List.copyOf(OPEN.values())) {
            d.call((b, cache) -> {
                cache.release(fitId);
                return null;
            });
        }
    }

    /** The devices open in this JVM (for tests). */
    static Map<String, ExecutorDevice> opened() {
        return Map.copyOf(OPEN);
    }

    /** Bytes of training blocks this device holds (for tests). */
    long cachedBytes() {
        return call((b, cache) -> cache.bytes());
    }

    /** Partition uploads this device has made (for tests). */
    long uploads() {
        return call((b, cache) -> cache.uploads());
    }

    private void close() {
        try {
            thread.submit(() -> {
                cache.close();
                backend.close();
            }).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(Level.WARNING, "closing the LogitNet backend ''" + selection + "'' failed", e);
        } finally {
            thread.shutdownNow();
        }
    }

    private static void closeAll() {
        for (String s : List.copyOf(OPEN.keySet())) {
            ExecutorDevice d = OPEN.remove(s);
            if (d != null) {
                d.close();
            }
        }
    }
}
