package io.logitnet.data;

import io.logitnet.InvalidDataException;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PushbackInputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipException;

/**
 * Where CSV bytes come from: a file (gzip recognised by its content) that can be read again for another pass, or
 * a caller's stream that is read once. Either way the bytes handed on are UTF-8 without a byte order mark: a UTF-8
 * mark is dropped, and UTF-16 or UTF-32 text (which a byte order mark announces) is turned into UTF-8.
 */
final class CsvInput {
    private final String source;
    private final Path file;
    private final long plainSize;
    private InputStream stream;

    private CsvInput(String source, Path file, long plainSize, InputStream stream) {
        this.source = source;
        this.file = file;
        this.plainSize = plainSize;
        this.stream = stream;
    }

    /**
     * A file.
     *
     * @throws UncheckedIOException if it cannot be read
     */
    static CsvInput of(Path file) {
        long size;
        boolean gzip;
        try (InputStream raw = Files.newInputStream(file)) {
            gzip = DataFormat.isGzip(raw.readNBytes(2));
            size = Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e, e);
        }
        return new CsvInput(file.toString(), file, gzip ? -1 : size, null);
    }

    /** A stream of already decompressed bytes, read once; not closed here. */
    static CsvInput of(InputStream in, String source) {
        return new CsvInput(source, null, -1, in);
    }

    String source() {
        return source;
    }

    /** The size of a plain (not compressed) file, or -1: then the number of rows is known only once read. */
    long plainSize() {
        return plainSize;
    }

    /** Whether {@link #open()} can be called more than once. */
    boolean reopenable() {
        return file != null;
    }

    /**
     * The UTF-8 bytes from the start. The caller closes the stream (which leaves a caller's stream open).
     *
     * @throws InvalidDataException  for a damaged gzip header
     * @throws UncheckedIOException  if the file cannot be opened
     * @throws IllegalStateException if a caller's stream is opened twice
     */
    InputStream open() {
        InputStream raw;
        if (file != null) {
            try {
                raw = DataFormat.open(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file + ": " + e, e);
            }
        } else {
            if (stream == null) {
                throw new IllegalStateException("the stream of " + source + " has already been read");
            }
            raw = new InputStream() {
                private final InputStream in = stream;

                @Override
                public int read() throws IOException {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    return in.read(b, off, len);
                }
            };
            stream = null;
        }
        try {
            return withoutByteOrderMark(raw);
        } catch (IOException e) {
            throw readError(e, 0);
        }
    }

    /** The error for a failure while reading the bytes after {@code line}. */
    RuntimeException readError(IOException e, long line) {
        if (e instanceof ZipException || e instanceof EOFException) {
            InvalidDataException ide = new InvalidDataException(source, "corrupt or truncated gzip data after line "
                    + line + " (" + e.getMessage() + ")");
            ide.initCause(e);
            return ide;
        }
        return new UncheckedIOException("cannot read " + source + ": " + e, e);
    }

    private static InputStream withoutByteOrderMark(InputStream raw) throws IOException {
        PushbackInputStream in = new PushbackInputStream(raw, 4);
        byte[] head = new byte[4];
        int n = in.readNBytes(head, 0, 4);
        int b0 = n > 0 ? head[0] & 0xff : -1;
        int b1 = n > 1 ? head[1] & 0xff : -1;
        int b2 = n > 2 ? head[2] & 0xff : -1;
        int b3 = n > 3 ? head[3] & 0xff : -1;
        if (b0 == 0xEF && b1 == 0xBB && b2 == 0xBF) {
            in.unread(head, 3, n - 3);
            return in;
        }
        Charset wide = null;
        int skip = 0;
        if (b0 == 0 && b1 == 0 && b2 == 0xFE && b3 == 0xFF) {
            wide = Charset.forName("UTF-32BE");
            skip = 4;
        } else if (b0 == 0xFF && b1 == 0xFE && b2 == 0 && b3 == 0) {
            wide = Charset.forName("UTF-32LE");
            skip = 4;
        } else if (b0 == 0xFE && b1 == 0xFF) {
            wide = StandardCharsets.UTF_16BE;
            skip = 2;
        } else if (b0 == 0xFF && b1 == 0xFE) {
            wide = StandardCharsets.UTF_16LE;
            skip = 2;
        }
        in.unread(head, skip, n - skip);
        return wide == null ? in : new Utf8Encoding(new InputStreamReader(in, wide));
    }

    /** Text read with another charset, as UTF-8 bytes (malformed input becomes U+FFFD, which the reader refuses). */
    private static final class Utf8Encoding extends InputStream {
        private final Reader reader;
        private final CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        private final CharBuffer chars = CharBuffer.allocate(8192);
        private final ByteBuffer bytes = ByteBuffer.allocate(3 * 8192 + 8);
        private boolean done;

        Utf8Encoding(Reader reader) {
            this.reader = reader;
            chars.flip();
            bytes.flip();
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (!bytes.hasRemaining()) {
                if (done) {
                    return -1;
                }
                chars.compact();
                int n = reader.read(chars);
                chars.flip();
                bytes.clear();
                if (n < 0) {
                    encoder.encode(chars, bytes, true);
                    encoder.flush(bytes);
                    done = true;
                } else {
                    encoder.encode(chars, bytes, false);
                }
                bytes.flip();
            }
            int n = Math.min(len, bytes.remaining());
            bytes.get(b, off, n);
            return n;
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }
}
