package io.logitnet.cli;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * What happens when the process is stopped by SIGINT (Ctrl-C) or SIGTERM: the JVM runs this hook, which waits for a
 * file write in progress to finish, removes temporary files, refuses further writes, and says in one line what was
 * saved; the JVM then exits with 130 (SIGINT) or 143 (SIGTERM). Nothing of the command runs after it (no second
 * process is ever started). SIGKILL cannot be caught: atomic writes still leave either the old file or the new one.
 */
final class Interrupts {
    private static volatile boolean normal;
    private static volatile boolean stopping;
    private static volatile Path output;
    private static volatile int savedEpoch = -1;
    private static volatile boolean training;

    private Interrupts() {
    }

    /** Installs the shutdown hook (once, for the process run by {@link Main#main}). */
    static void install() {
        Runtime.getRuntime().addShutdownHook(new Thread(Interrupts::onShutdown, "logitnet-interrupt"));
    }

    /** The command finished by itself: the hook has nothing to say. */
    static void normalExit() {
        normal = true;
    }

    /** Whether the process is being stopped by a signal. */
    static boolean stopping() {
        return stopping;
    }

    /** A training run writes checkpoints to {@code out}. */
    static void training(Path out) {
        output = out;
        savedEpoch = -1;
        training = true;
    }

    /** The checkpoint now holds {@code epoch}. */
    static void saved(int epoch) {
        savedEpoch = epoch;
    }

    private static void onShutdown() {
        if (normal) {
            return;
        }
        stopping = true;
        Main.stopWriting();
        PrintStream err = System.err;
        err.println();
        if (training && output != null) {
            err.println("logitnet: interrupted; " + (savedEpoch >= 0 ? output + " holds the model after epoch "
                    + savedEpoch : output + " was not written by this run"));
        } else {
            err.println("logitnet: interrupted");
        }
        err.flush();
    }
}
