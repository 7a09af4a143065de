package io.logitnet;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Library-wide facts. */
public final class LogitNet {
    /** The library version written into checkpoints: the Maven project version this jar was built as. */
    public static final String VERSION = readVersion();

    private LogitNet() {
    }

    private static String readVersion() {
        try (InputStream in = LogitNet.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }
}
