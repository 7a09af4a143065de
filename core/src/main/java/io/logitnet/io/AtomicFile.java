package io.logitnet.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Writes an output file so that a reader sees the old content or the new one, never a part of either:
 * <ul>
 *   <li>a regular file (or a new one) is written to a temporary file in the same folder, forced to disk and renamed
 *       over the target; the new file keeps the permissions of the file it replaces (a new one gets the process's
 *       usual umask, not 0600), and the folder is synced so that the rename survives a crash;</li>
 *   <li>a symbolic link is followed: its target is replaced, the link stays;</li>
 *   <li>an existing output that is not a regular file (a device such as {@code /dev/null}, a FIFO) is written
 *       through, never replaced; a folder is refused.</li>
 * </ul>
 * Temporary files are removed when a write fails. A process that is being stopped calls {@link #shutdown}: it waits
 * for the write in progress to finish (so the target is complete), removes any temporary file left, and refuses
 * later writes, so that nothing is written after the process has said what it saved.
 */
public final class AtomicFile {
    /** What writes the content. */
    @FunctionalInterface
    public interface Body {
        void write(FileChannel channel) throws IOException;
    }

    private static final int MAX_LINKS = 40;
    private static final ReentrantReadWriteLock GATE = new ReentrantReadWriteLock();
    private static final Set<Path> IN_FLIGHT = Collections.synchronizedSet(new LinkedHashSet<>());
    private static volatile boolean shutDown;

    private AtomicFile() {
    }

    /**
     * Writes {@code file} with the content {@code body} writes.
     *
     * @throws UncheckedIOException if the file cannot be written (the message says why in words); the target is then
     *                              as it was, and no temporary file remains
     */
    public static void write(Path file, Body body) {
        write(file, body, temporary -> {
        });
    }

    /** A group of writes and what follows them, which {@link #shutdown} waits for as a whole. */
    public interface Group extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Opens a group: until it is closed, {@link #shutdown} waits, so that a write and the record of what it wrote
     * (an epoch reported as saved) are seen together or not at all by a process that is stopping.
     *
     * @throws UncheckedIOException if the process is already stopping
     */
    public static Group group() {
        boolean locked = GATE.readLock().tryLock();
        if (!locked || shutDown) {
            if (locked) {
                GATE.readLock().unlock();
            }
            throw new UncheckedIOException(new IOException("cannot write: the process is stopping"));
        }
        return () -> GATE.readLock().unlock();
    }

    /** A test's way to fail a write after the content and before it is committed. */
    interface Hook {
        void beforeCommit(Path temporary) throws IOException;
    }

    static void write(Path file, Body body, Hook hook) {
        if (!GATE.readLock().tryLock()) {
            throw new UncheckedIOException(new IOException("cannot write " + file + ": the process is stopping"));
        }
        try {
            if (shutDown) {
                throw new UncheckedIOException(new IOException("cannot write " + file + ": the process is stopping"));
            }
            Path target = resolve(file);
            if (Files.exists(target) && !Files.isRegularFile(target)) {
                writeThrough(target, body);
            } else {
                replace(file, target, body, hook);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(IoErrors.cannot("write", file, e), e);
        } finally {
            GATE.readLock().unlock();
        }
    }

    /**
     * Checks, before any work, that {@code file} can be written: its folder exists and is writable, and it is not a
     * folder itself.
     *
     * @throws UncheckedIOException naming the file and the problem
     */
    public static void checkWritable(Path file) {
        try {
            Path target = resolve(file);
            if (Files.isDirectory(target)) {
                throw new IOException("it is a folder, not a file");
            }
            if (Files.exists(target) && !Files.isRegularFile(target)) {
                if (!Files.isWritable(target)) {
                    throw new IOException("permission denied: " + file);
                }
                return;
            }
            Path dir = target.toAbsolutePath().getParent();
            if (dir == null || !Files.isDirectory(dir)) {
                throw new IOException("the folder " + (dir == null ? "of " + file : dir) + " does not exist");
            }
            if (!Files.isWritable(dir)) {
                throw new IOException("permission denied: cannot create files in " + dir);
            }
            if (Files.exists(target) && !Files.isWritable(target)) {
                throw new IOException("permission denied: " + file + " is read-only");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(IoErrors.cannot("write", file, e), e);
        }
    }

    /**
     * Stops all writing for the rest of the process: waits up to {@code waitMillis} for the write in progress,
     * removes temporary files that remain, and makes later writes fail. For shutdown hooks; never throws.
     *
     * @return whether every write in progress finished in time
     */
    public static boolean shutdown(long waitMillis) {
        boolean finished;
        try {
            finished = GATE.writeLock().tryLock(waitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finished = false;
        }
        shutDown = true;
        try {
            Path[] left;
            synchronized (IN_FLIGHT) {
                left = IN_FLIGHT.toArray(new Path[0]);
                IN_FLIGHT.clear();
            }
            for (Path p : left) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // the process is stopping: nothing more to do about it
                }
            }
        } finally {
            if (finished) {
                GATE.writeLock().unlock();
            }
        }
        return finished;
    }

    /** Undoes {@link #shutdown}, for tests that stop writing and go on in the same JVM. */
    static void reopenForTests() {
        shutDown = false;
    }

    /** The file a path names once symbolic links are followed (the link's target, which need not exist yet). */
    static Path resolve(Path file) throws IOException {
        Path p = file;
        for (int i = 0; i < MAX_LINKS; i++) {
            if (!Files.isSymbolicLink(p)) {
                return p;
            }
            Path link = Files.readSymbolicLink(p);
            Path parent = p.toAbsolutePath().getParent();
            p = parent == null ? link : parent.resolve(link);
        }
        throw new IOException("too many levels of symbolic links at " + file);
    }

    private static void writeThrough(Path target, Body body) throws IOException {
        try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE)) {
            body.write(ch);
        }
    }

    private static void replace(Path file, Path target, Body body, Hook hook) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IOException("the folder " + (dir == null ? "of " + file : dir) + " does not exist");
        }
        Path temporary = createTemporary(dir, abs.getFileName().toString());
        boolean moved = false;
        try {
            copyPermissions(abs, temporary);
            try (FileChannel ch = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                body.write(ch);
                hook.beforeCommit(temporary);
                ch.force(true);
            }
            Files.move(temporary, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            moved = true;
            syncDirectory(dir);
        } finally {
            IN_FLIGHT.remove(temporary);
            if (!moved) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException ignored) {
                    // The write has failed already; that error is the one to report.
                }
            }
        }
    }

    /** A new empty file {@code .NAME.<random>.tmp} in {@code dir}, created with the usual umask. */
    private static Path createTemporary(Path dir, String name) throws IOException {
        String base = "." + (name.length() > 100 ? name.substring(0, 100) : name) + ".";
        for (int attempt = 0; ; attempt++) {
            Path tmp = dir.resolve(base + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
            try {
                IN_FLIGHT.add(tmp);
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                IN_FLIGHT.remove(tmp);
                if (attempt >= 10) {
                    throw e;
                }
            } catch (IOException | RuntimeException e) {
                IN_FLIGHT.remove(tmp);
                throw e;
            }
        }
    }

    /** The replacement keeps the permissions (and, where allowed, the group) of the file it replaces. */
    private static void copyPermissions(Path existing, Path temporary) throws IOException {
        if (!Files.isRegularFile(existing, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        PosixFileAttributeView from = Files.getFileAttributeView(existing, PosixFileAttributeView.class);
        PosixFileAttributeView to = Files.getFileAttributeView(temporary, PosixFileAttributeView.class);
        if (from == null || to == null) {
            return; // not a POSIX file system: the platform's defaults apply
        }
        PosixFileAttributes attrs = from.readAttributes();
        to.setPermissions(attrs.permissions());
        try {
            to.setGroup(attrs.group());
        } catch (IOException ignored) {
            // only the owner's groups can be set; the permissions are what matter
        }
    }

    /** Makes the rename durable; folders cannot be opened for this on every system, which is then accepted. */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Not supported here (Windows): the rename itself is still atomic.
        }
    }
}
