package io.logitnet.data;

import io.logitnet.InvalidDataException;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Reads the IDX format of the MNIST files (big-endian; magic 0x0000 + type + dimension count), gzipped or not:
 * gzip is recognised by the file's first bytes, not its name (see {@link DataFormat}). Only unsigned bytes (type 0x08), the type MNIST uses, are accepted.
 */
public final class IdxReader {
    private IdxReader() {
    }

    /** An IDX array: its dimensions and its values as unsigned bytes widened to int. */
    public record IdxArray(int[] dims, int[] values) {
        public int count() {
            return dims[0];
        }

        /** Product of all dimensions after the first: values per item (784 for 28×28 images). */
        public int itemSize() {
            int s = 1;
            for (int i = 1; i < dims.length; i++) {
                s *= dims[i];
            }
            return s;
        }
    }

    public static IdxArray read(Path file) {
        try (InputStream in = open(file)) {
            return read(in, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    public static IdxArray read(InputStream stream, String source) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(stream, 1 << 16));
        int magic;
        try {
            magic = in.readInt();
        } catch (EOFException e) {
            throw new InvalidDataException(source, "empty or truncated IDX file: no 4-byte magic number");
        }
        if ((magic >>> 16) != 0) {
            throw new InvalidDataException(source, 0, 0, String.format("0x%08x", magic),
                    "not an IDX file: the magic number must start with two zero bytes");
        }
        int type = (magic >>> 8) & 0xff;
        int nd = magic & 0xff;
        if (type != 0x08) {
            throw new InvalidDataException(source, 0, 0, String.format("0x%02x", type),
                    "unsupported IDX element type (only 0x08, unsigned byte, is supported)");
        }
        if (nd < 1 || nd > 4) {
            throw new InvalidDataException(source, 0, 0, String.valueOf(nd), "IDX dimension count must be 1..4");
        }
        int[] dims = new int[nd];
        long total = 1;
        for (int i = 0; i < nd; i++) {
            dims[i] = in.readInt();
            if (dims[i] <= 0) {
                throw new InvalidDataException(source, 0, 0, String.valueOf(dims[i]),
                        "IDX dimension " + i + " must be positive");
            }
            total *= dims[i];
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new InvalidDataException(source, 0, 0, String.valueOf(total), "IDX array too large");
        }
        byte[] raw = new byte[(int) total];
        try {
            in.readFully(raw);
        } catch (EOFException e) {
            throw new InvalidDataException(source, "truncated IDX file: header promises " + total + " values");
        }
        int[] values = new int[raw.length];
        for (int i = 0; i < raw.length; i++) {
            values[i] = raw[i] & 0xff;
        }
        return new IdxArray(dims, values);
    }

    /**
     * Images and labels as a data set: pixels scaled to [0, 1], labels as class indices.
     *
     * @throws InvalidDataException if the counts differ
     */
    public static Dataset readImagesAndLabels(Path images, Path labels) {
        IdxArray im = read(images);
        IdxArray lb = read(labels);
        if (im.count() != lb.count()) {
            throw new InvalidDataException(labels.toString(), "holds " + lb.count() + " labels but "
                    + images + " holds " + im.count() + " images");
        }
        if (lb.itemSize() != 1) {
            throw new InvalidDataException(labels.toString(), "labels must be one value per item");
        }
        int n = im.count();
        int d = im.itemSize();
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = im.values()[i] / 255f;
        }
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = lb.values()[i];
        }
        java.util.List<String> names = java.util.stream.IntStream.range(0, d).mapToObj(i -> "pixel" + i).toList();
        return new Dataset(x, n, d, y, 1, names);
    }

    private static InputStream open(Path file) throws IOException {
        return DataFormat.open(file);
    }
}
