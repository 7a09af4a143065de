package io.logitnet.data;

import io.logitnet.InvalidDataException;

/**
 * RFC 4180 records over UTF-8 bytes: fields separated by commas, records ended by LF, CRLF or a lone CR, a field
 * quoted when it starts with {@code "} (then it may hold commas, line breaks and {@code ""} for a quote), a quote
 * inside an unquoted field taken literally. Records that are blank (one field of only spaces and tabs, quoted or not)
 * are skipped, as empty lines are. Every physical line is counted, quoted line breaks included, so that each record
 * knows the line where it starts.
 *
 * <p>A tokenizer works on one buffer at a time ({@link #reset}); when the buffer ends inside a record and more bytes
 * may follow, {@link #next} says {@link #INCOMPLETE} and leaves the position at the start of that record.
 */
final class CsvTokenizer {
    /** A record was read; its fields went to the {@link Fields}. */
    static final int RECORD = 0;
    /** The bytes end inside a record (or inside a blank line's end) and the input is not at its end. */
    static final int INCOMPLETE = 1;
    /** No record is left. */
    static final int END = 2;

    /** Receives the fields of one record. */
    interface Fields {
        /** A record starting at this 1-based line begins. */
        void begin(long line);

        /**
         * Field {@code index} (0-based) of the record: bytes [start, end) of {@code bytes}, without its quotes and
         * with {@code ""} turned into {@code "}. The array may be a scratch buffer: copy what is kept.
         */
        void field(int index, byte[] bytes, int start, int end);

        /** The record ended after {@code count} fields. */
        void end(int count);
    }

    /** Fields that are only counted. */
    static final Fields SKIP = new Fields() {
        @Override
        public void begin(long line) {
        }

        @Override
        public void field(int index, byte[] bytes, int start, int end) {
        }

        @Override
        public void end(int count) {
        }
    };

    private final String source;
    private byte[] buf;
    private int pos;
    private int limit;
    private boolean eof;
    private long line;
    private byte[] scratch = new byte[64];

    CsvTokenizer(String source) {
        this.source = source;
    }

    /**
     * Reads from {@code bytes[from, to)}, which starts at a record (or blank line) on {@code line}; {@code eof} says
     * that no bytes follow {@code to}.
     */
    void reset(byte[] bytes, int from, int to, boolean atEof, long lineAtFrom) {
        this.buf = bytes;
        this.pos = from;
        this.limit = to;
        this.eof = atEof;
        this.line = lineAtFrom;
    }

    /** Where the next record (or blank line) starts. */
    int position() {
        return pos;
    }

    /** The line at {@link #position()}. */
    long line() {
        return line;
    }

    /**
     * Reads the next record that is not blank.
     *
     * @return {@link #RECORD}, {@link #INCOMPLETE} (position unchanged) or {@link #END}
     * @throws InvalidDataException for a quote that is never closed, or text after a closing quote
     */
    int next(Fields out) {
        while (true) {
            if (pos >= limit) {
                return eof ? END : INCOMPLETE;
            }
            int blank = skipBlankLine();
            if (blank == INCOMPLETE) {
                return INCOMPLETE;
            }
            if (blank == END) {
                break;
            }
        }
        int p = pos;
        long ln = line;
        long start = line;
        out.begin(start);
        int index = 0;
        while (true) {
            int fieldEnd;
            if (p < limit && buf[p] == '"') {
                // quoted field: find the closing quote, counting line breaks and unescaping "" into scratch
                int q = p + 1;
                int copied = -1; // bytes in scratch once a "" has been seen
                int runStart = q;
                while (true) {
                    if (q >= limit) {
                        if (eof) {
                            throw new InvalidDataException(source, start, 0, null,
                                    "malformed CSV: a quoted field in column " + (index + 1)
                                            + " is never closed (no closing \" before the end of the file)");
                        }
                        return INCOMPLETE;
                    }
                    byte c = buf[q];
                    if (c == '"') {
                        if (q + 1 >= limit && !eof) {
                            return INCOMPLETE;
                        }
                        if (q + 1 < limit && buf[q + 1] == '"') {
                            copied = append(copied, runStart, q + 1);
                            q += 2;
                            runStart = q;
                            continue;
                        }
                        break;
                    }
                    if (c == '\n') {
                        ln++;
                    } else if (c == '\r') {
                        if (q + 1 >= limit && !eof) {
                            return INCOMPLETE;
                        }
                        if (q + 1 >= limit || buf[q + 1] != '\n') {
                            ln++;
                        }
                    }
                    q++;
                }
                if (copied >= 0) {
                    copied = append(copied, runStart, q);
                    out.field(index, scratch, 0, copied);
                } else {
                    out.field(index, buf, p + 1, q);
                }
                fieldEnd = q + 1;
                if (fieldEnd < limit) {
                    byte c = buf[fieldEnd];
                    if (c != ',' && c != '\n' && c != '\r') {
                        throw new InvalidDataException(source, ln, 0, null, "malformed CSV: text after the closing "
                                + "quote of column " + (index + 1) + " (a quote inside a field is written \"\")");
                    }
                }
            } else {
                int q = p;
                while (q < limit) {
                    byte c = buf[q];
                    if (c == ',' || c == '\n' || c == '\r') {
                        break;
                    }
                    q++;
                }
                if (q >= limit && !eof) {
                    return INCOMPLETE;
                }
                out.field(index, buf, p, q);
                fieldEnd = q;
            }
            index++;
            if (fieldEnd >= limit) {
                if (!eof) {
                    return INCOMPLETE;
                }
                pos = limit;
                break;
            }
            byte c = buf[fieldEnd];
            if (c == ',') {
                p = fieldEnd + 1;
                continue;
            }
            if (c == '\r') {
                if (fieldEnd + 1 >= limit && !eof) {
                    return INCOMPLETE;
                }
                pos = fieldEnd + 1 < limit && buf[fieldEnd + 1] == '\n' ? fieldEnd + 2 : fieldEnd + 1;
            } else {
                pos = fieldEnd + 1;
            }
            ln++;
            break;
        }
        line = ln;
        out.end(index);
        return RECORD;
    }

    /**
     * Skips one blank line or blank quoted record at the position: {@link #RECORD} if one was skipped,
     * {@link #END} if the position holds a record, {@link #INCOMPLETE} if the bytes end before that is known.
     */
    private int skipBlankLine() {
        int p = pos;
        if (buf[p] == '"') {
            int q = p + 1;
            while (q < limit && (buf[q] == ' ' || buf[q] == '\t')) {
                q++;
            }
            if (q >= limit) {
                return eof ? END : INCOMPLETE; // an unclosed quote is the record parser's to report
            }
            if (buf[q] != '"') {
                return END;
            }
            if (q + 1 >= limit && !eof) {
                return INCOMPLETE;
            }
            if (q + 1 < limit && buf[q + 1] == '"') {
                return END; // an escaped quote: content, not blank
            }
            p = q + 1;
        } else {
            while (p < limit && (buf[p] == ' ' || buf[p] == '\t')) {
                p++;
            }
        }
        if (p >= limit) {
            if (!eof) {
                return INCOMPLETE;
            }
            pos = limit;
            return RECORD;
        }
        byte c = buf[p];
        if (c == '\n') {
            pos = p + 1;
        } else if (c == '\r') {
            if (p + 1 >= limit && !eof) {
                return INCOMPLETE;
            }
            pos = p + 1 < limit && buf[p + 1] == '\n' ? p + 2 : p + 1;
        } else {
            return END;
        }
        line++;
        return RECORD;
    }

    /** Appends buf[from, to) to scratch after its first {@code used} bytes (-1: none yet); returns the new count. */
    private int append(int used, int from, int to) {
        int n = Math.max(used, 0);
        int len = to - from;
        if (n + len > scratch.length) {
            scratch = java.util.Arrays.copyOf(scratch, Math.max(scratch.length * 2, n + len));
        }
        System.arraycopy(buf, from, scratch, n, len);
        return n + len;
    }
}
