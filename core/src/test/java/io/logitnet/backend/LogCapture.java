package io.logitnet.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The messages logged on {@link BackendGuard#LOGGER} (through System.Logger, which java.util.logging backs) while a
 * piece of code runs, at WARNING or above.
 */
public final class LogCapture {
    private LogCapture() {
    }

    /** Runs {@code code} and returns the warnings it logged on the backend logger, formatted. */
    public static List<String> warnings(Runnable code) {
        Logger logger = Logger.getLogger(BackendGuard.LOGGER);
        List<String> out = new ArrayList<>();
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                    synchronized (out) {
                        out.add(r.getMessage() + (r.getThrown() == null ? "" : " | " + r.getThrown()));
                    }
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(h);
        try {
            code.run();
        } finally {
            logger.removeHandler(h);
        }
        synchronized (out) {
            return List.copyOf(out);
        }
    }
}
