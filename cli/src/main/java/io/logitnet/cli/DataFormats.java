package io.logitnet.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Recognises a data file by its content, not its name: IDX by its magic number, gzip by its header. */
final class DataFormats {
    private DataFormats() {
    }

    /** Whether the file (or its gzipped content) starts with an IDX magic number: two zero bytes, a type, a rank. */
    static boolean isIdx(Path file) {
        try (InputStream raw = Files.newInputStream(file)) {
            InputStream in = raw;
            byte[] head = raw.readNBytes(2);
            if (head.length == 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
                InputStream again = Files.newInputStream(file);
                in = new GZIPInputStream(again);
                head = new byte[0];
            }
            try (InputStream content = in) {
                byte[] magic = new byte[4];
                System.arraycopy(head, 0, magic, 0, head.length);
                byte[] rest = content.readNBytes(4 - head.length);
                System.arraycopy(rest, 0, magic, head.length, rest.length);
                int n = head.length + rest.length;
                return n == 4 && magic[0] == 0 && magic[1] == 0 && (magic[2] & 0xff) >= 0x08 && magic[3] >= 1
                        && magic[3] <= 4;
            }
        } catch (IOException e) {
            return false; // the CSV reader reports what is wrong with the file
        }
    }
}
