package io.logitnet.data;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that parse regions: one per core, the caller being one of them. Daemon threads, made once; a task
 * never waits for another task, so callers on several threads share them safely.
 */
final class Workers {
    private static final int CORES = Math.max(1, Runtime.getRuntime().availableProcessors());
    private static final AtomicInteger COUNT = new AtomicInteger();
    private static volatile ExecutorService pool;

    private Workers() {
    }

    /** Parsing threads, the caller included. */
    static int cores() {
        return CORES;
    }

    /**
     * Runs the tasks in parallel and waits for all of them; then throws the failure of the first task (in list
     * order) that failed, so that the reported error is the earliest in the file.
     */
    static void runAll(List<Runnable> tasks) {
        if (tasks.size() == 1 || CORES == 1) {
            RuntimeException first = null;
            for (Runnable t : tasks) {
                try {
                    t.run();
                } catch (RuntimeException e) {
                    first = e;
                    break;
                }
            }
            if (first != null) {
                throw first;
            }
            return;
        }
        List<Future<?>> futures = new ArrayList<>(tasks.size());
        ExecutorService p = pool();
        for (int i = 1; i < tasks.size(); i++) {
            futures.add(p.submit(tasks.get(i)));
        }
        RuntimeException firstError = null;
        try {
            tasks.get(0).run();
        } catch (RuntimeException e) {
            firstError = e;
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Error err) {
                    throw err;
                }
                if (firstError == null) {
                    firstError = e.getCause() instanceof RuntimeException r ? r
                            : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while parsing", e);
            }
        }
        if (firstError != null) {
            throw firstError;
        }
    }

    private static ExecutorService pool() {
        ExecutorService p = pool;
        if (p == null) {
            synchronized (Workers.class) {
                p = pool;
                if (p == null) {
                    p = Executors.newFixedThreadPool(Math.max(1, CORES - 1), r -> {
                        Thread t = new Thread(r, "logitnet-csv-parser-" + COUNT.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
                    pool = p;
                }
            }
        }
        return p;
    }
}
