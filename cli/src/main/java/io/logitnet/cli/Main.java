package io.logitnet.cli;

import io.logitnet.BackendUnavailableException;
import io.logitnet.DeviceLostException;
import io.logitnet.DeviceOutOfMemoryException;
import io.logitnet.InvalidDataException;
import io.logitnet.KernelBuildException;
import io.logitnet.LogitNet;
import io.logitnet.NativeCallException;
import io.logitnet.ShapeMismatchException;
import io.logitnet.io.AtomicFile;
import io.logitnet.io.CheckpointFormatException;
import io.logitnet.io.IoErrors;
import io.logitnet.model.NonFiniteOutputException;
import io.logitnet.nn.SymmetricInitializationException;
import io.logitnet.train.MemoryPlanException;
import io.logitnet.train.TrainingDivergedException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The {@code logitnet} command. Exit status: 0 success; 1 an internal failure (a bug or a device failure: one line,
 * the stack trace in a file or with {@code --debug}); 2 a usage or input mistake (one line naming the value and where
 * it came from); 3 training diverged; 130 and 143 when stopped by SIGINT or SIGTERM.
 */
@Command(name = "logitnet", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Neural networks as stacks of logistic regressions, on CUDA, OpenCL and the CPU.",
        subcommands = {TrainCommand.class, PredictCommand.class, EvaluateCommand.class, InspectCommand.class,
                DevicesCommand.class, VerifyCommand.class, DemoCommand.class, BenchCommand.class})
public final class Main implements java.util.concurrent.Callable<Integer> {
    /** Success. */
    public static final int OK = 0;
    /** An internal failure: a bug, or the device failed. */
    public static final int INTERNAL_ERROR = 1;
    /** A user mistake: a bad option, bad input data, a file that cannot be read or written, no such backend. */
    public static final int USER_ERROR = 2;
    /** Training diverged: no usable model came out of this run. */
    public static final int DIVERGED = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "on an internal error, print the stack trace (otherwise it goes to a file)")
    boolean debug;

    @Override
    public Integer call() {
        // `logitnet` with no command: the usage, and a non-zero status (nothing was done)
        spec.commandLine().usage(System.err);
        return USER_ERROR;
    }

    /** The version for --version, from the build. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"logitnet " + LogitNet.VERSION};
        }
    }

    public static void main(String[] args) {
        Interrupts.install();
        int status = run(args);
        Interrupts.normalExit();
        System.exit(status);
    }

    /** Runs the command line and returns the exit status (for tests). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (Interrupts.stopping()) {
                return INTERNAL_ERROR; // the process is being stopped by a signal; the hook says what was saved
            }
            PrintStream err = System.err;
            String message = userMessage(e);
            if (message != null) {
                err.println("logitnet: " + message);
                return e instanceof TrainingDivergedException ? DIVERGED : USER_ERROR;
            }
            boolean debug = parsed.matchedOption("--debug") != null
                    || parsed.subcommands().stream().anyMatch(p -> p.matchedOption("--debug") != null);
            err.println("logitnet: internal error: " + describe(e) + traceNote(e, debug));
            if (debug) {
                e.printStackTrace(err);
            }
            return INTERNAL_ERROR;
        });
        cl.setParameterExceptionHandler((e, args2) -> {
            CommandLine c = e.getCommandLine();
            PrintStream err = System.err;
            String sub = c.getCommandName().equals("logitnet") ? "" : " " + c.getCommandName();
            if (e instanceof CommandLine.UnmatchedArgumentException u && c.getCommandName().equals("logitnet")
                    && !u.getUnmatched().isEmpty() && !u.getUnmatched().get(0).startsWith("-")) {
                String typed = u.getUnmatched().get(0);
                String near = Suggest.closest(typed, c.getSubcommands().keySet());
                err.println("logitnet: unknown command '" + typed + "'" + (near == null ? "" : "; did you mean '"
                        + near + "'?") + " (commands: " + String.join(", ", c.getSubcommands().keySet()) + ")");
                return USER_ERROR;
            }
            if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()
                    && u.getUnmatched().get(0).startsWith("-")) {
                String typed = u.getUnmatched().get(0).split("=", 2)[0];
                String near = Suggest.closest(typed, c.getCommandSpec().optionsMap().keySet());
                err.println("logitnet" + sub + ": unknown option '" + typed + "'" + (near == null ? ""
                        : "; did you mean '" + near + "'?") + " (see: logitnet" + sub + " --help)");
                return USER_ERROR;
            }
            err.println("logitnet" + sub + ": " + e.getMessage() + " (see: logitnet" + sub + " --help)");
            return USER_ERROR;
        });
        return cl.execute(args);
    }

    /** The one-line message for a user mistake (exit 2) or a diverged run (exit 3), or null for an internal failure. */
    static String userMessage(Throwable e) {
        if (e instanceof InvalidDataException || e instanceof CheckpointFormatException
                || e instanceof ShapeMismatchException || e instanceof BackendUnavailableException
                || e instanceof UserException || e instanceof DeviceOutOfMemoryException
                || e instanceof TrainingDivergedException || e instanceof NonFiniteOutputException
                || e instanceof SymmetricInitializationException || e instanceof MemoryPlanException) {
            return e.getMessage();
        }
        if (e instanceof UncheckedIOException u) {
            return u.getMessage() != null && !u.getMessage().startsWith("java.") ? u.getMessage()
                    : IoErrors.reason(u.getCause());
        }
        if (e instanceof IllegalArgumentException && !(e instanceof NumberFormatException)) {
            return e.getMessage();
        }
        return null;
    }

    /** An internal failure in words: the typed native errors say what failed; anything else is a bug. */
    private static String describe(Throwable e) {
        if (e instanceof DeviceLostException || e instanceof NativeCallException || e instanceof KernelBuildException) {
            String m = e.getMessage();
            return m.contains("\n") ? m.substring(0, m.indexOf('\n')) : m;
        }
        String m = e.getMessage();
        return "an unexpected " + words(e) + (m == null ? "" : ": " + (m.contains("\n") ? m.substring(0,
                m.indexOf('\n')) : m));
    }

    /** {@code IllegalStateException} as "illegal state". */
    private static String words(Throwable e) {
        String n = e.getClass().getSimpleName().replaceAll("(Exception|Error)$", "");
        return n.replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT);
    }

    /** Where the stack trace went: printed below with --debug, else into a file in the temporary folder. */
    private static String traceNote(Throwable e, boolean debug) {
        if (debug) {
            return "";
        }
        StringWriter sw = new StringWriter();
        e.printStackTrace(new PrintWriter(sw));
        try {
            Path f = Files.createTempFile("logitnet-error-", ".log");
            Files.writeString(f, "logitnet " + LogitNet.VERSION + "\n" + sw, StandardCharsets.UTF_8);
            return " (the details are in " + f + "; --debug prints them)";
        } catch (IOException | RuntimeException io) {
            return " (run with --debug for the details)";
        }
    }

    /** A mistake in how the command was used, reported in one line with exit status 2. */
    public static final class UserException extends RuntimeException {
        public UserException(String message) {
            super(message);
        }
    }

    /** Stops writing files when the process is stopped, so that nothing is half written. */
    static void stopWriting() {
        AtomicFile.shutdown(10_000);
    }
}
