package io.logitnet.bench;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** What the peers' runners (PyTorch in Python, DJL in a JVM of its own) share: how a peer process is ended. */
final class PeerProcess {
    private PeerProcess() {
    }

    /**
     * Closes the peer's input (its signal to exit), waits up to 10 s for it, kills it otherwise, and removes its
     * temporary file; never throws.
     */
    static void end(Process process, Writer in, Path temporary) {
        try {
            in.close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(temporary);
        } catch (IOException ignored) {
            // a temporary file left behind is harmless
        }
    }
}
