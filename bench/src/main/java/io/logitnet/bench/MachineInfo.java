package io.logitnet.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** What the results were measured on: CPU model and cores, memory, OS, Java, and the BLAS library in use. */
public final class MachineInfo {
    private MachineInfo() {
    }

    /** Key facts as ordered name → value pairs, for the report's header. */
    public static Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("cpu", cpuModel());
        m.put("cores", Runtime.getRuntime().availableProcessors() + " (available to the JVM)");
        m.put("memory", memory());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("jvm max heap", (Runtime.getRuntime().maxMemory() >> 20) + " MiB");
        // what decides how many threads the CPU backend uses: OpenBLAS's pool and the common fork-join pool
        String blasThreads = System.getenv("OPENBLAS_NUM_THREADS");
        m.put("cpu threads", "OPENBLAS_NUM_THREADS=" + (blasThreads == null ? "(unset: every core)" : blasThreads)
                + ", fork-join common pool parallelism "
                + java.util.concurrent.ForkJoinPool.getCommonPoolParallelism() + " (+ the calling thread)");
        String blas = blasPackage();
        if (blas != null) {
            m.put("system BLAS", blas);
        }
        return m;
    }

    /** /proc/loadavg's 1, 5 and 15 minute load averages: other work on the machine while it was measured. */
    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.UTF_8).trim().split("\\s+");
            return f[0] + " / " + f[1] + " / " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** The "model name" line of /proc/cpuinfo, or the architecture when there is none. */
    public static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux: fall through
        }
        return System.getProperty("os.arch");
    }

    private static String memory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"), StandardCharsets.UTF_8)) {
                if (line.startsWith("MemTotal:")) {
                    long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return (kb >> 20) + " GiB";
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        return "unknown";
    }

    /** Where libblas.so.3 points and the Debian package that ships it, when this is a Debian-like system. */
    static String blasPackage() {
        Path lib = Path.of("/usr/lib/x86_64-linux-gnu/libblas.so.3");
        if (!Files.exists(lib)) {
            return null;
        }
        String real;
        try {
            real = lib.toRealPath().toString();
        } catch (IOException e) {
            return null;
        }
        String pkg = run(List.of("dpkg-query", "-S", real));
        if (pkg != null && pkg.contains(":")) {
            String name = pkg.substring(0, pkg.indexOf(':')).trim();
            String version = run(List.of("dpkg-query", "-W", "-f=${Version}", name));
            return real + " (" + name + (version == null ? "" : " " + version.trim()) + ")";
        }
        return real;
    }

    private static String run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return null;
            }
            return out.trim();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
