package io.logitnet.opencl;

import org.lwjgl.opencl.CL;
import org.lwjgl.system.Configuration;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Finds and loads the OpenCL ICD loader. LWJGL looks for {@code libOpenCL.so}, which Debian ships only in the
 * {@code -dev} package; the runtime package {@code ocl-icd-libopencl1} has {@code libOpenCL.so.1} alone. So the
 * usual library folders are searched for either name, and the one found is handed to LWJGL by its path. A user
 * can name the library with LWJGL's own property {@code -Dorg.lwjgl.opencl.libname=/path/to/libOpenCL.so.1}.
 *
 * <p>The library is loaded once per process; the search folders are a constructor argument so that a test can
 * point the search somewhere empty.
 */
final class ClLibrary {
    /** Library file names tried in each folder, in order. */
    static final List<String> NAMES = List.of("libOpenCL.so", "libOpenCL.so.1");

    /** What a user installs to get OpenCL on Debian/Ubuntu: the loader, and an ICD per kind of device. */
    static final String INSTALL_HINT = "install the ICD loader (Debian/Ubuntu: apt-get install ocl-icd-libopencl1) and"
            + " an ICD for your device: pocl-opencl-icd (any CPU), nvidia-opencl-icd (NVIDIA GPUs),"
            + " intel-opencl-icd (Intel GPUs) or mesa-opencl-icd (AMD and other GPUs)";

    private static final Object LOCK = new Object();
    private static String loadedFrom;

    private final List<Path> dirs;
    /** The library the user named (LWJGL's property), or null to search {@link #dirs}. */
    private final Path userPath;

    ClLibrary(List<Path> dirs, Path userPath) {
        this.dirs = List.copyOf(dirs);
        this.userPath = userPath;
    }

    /** The usual library folders: LD_LIBRARY_PATH, then the distributions' and vendors' lib folders. */
    static ClLibrary system() {
        Set<Path> dirs = new LinkedHashSet<>();
        String ld = System.getenv("LD_LIBRARY_PATH");
        if (ld != null) {
            for (String d : ld.split(File.pathSeparator)) {
                if (!d.isBlank()) {
                    dirs.add(Path.of(d));
                }
            }
        }
        for (String d : new String[] {"/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
                "/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib", "/usr/local/lib",
                "/usr/local/cuda/lib64", "/opt/rocm/lib", "/opt/intel/oneapi/lib"}) {
            dirs.add(Path.of(d));
        }
        String named = System.getProperty(Configuration.OPENCL_LIBRARY_NAME.getProperty());
        return new ClLibrary(new ArrayList<>(dirs), named == null || named.isBlank() ? null : Path.of(named));
    }

    List<Path> dirs() {
        return dirs;
    }

    /** The first {@code libOpenCL.so} or {@code libOpenCL.so.1} found in the search folders. */
    Optional<Path> locate() {
        for (Path dir : dirs) {
            for (String name : NAMES) {
                Path p = dir.resolve(name);
                if (Files.isRegularFile(p)) { // follows symbolic links: a dangling libOpenCL.so is skipped
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Loads the library into LWJGL unless that already happened.
     *
     * @return null when OpenCL can be called, otherwise why not, in words a user can act on
     */
    String load() {
        Optional<Path> found = userPath != null ? Optional.of(userPath) : locate();
        if (found.isEmpty()) {
            return "no OpenCL ICD loader found (looked for " + String.join(" and ", NAMES) + " in " + dirs + "): "
                    + INSTALL_HINT + "; or name the library with -Dorg.lwjgl.opencl.libname=/path/to/libOpenCL.so.1";
        }
        synchronized (LOCK) {
            if (loadedFrom != null) {
                return null;
            }
            String path = found.get().toString();
            try {
                // Load explicitly: LWJGL's CL class would otherwise try "libOpenCL.so" alone when first touched.
                Configuration.OPENCL_EXPLICIT_INIT.set(true);
                CL.create(path);
                loadedFrom = path;
                return null;
            } catch (IllegalStateException alreadyCreated) {
                if (String.valueOf(alreadyCreated.getMessage()).contains("already been created")) {
                    loadedFrom = path; // someone else in this process loaded OpenCL through LWJGL first
                    return null;
                }
                return "the OpenCL ICD loader " + path + " could not be used (" + alreadyCreated.getMessage() + "): "
                        + INSTALL_HINT;
            } catch (RuntimeException | LinkageError e) {
                return "the OpenCL ICD loader " + path + " could not be loaded (" + e + "): " + INSTALL_HINT;
            }
        }
    }

    /**
     * Why the loader found no platform, for a user: which ICD files exist in {@code vendorsDir} (normally
     * {@code /etc/OpenCL/vendors}, or {@code OCL_ICD_VENDORS}) and which package provides one.
     */
    static String noPlatformReason(Path loader, Path vendorsDir) {
        List<String> icds = new ArrayList<>();
        if (Files.isDirectory(vendorsDir)) {
            try (Stream<Path> files = Files.list(vendorsDir)) {
                files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".icd")).sorted().forEach(icds::add);
            } catch (IOException e) {
                // treated as empty: the message below says what to check
            }
        }
        String where = "the OpenCL ICD loader (" + loader + ") found no OpenCL platform: ";
        if (icds.isEmpty()) {
            return where + "no ICD is installed (" + vendorsDir + " has no .icd file). Install one for your device:"
                    + " pocl-opencl-icd (any CPU), nvidia-opencl-icd (NVIDIA GPUs), intel-opencl-icd (Intel GPUs)"
                    + " or mesa-opencl-icd (AMD and other GPUs)";
        }
        return where + vendorsDir + " lists " + icds + " but none of them could be loaded: check that the library"
                + " each .icd file names is installed (and, for a GPU, that its driver is loaded); clinfo shows"
                + " the details. A CPU-only machine can use pocl-opencl-icd";
    }

    /** The ICD folder the loader reads: {@code OCL_ICD_VENDORS} if set to a folder, else /etc/OpenCL/vendors. */
    static Path vendorsDir() {
        String env = System.getenv("OCL_ICD_VENDORS");
        if (env != null && !env.isBlank() && Files.isDirectory(Path.of(env))) {
            return Path.of(env);
        }
        return Path.of("/etc/OpenCL/vendors");
    }

    /** The path the library was loaded from in this process, or null. */
    static String loadedFrom() {
        synchronized (LOCK) {
            return loadedFrom;
        }
    }
}
