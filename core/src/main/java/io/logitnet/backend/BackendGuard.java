package io.logitnet.backend;

import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The thread rule, the close policy and the instance name every backend follows, written once: the CPU, OpenCL and
 * CUDA backends each hold one.
 *
 * <p><b>Threads.</b> Any thread may call a backend, at any time. A GPU backend holds {@link #enter()} for the whole
 * of every call, so calls from several threads run one after another on its one queue, in the order they take the
 * lock, and never race on the queue, on kernel arguments or on its scratch buffers; the CPU backend has no state
 * shared between calls and needs no lock. Tensors are like arrays: calls that write a tensor must not overlap other
 * calls that use it. This rule replaces the two the GPU backends had: an owner thread (OpenCL), under which a model
 * built on one thread failed when an executor, a web request or a Spark task used it unless the caller knew to hand
 * the backend over; and failing any call that overlapped another (CUDA's {@code tryLock}), under which two threads
 * sharing a backend for different tensors failed at random. An uncontended lock costs tens of nanoseconds; a kernel
 * launch costs microseconds.
 *
 * <p><b>Closing.</b> {@link #close(Runnable)} waits for a call in progress, marks the backend closed and runs the
 * release steps once; each step goes through {@link #quietly}, which logs a failure at WARNING on the logger
 * {@value #LOGGER} (with the instance, the step and the cause) and goes on with the next step, so close never throws
 * and a second close does nothing. Native handles that fail to release report through {@link #releaseFailed} on the
 * same logger. After close every call fails with {@link IllegalStateException} naming the instance, and the
 * backend's tensors report {@link Tensor#isClosed()}.
 *
 * <p><b>Names.</b> Every instance has a distinct name, its kind and a number per kind: {@code cpu#1}, {@code cpu#2},
 * {@code opencl:0:0#1}, {@code cuda:0#1}; messages that involve two backends name them with it.
 */
public final class BackendGuard {
    /** The logger every backend reports close-time failures to. */
    public static final String LOGGER = "io.logitnet.backend";
    private static final System.Logger LOG = System.getLogger(LOGGER);
    private static final Map<String, AtomicInteger> COUNTS = new ConcurrentHashMap<>();

    /** The scope of one call: closing it releases the backend's lock. */
    public interface Call extends AutoCloseable {
        @Override
        void close();
    }

    /** A release step that may fail. */
    @FunctionalInterface
    public interface Step {
        void run() throws Exception;
    }

    private final String instanceName;
    private final ReentrantLock lock = new ReentrantLock();
    private final Call call = lock::unlock;
    private volatile boolean closed;

    /** @param kind what the instance is, e.g. {@code cpu}, {@code opencl:0:0}, {@code cuda:0}; numbered per kind */
    public BackendGuard(String kind) {
        this.instanceName = kind + "#" + COUNTS.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
    }

    /** This backend instance's distinct name, e.g. {@code cpu#2}. */
    public String instanceName() {
        return instanceName;
    }

    /**
     * Enters a call: takes the backend's lock (waiting for a call in progress on another thread) and checks the
     * backend is open. Use as {@code try (BackendGuard.Call c = guard.enter()) { ... }}.
     *
     * @throws IllegalStateException if the backend has been closed
     */
    public Call enter() {
        lock.lock();
        if (closed) {
            lock.unlock();
            throw closedError();
        }
        return call;
    }

    /**
     * Checks that the backend is open, without taking the lock: for a backend that keeps no state between calls.
     *
     * @throws IllegalStateException if the backend has been closed
     */
    public void checkOpen() {
        if (closed) {
            throw closedError();
        }
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * Runs {@code action} under the lock if the backend is still open (waiting for a call in progress): for work
     * that must not race with calls but must not fail either, such as giving a closed tensor's memory back.
     *
     * @return whether it ran
     */
    public boolean ifOpen(Runnable action) {
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            action.run();
            return true;
        } finally {
            lock.unlock();
        }
    }

    private IllegalStateException closedError() {
        return new IllegalStateException("backend " + instanceName + " has been closed: open a new one");
    }

    /**
     * Closes the backend once: waits for a call in progress, marks the backend closed (so that every later call
     * fails) and runs {@code releases}, whose steps should each go through {@link #quietly}. A second call does
     * nothing. Never throws.
     */
    public void close(Runnable releases) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            quietly("release", releases::run);
        } finally {
            lock.unlock();
        }
    }

    /** Runs one release step of {@link #close}; a failure is logged with the instance and the step, never thrown. */
    public void quietly(String step, Step release) {
        try {
            release.run();
        } catch (Exception | LinkageError e) {
            LOG.log(Level.WARNING, instanceName + " close: " + step + " failed: " + e, e);
        }
    }

    /**
     * Reports a native handle that could not be released (its wrapper's close never throws): {@code call} is the
     * native call, {@code status} its error in words.
     */
    public static void releaseFailed(String api, String call, String status) {
        LOG.log(Level.WARNING, api + " " + call + " failed while releasing: " + status);
    }

    @Override
    public String toString() {
        return instanceName + (closed ? " (closed)" : "");
    }
}
