package io.logitnet.data;

import io.logitnet.InvalidDataException;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * The reading side of the CSV pipeline: a thread of its own reads (and, for gzip, decompresses) the input in
 * blocks of a few megabytes, cuts each block at record boundaries into one region per parsing thread, counts the
 * records and lines of each region, and hands the blocks over through a short queue, so that reading and
 * decompressing overlap with parsing. The first unit is the header record alone.
 *
 * <p>Cutting is exact also when quoted fields hold line breaks: a block without a quote character is cut at its
 * line ends by a plain byte scan; a block with one is tokenized record by record (sequential, and only for that
 * block). A record that the block does not hold to its end moves to the next block.
 */
final class CsvUnits implements AutoCloseable {

    /** Whole records of the input, cut into regions. */
    static final class Unit {
        byte[] bytes;
        /** The records are bytes[from, to). */
        int from;
        int to;
        /** Region i is bytes[starts[i], starts[i + 1]), holds rows[i] records and starts on line lines[i]. */
        int regions;
        int[] starts;
        int[] rows;
        long[] lines;
        /** Records in all regions. */
        int totalRows;
        /** The line after the last record. */
        long endLine;
        /**
         * Thrown after these records are parsed: the input is broken here (or the reading thread failed, for example
         * out of memory; that error reaches the reader as it is, so that nothing waits for a thread that has died).
         */
        RuntimeException error;
        /** No more units follow. */
        boolean last;

        private int regionStart;
        private int regionRows;

        Unit(int parts) {
            starts = new int[parts + 1];
            rows = new int[parts];
            lines = new long[parts];
        }

        /** The first region starts at {@code at}, on {@code line}. */
        void begin(int at, long line) {
            from = at;
            starts[0] = at;
            lines[0] = line;
            regionStart = at;
            regionRows = 0;
            regions = 0;
            totalRows = 0;
        }

        /** A record ended at {@code end}; a new region starts there, on {@code line}, once this one is big enough. */
        void record(int end, long line, int target, int parts) {
            regionRows++;
            if (end - regionStart >= target && regions < parts - 1) {
                rows[regions] = regionRows;
                totalRows += regionRows;
                regions++;
                starts[regions] = end;
                lines[regions] = line;
                regionStart = end;
                regionRows = 0;
            }
        }

        /** The records end at {@code end}, and the line after them is {@code line}. */
        void finish(int end, long line) {
            if (end > regionStart || regions == 0) {
                rows[regions] = regionRows;
                totalRows += regionRows;
                regions++;
            }
            starts[regions] = end;
            to = end;
            endLine = line;
        }
    }

    private final CsvInput input;
    private final int parts;
    private final int blockBytes;
    private final int minRegionBytes;
    private final BlockingQueue<Unit> ready = new ArrayBlockingQueue<>(2);
    private final BlockingQueue<byte[]> pool = new ArrayBlockingQueue<>(4);
    private final Thread thread;
    private volatile boolean closed;

    /**
     * Starts reading.
     *
     * @param input  the bytes
     * @param parts  regions per block (the parsing threads)
     * @param tuning block and region sizes
     */
    CsvUnits(CsvInput input, int parts, CsvTuning tuning) {
        this.input = input;
        this.parts = parts;
        this.blockBytes = tuning.blockBytes();
        this.minRegionBytes = tuning.minRegionBytes();
        InputStream in = input.open();
        this.thread = new Thread(() -> run(in), "logitnet-csv-reader");
        thread.setDaemon(true);
        thread.start();
    }

    /** The next unit (the first is the header record alone; it has one region of at most one record). */
    Unit next() {
        try {
            return ready.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading " + input.source(), e);
        }
    }

    /** Gives a unit's bytes back for reuse. */
    void release(Unit u) {
        if (u.bytes != null && u.bytes.length == blockBytes) {
            pool.offer(u.bytes);
        }
        u.bytes = null;
    }

    /** Stops the reading thread and closes the input. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        ready.clear();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run(InputStream in) {
        CsvTokenizer tok = new CsvTokenizer(input.source());
        try (in) {
            byte[] buf = buffer(0);
            int len = 0;
            int from = 0;
            long line = 1;
            boolean eof = false;
            boolean header = true;
            while (!closed) {
                while (len < buf.length && !eof) {
                    int n;
                    try {
                        n = in.read(buf, len, buf.length - len);
                    } catch (InterruptedIOException e) {
                        return;
                    } catch (IOException e) {
                        Unit u = new Unit(1);
                        u.error = input.readError(e, line);
                        u.last = true;
                        put(u);
                        return;
                    }
                    if (n < 0) {
                        eof = true;
                    } else {
                        len += n;
                    }
                }
                Unit u = new Unit(header ? 1 : parts);
                if (header) {
                    cutHeader(u, tok, buf, len, eof);
                } else {
                    u.begin(from, line);
                    if (!cutFast(u, buf, from, len, eof, line)) {
                        cutTokenized(u, tok, buf, from, len, eof, line);
                    }
                }
                if (u.error == null && u.to == from && !eof) {
                    // not one whole record in the buffer: make room and read more
                    if (from > 0) {
                        System.arraycopy(buf, from, buf, 0, len - from);
                        len -= from;
                        from = 0;
                    } else {
                        buf = Arrays.copyOf(buf, buf.length * 2);
                    }
                    continue;
                }
                byte[] next = buffer(len - u.to);
                System.arraycopy(buf, u.to, next, 0, len - u.to);
                if (header) {
                    u.bytes = Arrays.copyOfRange(buf, 0, u.to);
                    u.starts[1] = u.to;
                    if (buf.length == blockBytes) {
                        pool.offer(buf);
                    }
                } else {
                    u.bytes = buf;
                }
                u.last = u.error != null || (eof && u.to == len);
                len -= u.to;
                line = u.endLine;
                buf = next;
                from = 0;
                header = false;
                put(u);
                if (u.last) {
                    return;
                }
            }
        } catch (IOException e) {
            // closing the input failed after everything was read: nothing is lost
        } catch (RuntimeException e) {
            failed(e);
        } catch (Error e) {
            failed(new ReaderFailure(e));
        }
    }

    /** Hands the failure to the reader as the last unit (the buffers are dropped first to make room for it). */
    private void failed(RuntimeException e) {
        pool.clear();
        Unit u = new Unit(1);
        u.error = e;
        u.last = true;
        put(u);
    }

    /** An error of the reading thread (such as OutOfMemoryError), rethrown in the reader by {@link #rethrow}. */
    static final class ReaderFailure extends RuntimeException {
        ReaderFailure(Error cause) {
            super(cause.toString(), cause, false, false);
        }
    }

    /** Throws a unit's error: an {@link Error} of the reading thread as that error, anything else as it is. */
    static RuntimeException rethrow(RuntimeException e) {
        if (e instanceof ReaderFailure f && f.getCause() instanceof Error err) {
            throw err;
        }
        throw e;
    }

    private byte[] buffer(int atLeast) {
        if (atLeast <= blockBytes / 2) {
            byte[] b = pool.poll();
            return b != null ? b : new byte[blockBytes];
        }
        return new byte[Math.max(blockBytes, atLeast * 2)];
    }

    private void put(Unit u) {
        try {
            ready.put(u);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The header unit: the first record that is not blank, with the blank lines before it. */
    private static void cutHeader(Unit u, CsvTokenizer tok, byte[] b, int len, boolean eof) {
        tok.reset(b, 0, len, eof, 1);
        u.from = 0;
        u.lines[0] = 1;
        try {
            int st = tok.next(CsvTokenizer.SKIP);
            if (st == CsvTokenizer.INCOMPLETE) {
                u.to = 0;
                return;
            }
            u.rows[0] = st == CsvTokenizer.RECORD ? 1 : 0;
        } catch (InvalidDataException e) {
            u.error = e;
        }
        u.to = tok.position();
        u.endLine = tok.line();
        u.regions = 1;
        u.totalRows = u.rows[0];
    }

    /**
     * Cuts b[from, to) at line ends when it holds no quote character; false (and nothing done) when it does.
     */
    private boolean cutFast(Unit u, byte[] b, int from, int to, boolean eof, long line) {
        int target = Math.max(minRegionBytes, (to - from) / parts + 1);
        long ln = line;
        boolean nonBlank = false;
        int lastEnd = from;
        boolean stopped = false;
        for (int i = from; i < to; i++) {
            // eight bytes at a time while they hold no line end and no quote, and the line is known not blank
            while (nonBlank && i + 8 <= to && !special((long) LONGS.get(b, i))) {
                i += 8;
            }
            if (i >= to) {
                break;
            }
            byte c = b[i];
            if (c == '\n' || c == '\r') {
                if (c == '\r') {
                    if (i + 1 >= to) {
                        if (!eof) {
                            stopped = true;
                            break;
                        }
                    } else if (b[i + 1] == '\n') {
                        i++;
                    }
                }
                ln++;
                lastEnd = i + 1;
                if (nonBlank) {
                    u.record(lastEnd, ln, target, parts);
                }
                nonBlank = false;
            } else if (c == '"') {
                u.begin(from, line);
                return false;
            } else if (c != ' ' && c != '\t') {
                nonBlank = true;
            }
        }
        if (!stopped && eof && lastEnd < to) {
            if (nonBlank) {
                u.record(to, ln, Integer.MAX_VALUE, parts);
            }
            lastEnd = to;
        }
        u.finish(lastEnd, ln);
        return true;
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    /** Whether one of the eight bytes is a line feed, a carriage return or a quote. */
    private static boolean special(long w) {
        return (zeroByte(w ^ (ONES * '\n')) | zeroByte(w ^ (ONES * '\r')) | zeroByte(w ^ (ONES * '"'))) != 0;
    }

    /** Non-zero when one of the eight bytes is zero. */
    private static long zeroByte(long v) {
        return (v - ONES) & ~v & HIGHS;
    }

    /** Cuts b[from, to) record by record, which quoted fields with line breaks need. */
    private void cutTokenized(Unit u, CsvTokenizer tok, byte[] b, int from, int to, boolean eof, long line) {
        int target = Math.max(minRegionBytes, (to - from) / parts + 1);
        tok.reset(b, from, to, eof, line);
        try {
            while (tok.next(CsvTokenizer.SKIP) == CsvTokenizer.RECORD) {
                u.record(tok.position(), tok.line(), target, parts);
            }
        } catch (InvalidDataException e) {
            u.error = e;
        }
        u.finish(tok.position(), tok.line());
    }
}
