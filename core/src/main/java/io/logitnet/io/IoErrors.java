package io.logitnet.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/** File errors in words a user reads: what could not be done, to which file, and why, without Java class names. */
public final class IoErrors {
    private IoErrors() {
    }

    /** e.g. {@code cannot write small/m.safetensors: No space left on device}. */
    public static String cannot(String verb, Path file, IOException e) {
        return "cannot " + verb + " " + file + ": " + reason(e);
    }

    /** The reason of an I/O error in words: the operating system's reason where there is one. */
    public static String reason(IOException e) {
        if (e instanceof NoSuchFileException n) {
            return "no such file or folder" + (n.getFile() == null ? "" : ": " + n.getFile());
        }
        if (e instanceof AccessDeniedException a) {
            return "permission denied" + (a.getFile() == null ? "" : ": " + a.getFile());
        }
        if (e instanceof NotDirectoryException n) {
            return "not a folder: " + n.getFile();
        }
        if (e instanceof DirectoryNotEmptyException d) {
            return "folder not empty: " + d.getFile();
        }
        if (e instanceof FileSystemException f) {
            String r = f.getReason();
            if (r != null && !r.isBlank()) {
                return r;
            }
            return f.getFile() == null ? "file system error" : "file system error at " + f.getFile();
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? "input/output error" : m;
    }
}
