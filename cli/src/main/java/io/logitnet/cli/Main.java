package io.logitnet.cli;

import io.logitnet.BackendUnavailableException;
import io.logitnet.InvalidDataException;
import io.logitnet.LogitNet;
import io.logitnet.LogitNetException;
import io.logitnet.ShapeMismatchException;
import io.logitnet.io.CheckpointFormatException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;

/** The {@code logitnet} command. */
@Command(name = "logitnet", mixinStandardHelpOptions = true, version = "logitnet " + LogitNet.VERSION,
        description = "Neural networks as stacks of logistic regressions, on CUDA, OpenCL and the CPU.",
        subcommands = {TrainCommand.class, PredictCommand.class, EvaluateCommand.class, InspectCommand.class,
                DevicesCommand.class, VerifyCommand.class, DemoCommand.class, BenchCommand.class})
public final class Main implements Runnable {
    /** Exit status of a user mistake (bad input, bad option, unavailable backend). */
    public static final int USER_ERROR = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Held so the logger (and its level) is not collected. */
    private static final java.util.logging.Logger NETLIB = java.util.logging.Logger.getLogger("dev.ludovic.netlib");

    public static void main(String[] args) {
        Integer relaunched = SignalChaining.relaunchIfNeeded();
        if (relaunched != null) {
            System.exit(relaunched);
        }
        // netlib logs a warning when it cannot use the incubating Vector API; its fallback is what we report
        NETLIB.setLevel(java.util.logging.Level.SEVERE);
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit status (for tests). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            String message = userMessage(e);
            if (message != null) {
                cmd.getErr().println("logitnet: " + message);
                return USER_ERROR;
            }
            throw e;
        });
        cl.setParameterExceptionHandler((e, args2) -> {
            e.getCommandLine().getErr().println("logitnet: " + e.getMessage());
            e.getCommandLine().getErr().println("(see: logitnet " + e.getCommandLine().getCommandName()
                    + " --help)");
            return USER_ERROR;
        });
        return cl.execute(args);
    }

    /** The one-line message for a user mistake, or null for a bug (which keeps its stack trace). */
    static String userMessage(Throwable e) {
        if (e instanceof InvalidDataException || e instanceof CheckpointFormatException
                || e instanceof ShapeMismatchException || e instanceof BackendUnavailableException
                || e instanceof IllegalArgumentException || e instanceof UserException) {
            return e.getMessage();
        }
        if (e instanceof UncheckedIOException u) {
            if (u.getCause() instanceof NoSuchFileException n) {
                return "no such file: " + n.getFile();
            }
            return u.getMessage();
        }
        if (e instanceof LogitNetException) {
            return e.getMessage();
        }
        return null;
    }

    /** A mistake in how the command was used, reported in one line with exit status 2. */
    public static final class UserException extends RuntimeException {
        public UserException(String message) {
            super(message);
        }
    }
}
