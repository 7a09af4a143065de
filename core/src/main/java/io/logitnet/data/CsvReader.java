package io.logitnet.data;

import de.siegmar.fastcsv.reader.CsvParseException;
import de.siegmar.fastcsv.reader.CsvRecord;
import de.siegmar.fastcsv.reader.CsvRecordHandler;
import de.siegmar.fastcsv.reader.FieldMismatchStrategy;
import io.logitnet.InvalidDataException;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads a CSV file with a header row into a {@link CsvTable}: {@code .csv}, or gzipped when the name ends in
 * {@code .gz}. Parsing (RFC 4180 quoting, quoted line breaks, CRLF, a byte order mark) is FastCSV's; this class adds
 * the checks a data set needs, each failing with an {@link InvalidDataException} that names file, line and column:
 * an empty file, a header with an empty or repeated name, rows with more or fewer cells than the header, text that
 * is not UTF-8, a header with no data rows, and a corrupt or truncated gzip stream.
 *
 * <p>Empty lines (and lines of only spaces or tabs) are skipped wherever they are. Cells are kept as the raw text;
 * {@link CsvTable} turns them into numbers or labels. A file that cannot be opened or read at all fails with an
 * {@link UncheckedIOException} naming the path, as {@link IdxReader} does.
 */
public final class CsvReader {
    /** Most cells in one row; FastCSV's default (16384) is too small for wide data such as gene expression. */
    static final int MAX_FIELDS = 1 << 20;

    private static final Pattern PARSE_LINE = Pattern.compile("line (\\d+)");

    private CsvReader() {
    }

    /**
     * Reads the whole file.
     *
     * @param file a {@code .csv} file, or a gzipped one whose name ends in {@code .gz}
     * @return the header and the rows, with the line number of each row
     * @throws InvalidDataException  if the content is not a usable CSV table
     * @throws UncheckedIOException  if the file cannot be opened or read
     */
    public static CsvTable read(Path file) {
        String source = file.toString();
        boolean gzip = file.getFileName() != null && file.getFileName().toString().endsWith(".gz");
        InputStream raw;
        try {
            raw = Files.newInputStream(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e, e);
        }
        try (InputStream closing = raw) {
            InputStream in = new BufferedInputStream(closing, 1 << 16);
            if (gzip) {
                in = openGzip(in, source);
            }
            return read(in, source, gzip);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e, e);
        }
    }

    /**
     * Reads CSV text from a stream (UTF-8, or UTF-16/32 when a byte order mark says so). The stream is not closed.
     *
     * @param in     the bytes of the CSV text, already decompressed
     * @param source the name used in error messages, usually the file name
     * @throws InvalidDataException if the content is not a usable CSV table
     * @throws UncheckedIOException if reading the stream fails
     */
    public static CsvTable read(InputStream in, String source) {
        return read(in, source, false);
    }

    private static CsvTable read(InputStream in, String source, boolean gzip) {
        long lastLine = 0;
        de.siegmar.fastcsv.reader.CsvReader<CsvRecord> reader = de.siegmar.fastcsv.reader.CsvReader.builder()
                .skipEmptyLines(true)
                .allowUnclosedQuote(false)
                .detectBomHeader(true)
                // Ragged rows are checked here, to report both counts with the line and column.
                .extraFieldStrategy(FieldMismatchStrategy.IGNORE)
                .missingFieldStrategy(FieldMismatchStrategy.IGNORE)
                .build(CsvRecordHandler.of(b -> b.maxFields(MAX_FIELDS)), in, StandardCharsets.UTF_8);
        try {
            Iterator<CsvRecord> it = reader.iterator();
            CsvRecord headerRecord = nextNonBlank(it);
            if (headerRecord == null) {
                throw new InvalidDataException(source, "empty file: no header row");
            }
            lastLine = headerRecord.getStartingLineNumber();
            List<String> header = header(headerRecord, source);
            List<String[]> rows = new ArrayList<>();
            long[] lines = new long[1024];
            Map<String, String> shared = new HashMap<>();
            CsvRecord rec;
            while ((rec = nextNonBlank(it)) != null) {
                long line = rec.getStartingLineNumber();
                lastLine = line;
                int n = rec.getFieldCount();
                if (n < header.size()) {
                    throw new InvalidDataException(source, line, n + 1, null, "row has " + n + " cell"
                            + (n == 1 ? "" : "s") + " but the header has " + header.size() + " columns; column "
                            + (n + 1) + " ('" + header.get(n) + "') is missing");
                }
                if (n > header.size()) {
                    throw new InvalidDataException(source, line, header.size() + 1, rec.getField(header.size()),
                            "row has " + n + " cells but the header has " + header.size() + " columns");
                }
                String[] cells = new String[n];
                for (int j = 0; j < n; j++) {
                    String cell = rec.getField(j);
                    checkText(cell, source, line, j + 1);
                    cells[j] = share(cell, shared);
                }
                if (rows.size() == lines.length) {
                    lines = Arrays.copyOf(lines, lines.length * 2);
                }
                lines[rows.size()] = line;
                rows.add(cells);
            }
            if (rows.isEmpty()) {
                throw new InvalidDataException(source, headerRecord.getStartingLineNumber(), 0, null,
                        "the header has no data rows after it");
            }
            return new CsvTable(source, header, headerRecord.getStartingLineNumber(),
                    rows.toArray(new String[0][]), Arrays.copyOf(lines, rows.size()));
        } catch (CsvParseException e) {
            throw new InvalidDataException(source, parseLine(e, lastLine), 0, null,
                    "malformed CSV: " + e.getMessage());
        } catch (UncheckedIOException e) {
            throw contentError(e.getCause(), source, gzip, lastLine);
        } finally {
            try {
                reader.close();
            } catch (IOException | UncheckedIOException ignored) {
                // Only the caller's stream is left to close; a failure to close it says nothing about the data.
            }
        }
    }

    private static InputStream openGzip(InputStream in, String source) throws IOException {
        try {
            return new GZIPInputStream(in, 1 << 16);
        } catch (ZipException | EOFException e) {
            throw new InvalidDataException(source, "not a gzip file, or a truncated one (" + e.getMessage()
                    + "); a name ending in .gz is read as gzip");
        }
    }

    private static RuntimeException contentError(IOException e, String source, boolean gzip, long lastLine) {
        if (gzip && (e instanceof ZipException || e instanceof EOFException)) {
            InvalidDataException ide = new InvalidDataException(source, "corrupt or truncated gzip data after line "
                    + lastLine + " (" + e.getMessage() + ")");
            ide.initCause(e);
            return ide;
        }
        return new UncheckedIOException("cannot read " + source + ": " + e, e);
    }

    private static CsvRecord nextNonBlank(Iterator<CsvRecord> it) {
        while (it.hasNext()) {
            CsvRecord r = it.next();
            if (!(r.getFieldCount() == 1 && CsvCells.isBlank(r.getField(0)))) {
                return r;
            }
        }
        return null;
    }

    private static List<String> header(CsvRecord rec, String source) {
        long line = rec.getStartingLineNumber();
        List<String> names = new ArrayList<>(rec.getFieldCount());
        Map<String, Integer> seen = new HashMap<>();
        for (int j = 0; j < rec.getFieldCount(); j++) {
            String raw = rec.getField(j);
            checkText(raw, source, line, j + 1);
            String name = CsvCells.trim(raw);
            if (name.isEmpty()) {
                throw new InvalidDataException(source, line, j + 1, raw, "column " + (j + 1)
                        + " has no name in the header (a data frame index written without a name?)");
            }
            Integer first = seen.putIfAbsent(name, j + 1);
            if (first != null) {
                throw new InvalidDataException(source, line, j + 1, name, "column name '" + name
                        + "' appears twice in the header, in columns " + first + " and " + (j + 1));
            }
            names.add(name);
        }
        return List.copyOf(names);
    }

    /** The decoder replaces bytes that are not UTF-8 by U+FFFD; refuse them here, where the cell is known. */
    private static void checkText(String cell, String source, long line, long column) {
        if (cell.indexOf('\uFFFD') >= 0) {
            throw new InvalidDataException(source, line, column, cell,
                    "text is not valid UTF-8 (or holds the replacement character U+FFFD); save the file as UTF-8");
        }
    }

    /** Short repeated cells (pixel values, category names) share one String, which keeps wide files small. */
    private static String share(String cell, Map<String, String> shared) {
        if (cell.length() > 16 || shared.size() >= (1 << 16)) {
            return cell;
        }
        String s = shared.putIfAbsent(cell, cell);
        return s == null ? cell : s;
    }

    private static long parseLine(CsvParseException e, long fallback) {
        String msg = e.getMessage();
        if (msg != null) {
            Matcher m = PARSE_LINE.matcher(msg);
            if (m.find()) {
                try {
                    return Long.parseLong(m.group(1));
                } catch (NumberFormatException ignored) {
                    // fall through to the last good line
                }
            }
        }
        return fallback;
    }
}
