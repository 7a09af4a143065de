package io.logitnet.cuda;

import io.logitnet.BackendUnavailableException;
import jcuda.driver.JCudaDriver;
import jcuda.jcublas.JCublas2;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;

/**
 * Loads the native side in the one safe order, once per process: the libraries {@link Prerequisites} located are
 * loaded by absolute path first (so the dynamic linker knows their sonames even when they live outside its search
 * path), then JCuda's driver bindings with JCuda's exceptions off (every status is checked by {@link Cu}), and for
 * cuBLAS, on a host that has only CUDA 13's libcublas.so.13, the bundled compatibility library with soname
 * libcublas.so.12 before JCublas2's native library, which is linked against libcublas.so.12.
 *
 * <p>JCuda extracts its native libraries into {@code java.io.tmpdir} and reuses a copy it finds there; a copy that
 * is truncated (a process killed while extracting, a full disk) is replaced here before JCuda loads it. When a
 * library cannot be loaded because that folder is mounted {@code noexec}, the reason says so.
 */
final class NativeLoader {
    /** The compatibility library, built by cuda-backend/build-shim.sh. */
    static final String SHIM_RESOURCE = "/io/logitnet/cuda/linux-x86_64/libcublas.so.12";
    /** The JCuda natives (in jcuda-natives and jcublas-natives) and the name JCuda extracts each under. */
    static final String JCUDA_DRIVER_NATIVE = "libJCudaDriver-12.6.0-linux-x86_64.so";
    static final String JCUBLAS2_NATIVE = "libJCublas2-12.6.0-linux-x86_64.so";

    private static final System.Logger LOG = System.getLogger(NativeLoader.class.getName());

    private static boolean driverLoaded;
    private static boolean cublasLoaded;
    private static Path shim;
    private static String shimError;

    private NativeLoader() {
    }

    /** Loads libcuda.so.1 and JCuda's driver bindings; never twice. */
    static synchronized void loadDriver(Prerequisites pre) {
        if (driverLoaded) {
            return;
        }
        try {
            loadByPath(pre.libcuda());
            repairExtracted(JCUDA_DRIVER_NATIVE);
            JCudaDriver.setExceptionsEnabled(false);
        } catch (LinkageError e) {
            throw new BackendUnavailableException("cuda", "JCuda's native driver bindings could not be loaded ("
                    + e.getMessage() + "). " + tmpdirAdvice("JCuda extracts its native libraries there")
                    + " Also make sure " + pre.libcuda() + " is the NVIDIA driver's library", e);
        }
        driverLoaded = true;
    }

    /** Loads cuBLAS (through the compatibility library on CUDA 13 hosts) and JCublas2's bindings; never twice. */
    static synchronized void loadCublas(Prerequisites pre) {
        if (cublasLoaded) {
            return;
        }
        try {
            if (pre.cublasNeedsShim()) {
                loadShim(pre.cublas());
            } else {
                loadWithLt(pre.cublas(), "libcublasLt.so.12");
            }
            repairExtracted(JCUBLAS2_NATIVE);
            JCublas2.setExceptionsEnabled(false);
            LOG.log(Level.INFO, "cuBLAS: " + pre.cublas() + (pre.cublasNeedsShim()
                    ? " through the bundled libcublas.so.12 compatibility library " + shim + " (CUDA 13 host)" : ""));
        } catch (LinkageError | IOException e) {
            throw new BackendUnavailableException("cuda", "cuBLAS could not be loaded from " + pre.cublas()
                    + (pre.cublasNeedsShim() ? " through the bundled libcublas.so.12 compatibility library" : "")
                    + ": " + e.getMessage() + ". Fix: install cuBLAS 12 (apt-get install libcublas-12-6) and put its "
                    + "directory on LD_LIBRARY_PATH. " + tmpdirAdvice("JCuda and LogitNet extract native libraries "
                    + "there"), e);
        }
        cublasLoaded = true;
    }

    /**
     * Loads the compatibility library, once per process, with what it forwards to loaded first: libcublasLt.so.13 and
     * {@code cublas13} (when known) by absolute path, so that the library's own dlopen("libcublas.so.13") finds them
     * even outside the linker's search path. Every caller goes through here, so no order of tests or calls can load
     * the library before its target and leave it pointing nowhere for the rest of the process.
     *
     * @param cublas13 the libcublas.so.13 the prerequisites located, or null to leave it to the dynamic linker
     * @return the extracted library
     * @throws BackendUnavailableException with the dynamic loader's own message if the library could not open
     *                                     libcublas.so.13 (now or when it was loaded earlier in this process)
     */
    static synchronized Path loadShim(Path cublas13) throws IOException {
        if (shim == null) {
            if (cublas13 != null) {
                loadWithLt(cublas13, "libcublasLt.so.13");
            }
            Path lib = extractShim();
            loadByPath(lib);
            shim = lib;
            shimError = shimLoadError();
        }
        if (shimError != null) {
            throw new BackendUnavailableException("cuda", "the bundled libcublas.so.12 compatibility library could not "
                    + "load libcublas.so.13: " + shimError + ". Fix: install cuBLAS 13 (apt-get install libcublas-13-0) "
                    + "or put the directory that holds libcublas.so.13 on LD_LIBRARY_PATH");
        }
        return shim;
    }

    /**
     * The dynamic loader's message (dlerror) from when the compatibility library failed to open libcublas.so.13, or
     * null if it opened it. Implemented in the library itself (cublas12_shim.c); callable once it is loaded.
     */
    private static native String shimLoadError();

    /** Loads {@code lib}'s libcublasLt ({@code lt}, from the same directory, if there) and then {@code lib}. */
    private static void loadWithLt(Path lib, String lt) {
        Path dir = lib.getParent();
        if (dir != null && Files.isRegularFile(dir.resolve(lt))) {
            loadByPath(dir.resolve(lt));
        }
        loadByPath(lib);
    }

    /** Copies the compatibility library out of the jar into a private temporary directory. */
    private static Path extractShim() throws IOException {
        Path dir = Files.createTempDirectory("logitnet-cublas12-");
        Path lib = dir.resolve("libcublas.so.12");
        long copied;
        long expected;
        try (InputStream in = NativeLoader.class.getResourceAsStream(SHIM_RESOURCE)) {
            if (in == null) {
                throw new IOException("resource " + SHIM_RESOURCE + " is missing from logitnet-cuda");
            }
            byte[] bytes = in.readAllBytes();
            expected = bytes.length;
            Files.write(lib, bytes);
            copied = Files.size(lib);
        }
        lib.toFile().deleteOnExit();
        dir.toFile().deleteOnExit();
        if (copied != expected) {
            throw new IOException("the compatibility library was extracted to " + lib + " with " + copied + " of "
                    + expected + " bytes (is the disk full?)");
        }
        return lib;
    }

    /**
     * Makes sure JCuda's extracted copy of {@code fileName} in java.io.tmpdir is whole before JCuda loads it: JCuda
     * reuses any file of that name. Failing to check (e.g. a read-only folder) is left to JCuda to report.
     */
    private static void repairExtracted(String fileName) {
        Path target = Paths.get(System.getProperty("java.io.tmpdir"), fileName);
        try {
            ensureExtracted("/lib/" + fileName, target);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "could not check " + target + ": " + e);
        }
    }

    /**
     * Writes the class-path {@code resource} to {@code target} unless {@code target} already holds exactly its bytes
     * (same size, same content); the write goes to a temporary file in the same folder that is then moved over
     * {@code target} atomically, so a process reading it concurrently sees either copy whole.
     *
     * @return whether the file was (re)written; false also when the resource is not on the class path
     */
    static boolean ensureExtracted(String resource, Path target) throws IOException {
        byte[] expected;
        try (InputStream in = NativeLoader.class.getResourceAsStream(resource)) {
            if (in == null) {
                return false;
            }
            expected = in.readAllBytes();
        }
        if (Files.isRegularFile(target) && Files.size(target) == expected.length
                && Arrays.equals(Files.readAllBytes(target), expected)) {
            return false;
        }
        long found = Files.exists(target) ? Files.size(target) : -1;
        Path part = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".part");
        try {
            Files.write(part, expected);
            Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(part);
        }
        if (found >= 0) {
            LOG.log(Level.INFO, "replaced " + target + ": " + (found == expected.length ? "its content differs from "
                    + resource + " (a stale extraction)" : "its " + found + " bytes were not the " + expected.length
                    + " of " + resource + " (a truncated extraction)"));
        }
        return true;
    }

    /** What to say about java.io.tmpdir when a native library from there could not be loaded. */
    private static String tmpdirAdvice(String why) {
        Path tmp = Paths.get(System.getProperty("java.io.tmpdir"));
        String noexec = noexecMountOf(tmp, procMounts());
        if (noexec != null) {
            return "Cause: java.io.tmpdir (" + tmp + ") is on a file system mounted noexec (" + noexec + "), where the "
                    + "dynamic linker refuses to map libraries, and " + why + ". Fix: run with "
                    + "-Djava.io.tmpdir=<a writable folder on a file system without noexec>, e.g. -Djava.io.tmpdir="
                    + Paths.get(System.getProperty("user.home"), ".cache", "logitnet-tmp") + ".";
        }
        return "Make sure java.io.tmpdir (" + tmp + ") is writable and not mounted noexec (" + why + ").";
    }

    /** The lines of /proc/self/mounts, or none where there is no such file. */
    private static List<String> procMounts() {
        try {
            return Files.readAllLines(Paths.get("/proc/self/mounts"), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /**
     * The mount point of the file system {@code dir} lives on, if it is mounted noexec, else null.
     *
     * @param mounts lines of /proc/self/mounts: device, mount point (spaces as \040), type, options, ...
     */
    static String noexecMountOf(Path dir, List<String> mounts) {
        Path real;
        try {
            real = dir.toRealPath();
        } catch (IOException e) {
            real = dir.toAbsolutePath().normalize();
        }
        String best = null;
        boolean noexec = false;
        for (String line : mounts) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 4) {
                continue;
            }
            String point = f[1].replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\");
            if (real.startsWith(Paths.get(point)) && (best == null || point.length() >= best.length())) {
                best = point;
                noexec = Arrays.asList(f[3].split(",")).contains("noexec");
            }
        }
        return noexec ? best : null;
    }

    /**
     * System.load of a plain shared library: it is mapped with its dependencies and its soname becomes known to the
     * dynamic linker, so a later library that needs that soname binds to it.
     */
    private static void loadByPath(Path lib) {
        if (lib == null) {
            return;
        }
        try {
            System.load(lib.toAbsolutePath().toString());
        } catch (UnsatisfiedLinkError e) {
            if (e.getMessage() == null || !e.getMessage().contains("already loaded")) {
                throw e;
            }
        }
    }
}
