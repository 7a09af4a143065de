package io.logitnet.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs the command in a JVM with the JDK's {@code libjsig.so} preloaded (signal chaining). OpenCL drivers and the
 * LLVM inside PoCL install signal handlers of their own while they compile kernels; a Java thread that reaches a
 * safepoint poll in that window then dies of SIGSEGV instead of the JVM handling it. With libjsig the JVM's handler
 * stays first and passes other signals on. On Linux, when libjsig is not preloaded yet, {@link #relaunchIfNeeded}
 * starts the same command line again with it (once; {@code LOGITNET_NO_RELAUNCH=1} turns this off).
 */
final class SignalChaining {
    private SignalChaining() {
    }

    /** The child's exit status if the command was run again with libjsig, or null to run in this JVM. */
    static Integer relaunchIfNeeded() {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")
                || System.getenv("LOGITNET_NO_RELAUNCH") != null) {
            return null;
        }
        Path jsig = Path.of(System.getProperty("java.home"), "lib", "libjsig.so");
        String preload = System.getenv().getOrDefault("LD_PRELOAD", "");
        if (preload.contains("libjsig") || !Files.isReadable(jsig)) {
            return null;
        }
        ProcessHandle.Info info = ProcessHandle.current().info();
        Optional<String> command = info.command();
        Optional<String[]> arguments = info.arguments();
        if (command.isEmpty() || arguments.isEmpty()) {
            return null;
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(command.get());
        cmd.addAll(List.of(arguments.get()));
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        pb.environment().put("LD_PRELOAD", preload.isEmpty() ? jsig.toString() : jsig + ":" + preload);
        pb.environment().put("LOGITNET_NO_RELAUNCH", "1");
        try {
            Process p = pb.start();
            return p.waitFor();
        } catch (IOException e) {
            return null; // cannot start a second JVM: run here, without chaining
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }
}
