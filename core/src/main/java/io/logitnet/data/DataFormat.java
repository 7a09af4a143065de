package io.logitnet.data;

import io.logitnet.InvalidDataException;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The format of a data file, recognised by its content and never by its name: gzip by its first two bytes
 * ({@code 1f 8b}), IDX by its magic number (two zero bytes, an element type, a dimension count) in the file or in
 * its decompressed bytes, CSV otherwise. So {@code rapidxray.csv} is CSV, and a gzipped CSV named {@code data.csv}
 * is read as gzip. A name ending in {@code .gz} on bytes that are not gzip is refused as a damaged file.
 */
public enum DataFormat {
    /** Comma-separated text. */
    CSV(false, false),
    /** Comma-separated text, gzipped. */
    CSV_GZIP(true, false),
    /** The IDX format of the MNIST files. */
    IDX(false, true),
    /** The IDX format, gzipped. */
    IDX_GZIP(true, true);

    private final boolean compressed;
    private final boolean idx;

    DataFormat(boolean compressed, boolean idx) {
        this.compressed = compressed;
        this.idx = idx;
    }

    /** Whether the file is gzipped. */
    public boolean compressed() {
        return compressed;
    }

    /** Whether the (decompressed) content is IDX. */
    public boolean isIdx() {
        return idx;
    }

    /**
     * The format of a file, from its first bytes (and the first bytes of its decompressed content when it is
     * gzipped). An empty file is {@link #CSV}, whose reader then says it is empty.
     *
     * @throws UncheckedIOException if the file cannot be read
     */
    public static DataFormat detect(Path file) {
        try (InputStream raw = Files.newInputStream(file)) {
            byte[] head = raw.readNBytes(4);
            if (!isGzip(head)) {
                return isIdxMagic(head) ? IDX : CSV;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file), 512)) {
            return isIdxMagic(in.readNBytes(4)) ? IDX_GZIP : CSV_GZIP;
        } catch (ZipException | EOFException e) {
            return CSV_GZIP; // damaged: the reader says how
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Whether these first bytes start a gzip stream. */
    static boolean isGzip(byte[] head) {
        return head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
    }

    /** Two zero bytes, a known element type and 1 to 4 dimensions: the magic number of an IDX file. */
    static boolean isIdxMagic(byte[] head) {
        if (head.length < 4 || head[0] != 0 || head[1] != 0) {
            return false;
        }
        int type = head[2] & 0xff;
        boolean known = type == 0x08 || type == 0x09 || type == 0x0B || type == 0x0C || type == 0x0D || type == 0x0E;
        return known && head[3] >= 1 && head[3] <= 4;
    }

    /**
     * Opens a file's content: decompressed when it starts with the gzip bytes, whatever its name.
     *
     * @throws InvalidDataException if the name ends in {@code .gz} but the bytes are not gzip, or the gzip header is
     *                              damaged
     * @throws IOException          if the file cannot be read
     */
    static InputStream open(Path file) throws IOException {
        boolean gzip;
        try (InputStream raw = Files.newInputStream(file)) {
            gzip = isGzip(raw.readNBytes(2));
        }
        InputStream in = Files.newInputStream(file);
        if (!gzip) {
            String name = file.getFileName() == null ? "" : file.getFileName().toString();
            if (name.endsWith(".gz")) {
                in.close();
                throw new InvalidDataException(file.toString(), "not a gzip file, or a truncated one: the name ends in"
                        + " .gz but the content does not start with the gzip bytes 1f 8b");
            }
            return in;
        }
        try {
            return new GZIPInputStream(in, 1 << 16);
        } catch (ZipException | EOFException e) {
            in.close();
            throw new InvalidDataException(file.toString(), "damaged gzip header (" + e.getMessage() + ")");
        }
    }
}
