package io.logitnet.cli;

import io.logitnet.backend.Backend;
import io.logitnet.backend.Backends;
import io.logitnet.backend.Precision;
import io.logitnet.data.CsvReader;
import io.logitnet.data.CsvTable;
import io.logitnet.io.AtomicFile;

import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** What the commands share: backend selection, reading data, checking outputs, formatting numbers. */
final class Cli {
    private Cli() {
    }

    /**
     * Opens the backend the options name, sets the precision, and prints one line saying which backend runs (with
     * {@code --verbose}: why each faster one was not taken, in full). {@code log} null prints nothing.
     */
    static Backend openBackend(BackendOptions o, PrintStream log) {
        Backends.Selection s = Backends.select(o.backend);
        Backend b = s.backend();
        try {
            if (o.precision != null) {
                Precision p;
                try {
                    p = Precision.parse(o.precision);
                } catch (IllegalArgumentException e) {
                    throw new Main.UserException("--precision: " + e.getMessage());
                }
                b.setPrecision(p);
            }
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
        if (log != null) {
            String prec = b.precision().name().toLowerCase(Locale.ROOT);
            log.println("backend: " + (o.verbose ? s.summary() : s.brief()) + "; precision " + prec);
        }
        return b;
    }

    static CsvTable readCsv(Path file) {
        return CsvReader.read(file);
    }

    /**
     * Checks, before any work, that {@code out} can be written and is none of the inputs (the same file after
     * symbolic links, or the same file key).
     */
    static void checkOutput(String option, Path out, Map<String, Path> inputs) {
        try {
            AtomicFile.checkWritable(out);
        } catch (java.io.UncheckedIOException e) {
            throw new Main.UserException(option + " " + e.getMessage().replaceFirst("^cannot write [^:]*: ",
                    out + ": "));
        }
        for (Map.Entry<String, Path> in : inputs.entrySet()) {
            if (in.getValue() != null && sameFile(out, in.getValue())) {
                throw new Main.UserException(option + " " + out + " is the same file as " + in.getKey() + " "
                        + in.getValue() + ": writing it would destroy the input; choose another output file");
            }
        }
    }

    static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    /** The one number format of human-readable output: 6 significant digits. */
    static String fmt(double v) {
        return io.logitnet.train.Metrics.format(v);
    }

    /** A float in plain decimal notation that reads back as the same float (no exponent). */
    static String plain(float v) {
        if (!Float.isFinite(v)) {
            return Float.toString(v);
        }
        String s = new BigDecimal(Float.toString(v)).stripTrailingZeros().toPlainString();
        return s.equals("-0") ? "-0.0" : s;
    }
}
