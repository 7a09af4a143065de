package io.logitnet.cli;

import io.logitnet.train.EpochResult;
import io.logitnet.train.History;
import io.logitnet.train.TrainingListener;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Training progress for people: a bar redrawn in place on a terminal, one line per epoch otherwise (logs, CI), in
 * the one number format of the command line. Also tells the interrupt handler which epoch the checkpoint holds.
 */
final class Progress implements TrainingListener {
    private final PrintStream out;
    private final boolean terminal;
    private final boolean quiet;
    private int planned;
    private final long start = System.nanoTime();

    Progress(PrintStream out, boolean terminal, boolean quiet) {
        this.out = out;
        this.terminal = terminal;
        this.quiet = quiet;
    }

    /** A terminal is attached and not dumb. */
    static boolean onTerminal() {
        return System.console() != null && !"dumb".equals(System.getenv("TERM")) && System.getenv("CI") == null;
    }

    @Override
    public void started(String description, int plannedEpochs) {
        this.planned = plannedEpochs;
        if (!quiet) {
            out.println("training " + description);
        }
    }

    @Override
    public void epoch(EpochResult r) {
        if (quiet) {
            return;
        }
        String line = line(r);
        if (terminal) {
            int width = 30;
            int done = planned == 0 ? width : (int) Math.min(width, (long) width * r.epoch() / planned);
            out.print("\r[" + "#".repeat(done) + ".".repeat(width - done) + "] " + line + "   ");
            out.flush();
        } else {
            out.println(line);
        }
    }

    @Override
    public void saved(Path file, int epoch) {
        Interrupts.saved(epoch);
    }

    private String line(EpochResult r) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "epoch %d/%d  objective %s", r.epoch(),
                planned, Cli.fmt(r.trainObjective())));
        if (!Double.isNaN(r.validationLoss())) {
            sb.append("  val_loss ").append(Cli.fmt(r.validationLoss()));
        }
        for (Map.Entry<String, Double> m : r.metrics().entrySet()) {
            sb.append("  ").append(metricName(m.getKey(), r)).append(' ').append(Cli.fmt(m.getValue()));
        }
        sb.append(String.format(Locale.ROOT, "  %.2fs", r.seconds()));
        return sb.toString();
    }

    /** Says whether a metric was measured on the training data or on the validation split. */
    static String metricName(String key, EpochResult r) {
        if (key.equals("gradient_norm")) {
            return key;
        }
        return (Double.isNaN(r.validationLoss()) ? "train_" : "val_") + key;
    }

    @Override
    public void finished(History h) {
        if (quiet) {
            return;
        }
        if (terminal) {
            out.println();
        }
        out.println(String.format(Locale.ROOT, "stopped: %s (%.1fs)", h.stopReason(),
                (System.nanoTime() - start) / 1e9));
    }
}
