package io.logitnet.cuda;

import io.logitnet.BackendUnavailableException;
import jcuda.driver.JCudaDriver;
import jcuda.jcublas.JCublas2;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Loads the native side in the one safe order, once per process: the libraries {@link Prerequisites} located are
 * loaded by absolute path first (so the dynamic linker knows their sonames even when they live outside its search
 * path), then JCuda's driver bindings with JCuda's exceptions off (every status is checked by {@link Cu}), and for
 * cuBLAS, on a host that has only CUDA 13's libcublas.so.13, the bundled compatibility library with soname
 * libcublas.so.12 before JCublas2's native library, which is linked against libcublas.so.12.
 */
final class NativeLoader {
    /** The compatibility library, built by cuda-backend/build-shim.sh. */
    static final String SHIM_RESOURCE = "/io/logitnet/cuda/linux-x86_64/libcublas.so.12";

    private static final System.Logger LOG = System.getLogger(NativeLoader.class.getName());

    private static boolean driverLoaded;
    private static boolean cublasLoaded;
    private static Path shim;

    private NativeLoader() {
    }

    /** Loads libcuda.so.1 and JCuda's driver bindings; never twice. */
    static synchronized void loadDriver(Prerequisites pre) {
        if (driverLoaded) {
            return;
        }
        try {
            loadByPath(pre.libcuda());
            JCudaDriver.setExceptionsEnabled(false);
        } catch (LinkageError e) {
            throw new BackendUnavailableException("cuda", "JCuda's native driver bindings could not be loaded ("
                    + e.getMessage() + "). Fix: make sure " + pre.libcuda() + " is the NVIDIA driver's library and "
                    + "that java.io.tmpdir is writable and not mounted noexec (JCuda extracts its natives there)", e);
        }
        driverLoaded = true;
    }

    /** Loads cuBLAS (through the compatibility library on CUDA 13 hosts) and JCublas2's bindings; never twice. */
    static synchronized void loadCublas(Prerequisites pre) {
        if (cublasLoaded) {
            return;
        }
        try {
            Path dir = pre.cublas().getParent();
            String lt = pre.cublasNeedsShim() ? "libcublasLt.so.13" : "libcublasLt.so.12";
            if (dir != null && Files.isRegularFile(dir.resolve(lt))) {
                loadByPath(dir.resolve(lt));
            }
            loadByPath(pre.cublas());
            if (pre.cublasNeedsShim()) {
                loadShim();
            }
            JCublas2.setExceptionsEnabled(false);
            LOG.log(System.Logger.Level.INFO, "cuBLAS: " + pre.cublas() + (pre.cublasNeedsShim()
                    ? " through the bundled libcublas.so.12 compatibility library " + shim + " (CUDA 13 host)" : ""));
        } catch (LinkageError | IOException e) {
            throw new BackendUnavailableException("cuda", "cuBLAS could not be loaded from " + pre.cublas()
                    + (pre.cublasNeedsShim() ? " through the bundled libcublas.so.12 compatibility library" : "")
                    + ": " + e.getMessage() + ". Fix: install cuBLAS 12 (apt-get install libcublas-12-6) and put its "
                    + "directory on LD_LIBRARY_PATH", e);
        }
        cublasLoaded = true;
    }

    /** Extracts and loads the compatibility library, once per process; its path. */
    static synchronized Path loadShim() throws IOException {
        if (shim == null) {
            Path lib = extractShim();
            loadByPath(lib);
            shim = lib;
        }
        return shim;
    }

    /** Copies the compatibility library out of the jar into a private temporary directory. */
    private static Path extractShim() throws IOException {
        Path dir = Files.createTempDirectory("logitnet-cublas12-");
        Path lib = dir.resolve("libcublas.so.12");
        try (InputStream in = NativeLoader.class.getResourceAsStream(SHIM_RESOURCE)) {
            if (in == null) {
                throw new IOException("resource " + SHIM_RESOURCE + " is missing from logitnet-cuda");
            }
            Files.copy(in, lib, StandardCopyOption.REPLACE_EXISTING);
        }
        lib.toFile().deleteOnExit();
        dir.toFile().deleteOnExit();
        return lib;
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
