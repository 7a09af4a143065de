package io.logitnet.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Finds a shared library by file name the way the dynamic linker would (LD_LIBRARY_PATH, the ld.so cache, the
 * ld.so.conf directories, the usual system and CUDA directories) without loading it, so that a missing NVIDIA driver
 * or cuBLAS is reported as a reason instead of an {@link UnsatisfiedLinkError} from JCuda's native loader. Tests build
 * one over fake directories to simulate a host without the driver or without cuBLAS.
 */
final class LibraryLocator {
    /** Where the driver and CUDA libraries usually live when they are not in the ld.so cache. */
    static final List<String> USUAL_DIRS = List.of(
            "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib",
            "/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/local/nvidia/lib64",
            "/usr/lib/x86_64-linux-gnu/nvidia/current", "/usr/lib/wsl/lib");

    private final List<Path> dirs;
    private final Map<String, Path> cache;
    private final Predicate<Path> isFile;
    private final String description;

    /**
     * @param dirs   directories searched in order
     * @param cache  file name to path, as listed in the ld.so cache (searched after {@code dirs})
     * @param isFile whether a candidate path is a readable file
     */
    LibraryLocator(List<Path> dirs, Map<String, Path> cache, Predicate<Path> isFile) {
        this(dirs, cache, isFile, "the ld.so cache and " + dirs);
    }

    private LibraryLocator(List<Path> dirs, Map<String, Path> cache, Predicate<Path> isFile, String description) {
        this.dirs = List.copyOf(dirs);
        this.cache = Map.copyOf(cache);
        this.isFile = isFile;
        this.description = description;
    }

    /** The locator of this machine: LD_LIBRARY_PATH, java.library.path, ld.so.conf, the ld.so cache, the usual dirs. */
    static LibraryLocator system() {
        Set<Path> dirs = new LinkedHashSet<>();
        addPathList(dirs, System.getenv("LD_LIBRARY_PATH"));
        addPathList(dirs, System.getProperty("java.library.path"));
        for (String d : ldSoConfDirs(Paths.get("/etc/ld.so.conf"), 0)) {
            dirs.add(Paths.get(d));
        }
        for (String d : USUAL_DIRS) {
            dirs.add(Paths.get(d));
        }
        return new LibraryLocator(new ArrayList<>(dirs), readLdCache(Paths.get("/etc/ld.so.cache")),
                p -> Files.isRegularFile(p) && Files.isReadable(p), "LD_LIBRARY_PATH, /etc/ld.so.cache, "
                + "the ld.so.conf directories and the usual driver directories (/usr/lib/x86_64-linux-gnu, /usr/lib64, "
                + "/usr/local/cuda/lib64, /usr/local/nvidia/lib64, /usr/lib/wsl/lib, ...)");
    }

    /** The first existing file named {@code fileName} in the search order. */
    Optional<Path> find(String fileName) {
        for (Path d : dirs) {
            Path p = d.resolve(fileName);
            if (isFile.test(p)) {
                return Optional.of(p);
            }
        }
        Path cached = cache.get(fileName);
        if (cached != null && isFile.test(cached)) {
            return Optional.of(cached);
        }
        return Optional.empty();
    }

    /** Where it looks, for messages. */
    String searched() {
        return description;
    }

    private static void addPathList(Set<Path> dirs, String list) {
        if (list == null) {
            return;
        }
        for (String s : list.split(":")) {
            if (!s.isBlank()) {
                dirs.add(Paths.get(s));
            }
        }
    }

    /** Directories named in ld.so.conf and the files it includes (one level of globs, as glibc supports). */
    static List<String> ldSoConfDirs(Path conf, int depth) {
        List<String> out = new ArrayList<>();
        if (depth > 3 || !Files.isReadable(conf)) {
            return out;
        }
        try {
            for (String raw : Files.readAllLines(conf, StandardCharsets.UTF_8)) {
                String line = raw.replaceAll("#.*", "").trim();
                if (line.isEmpty()) {
                    continue;
                }
                if (line.startsWith("include ")) {
                    Path pattern = Paths.get(line.substring("include ".length()).trim());
                    Path dir = pattern.getParent();
                    if (dir == null || !Files.isDirectory(dir)) {
                        continue;
                    }
                    String glob = pattern.getFileName().toString();
                    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, glob)) {
                        List<Path> files = new ArrayList<>();
                        ds.forEach(files::add);
                        files.sort(null);
                        for (Path f : files) {
                            out.addAll(ldSoConfDirs(f, depth + 1));
                        }
                    }
                } else if (line.startsWith("/")) {
                    out.add(line);
                }
            }
        } catch (IOException | RuntimeException e) {
            // an unreadable configuration only narrows the search
        }
        return out;
    }

    /**
     * The library paths listed in an ld.so cache: its string table holds every library's full path, NUL-terminated,
     * so the paths are read without parsing the (versioned) binary layout.
     */
    static Map<String, Path> readLdCache(Path file) {
        Map<String, Path> out = new LinkedHashMap<>();
        try {
            if (!Files.isReadable(file)) {
                return out;
            }
            byte[] bytes = Files.readAllBytes(file);
            int start = 0;
            for (int i = 0; i <= bytes.length; i++) {
                if (i == bytes.length || bytes[i] == 0) {
                    if (i - start > 1 && bytes[start] == '/') {
                        String s = new String(bytes, start, i - start, StandardCharsets.ISO_8859_1);
                        int slash = s.lastIndexOf('/');
                        out.putIfAbsent(s.substring(slash + 1), Paths.get(s));
                    }
                    start = i + 1;
                }
            }
        } catch (IOException | RuntimeException e) {
            // no cache: the directories are still searched
        }
        return out;
    }
}
