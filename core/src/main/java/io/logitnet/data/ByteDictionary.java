package io.logitnet.data;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Distinct byte strings, each with a code (0, 1, ... in order of first appearance) and an int the owner attaches
 * to it. The bytes live in one array, so interning a cell that is already known allocates nothing: the text columns
 * of a file cost a code per row and their distinct values once.
 */
final class ByteDictionary {
    private int[] slots = new int[16]; // code + 1; 0 is empty
    private int[] hashes = new int[8];
    private int[] starts = new int[8];
    private int[] lengths = new int[8];
    private int[] values = new int[8];
    private byte[] bytes = new byte[64];
    private int size;
    private int used;
    private boolean added;

    /** Number of distinct strings. */
    int size() {
        return size;
    }

    /** Whether the last {@link #intern} added a new string. */
    boolean added() {
        return added;
    }

    /** The code of b[from, to), or -1 when it is not here. Only reads: threads may share a finished dictionary. */
    int find(byte[] b, int from, int to) {
        int slot = slot(b, from, to, hash(b, from, to));
        return slots[slot] - 1;
    }

    /** The code of b[from, to), adding it when it is new. */
    int intern(byte[] b, int from, int to) {
        int h = hash(b, from, to);
        int i = slot(b, from, to, h);
        if (slots[i] != 0) {
            added = false;
            return slots[i] - 1;
        }
        int len = to - from;
        int code = size;
        if (code == hashes.length) {
            int n = code * 2;
            hashes = Arrays.copyOf(hashes, n);
            starts = Arrays.copyOf(starts, n);
            lengths = Arrays.copyOf(lengths, n);
            values = Arrays.copyOf(values, n);
        }
        if (used + len > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, used + len));
        }
        System.arraycopy(b, from, bytes, used, len);
        hashes[code] = h;
        starts[code] = used;
        lengths[code] = len;
        used += len;
        size++;
        slots[i] = code + 1;
        if (size * 2 > slots.length) {
            rehash();
        }
        added = true;
        return code;
    }

    /** The code of a string, adding it when it is new. */
    int intern(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return intern(b, 0, b.length);
    }

    /** The string of a code, decoded as UTF-8. */
    String text(int code) {
        return new String(bytes, starts[code], lengths[code], StandardCharsets.UTF_8);
    }

    /** Whether the string of a code is ASCII (so that it needs no UTF-8 check). */
    boolean isAscii(int code) {
        for (int i = starts[code], e = i + lengths[code]; i < e; i++) {
            if (bytes[i] < 0) {
                return false;
            }
        }
        return true;
    }

    /** Interns the string of {@code code} of another dictionary here; returns its code here. */
    int internFrom(ByteDictionary other, int code) {
        return intern(other.bytes, other.starts[code], other.starts[code] + other.lengths[code]);
    }

    /** The int attached to a code (0 until set). */
    int value(int code) {
        return values[code];
    }

    void setValue(int code, int value) {
        values[code] = value;
    }

    /** The slot that holds b[from, to), or the empty slot where it would go. */
    private int slot(byte[] b, int from, int to, int h) {
        int mask = slots.length - 1;
        int i = h & mask;
        int len = to - from;
        while (true) {
            int s = slots[i];
            if (s == 0) {
                return i;
            }
            int code = s - 1;
            if (hashes[code] == h && lengths[code] == len
                    && Arrays.equals(bytes, starts[code], starts[code] + len, b, from, to)) {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    private void rehash() {
        int[] n = new int[slots.length * 2];
        int mask = n.length - 1;
        for (int code = 0; code < size; code++) {
            int i = hashes[code] & mask;
            while (n[i] != 0) {
                i = (i + 1) & mask;
            }
            n[i] = code + 1;
        }
        slots = n;
    }

    private static int hash(byte[] b, int from, int to) {
        int h = 0x811c9dc5;
        for (int i = from; i < to; i++) {
            h = (h ^ b[i]) * 0x01000193;
        }
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        return h;
    }
}
