package io.logitnet.data;

import io.logitnet.InvalidDataException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading CSV files: the format (quoting, line ends, BOM, gzip) and every error of the file as a whole. */
class CsvReaderTest {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        return write(name, text.getBytes(StandardCharsets.UTF_8));
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bos)) {
            out.write(bytes);
        }
        return bos.toByteArray();
    }

    private static void assertError(InvalidDataException e, Path file, long line, long column, String value) {
        assertEquals(file.toString(), e.source(), "source");
        assertEquals(line, e.line(), "line");
        assertEquals(column, e.column(), "column");
        assertEquals(value, e.value(), "value");
    }

    // ---- happy paths ----

    @Test
    void readsHeaderRowsAndLineNumbers() throws IOException {
        Path f = write("a.csv", "x1,x2,y\n1,2,a\n3.5,-4e-1,b\n");
        CsvTable t = CsvReader.read(f);
        assertEquals(List.of("x1", "x2", "y"), t.header());
        assertEquals(2, t.rowCount());
        assertEquals(3, t.columnCount());
        assertEquals(2, t.line(0));
        assertEquals(3, t.line(1));
        assertEquals("-4e-1", t.cell(1, 1));
        assertEquals(f.toString(), t.source());
        assertEquals(1, t.headerLine());
    }

    @Test
    void quotedCellsWithSeparatorsQuotesAndLineBreaks() throws IOException {
        Path f = write("q.csv", "name,x,y\n\"Smith, J.\",1,a\n\"say \"\"hi\"\"\",2,\"two\nlines\"\n\"plain\",3,c\n");
        CsvTable t = CsvReader.read(f);
        assertEquals(List.of("Smith, J.", "say \"hi\"", "plain"), t.column("name"));
        assertEquals("two\nlines", t.cell(1, 2));
        // The third row starts on line 5: the quoted line break in row 2 takes a physical line.
        assertEquals(2, t.line(0));
        assertEquals(3, t.line(1));
        assertEquals(5, t.line(2));
        assertArrayEquals(new float[] {1, 2, 3}, t.numericColumn("x"));
    }

    @Test
    void crlfLineEnds() throws IOException {
        Path f = write("crlf.csv", "a,b\r\n1,2\r\n3,4\r\n");
        CsvTable t = CsvReader.read(f);
        assertEquals(List.of("a", "b"), t.header());
        assertArrayEquals(new float[] {1, 2, 3, 4}, t.features(List.of("a", "b")));
        assertEquals("2", t.cell(0, 1), "no carriage return left in the last cell");
    }

    @Test
    void utf8ByteOrderMarkIsNotPartOfTheFirstName() throws IOException {
        Path f = write("bom.csv", "\uFEFFa,b\n1,2\n");
        CsvTable t = CsvReader.read(f);
        assertEquals(List.of("a", "b"), t.header());
        assertTrue(t.hasColumn("a"));
    }

    @Test
    void byteOrderMarkBeforeAQuotedName() throws IOException {
        Path f = write("bomq.csv", "\uFEFF\"a\",b\n1,2\n");
        assertEquals(List.of("a", "b"), CsvReader.read(f).header());
    }

    @Test
    void blankLinesAreSkippedAndLinesStillCounted() throws IOException {
        Path f = write("blank.csv", "a,b\n\n1,2\n   \n3,4\n\n\n\r\n");
        CsvTable t = CsvReader.read(f);
        assertEquals(2, t.rowCount());
        assertEquals(3, t.line(0));
        assertEquals(5, t.line(1));
    }

    @Test
    void lastLineWithoutLineEnd() throws IOException {
        CsvTable t = CsvReader.read(write("noeol.csv", "a,b\n1,2\n3,4"));
        assertEquals(2, t.rowCount());
        assertEquals("4", t.cell(1, 1));
    }

    @Test
    void headerNamesAreTrimmed() throws IOException {
        CsvTable t = CsvReader.read(write("sp.csv", "a, b ,c\n1,2,3\n"));
        assertEquals(List.of("a", "b", "c"), t.header());
    }

    @Test
    void gzippedFileChosenByExtension() throws IOException {
        String text = "\uFEFFx,label\r\n0.5,cat\r\n1.5,dog\r\n";
        Path f = write("data.csv.gz", gzip(text.getBytes(StandardCharsets.UTF_8)));
        CsvTable t = CsvReader.read(f);
        assertEquals(List.of("x", "label"), t.header());
        assertArrayEquals(new float[] {0.5f, 1.5f}, t.numericColumn("x"));
        assertEquals(List.of("cat", "dog"), t.column("label"));
    }

    @Test
    void gzipRecognisedByItsBytesWhateverTheName() throws IOException {
        // Issue 10 item 7: the content decides, so a gzipped CSV named data.csv is decompressed.
        Path f = write("data.csv", gzip("a,b\n1,2\n".getBytes(StandardCharsets.UTF_8)));
        CsvTable t = CsvReader.read(f);
        assertEquals(List.of("a", "b"), t.header());
        assertArrayEquals(new float[] {1, 2}, t.features(List.of("a", "b")));
    }

    @Test
    void nonAsciiLabelsAndNames() throws IOException {
        CsvTable t = CsvReader.read(write("u.csv", "größe,Straße\n1,Köln\n2,Zürich\n"));
        assertEquals(List.of("größe", "Straße"), t.header());
        assertEquals(List.of("Köln", "Zürich"), t.column("Straße"));
    }

    @Test
    void wideRowsBeyondFastCsvDefaultFieldLimit() throws IOException {
        int cols = 20_000;
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < cols; j++) {
            sb.append(j == 0 ? "" : ",").append('c').append(j);
        }
        sb.append('\n');
        for (int j = 0; j < cols; j++) {
            sb.append(j == 0 ? "" : ",").append(j % 7);
        }
        sb.append('\n');
        CsvTable t = CsvReader.read(write("wide.csv", sb.toString()));
        assertEquals(cols, t.columnCount());
        assertEquals(String.valueOf(12_345 % 7), t.cell(0, 12_345));
        assertEquals("c12345", t.header().get(12_345));
    }

    // ---- errors of the file as a whole ----

    @Test
    void emptyFile() throws IOException {
        Path f = write("empty.csv", "");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> CsvReader.read(f));
        assertError(e, f, 0, 0, null);
    }

    @Test
    void fileOfBlankLinesIsEmpty() throws IOException {
        Path f = write("blank-only.csv", "\n\r\n  \n");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> CsvReader.read(f));
        assertError(e, f, 0, 0, null);
    }

    @Test
    void headerWithoutDataRows() throws IOException {
        Path f = write("header-only.csv", "a,b,y\n\n");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> CsvReader.read(f));
        assertError(e, f, 1, 0, null);
    }

    @Test
    void duplicateColumnName() throws IOException {
        Path f = write("dup.csv", "a,b,a\n1,2,3\n");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> CsvReader.read(f));
        assertError(e, f, 1, 3, "a");
    }

    @Test
    void duplicateColumnNameAfterTrimming() throws IOException {
        Path f = write("dup2.csv", "a,b, a\n1,2,3\n");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> CsvReader.read(f));
        assertError(e, f, 1, 3, "a");
    }

    @Test
    void emptyColumnName() throws IOException {
        // What pandas writes with its index: the first header cell is empty.
        Path f = write("index.csv", ",a,b\n0,1,2\n");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> CsvReader.read(f));
        assertError(e, f, 1, 1, "");
    }

    @Test
    void rowWithTooFewCells() throws IOException {
        Path f = write("short.csv", "a,b,c\n1,2,3\n4,5\n");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> CsvReader.read(f));
        assertError(e, f, 3, 3, null);
    }

    @Test
    void rowWithTooManyCells() throws IOException {
        Path f = write("long.csv", "a,b\n1,2\n3,4,5,6\n");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> CsvReader.read(f));
        assertError(e, f, 3, 3, "5");
    }

    @Test
    void raggedRowAfterAMultiLineCellReportsItsOwnLine() throws IOException {
        Path f = write("ragged-ml.csv", "a,b\n\"x\ny\",2\n3\n");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> CsvReader.read(f));
        assertError(e, f, 4, 2, null);
    }

    @Test
    void unclosedQuote() throws IOException {
        Path f = write("unclosed.csv", "a,b\n1,2\n3,\"4\n5,6\n");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> CsvReader.read(f));
        assertError(e, f, 3, 0, null);
    }

    @Test
    void textAfterClosingQuote() throws IOException {
        Path f = write("after-quote.csv", "a,b\n1,2\n3,\"4\"x\n");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> CsvReader.read(f));
        assertError(e, f, 3, 0, null);
    }

    @Test
    void invalidUtf8() throws IOException {
        byte[] bytes = {'a', ',', 'b', '\n', '1', ',', 'c', 'a', 'f', (byte) 0xe9, '\n'}; // Latin-1 'é'
        Path f = write("latin1.csv", bytes);
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> CsvReader.read(f));
        assertError(e, f, 2, 2, "caf\uFFFD");
    }

    @Test
    void truncatedGzip() throws IOException {
        StringBuilder sb = new StringBuilder("a,b\n");
        for (int i = 0; i < 2000; i++) {
            sb.append(i).append(',').append(i * 7 % 13).append('\n');
        }
        byte[] gz = gzip(sb.toString().getBytes(StandardCharsets.UTF_8));
        Path f = write("trunc.csv.gz", Arrays.copyOf(gz, gz.length / 2));
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> CsvReader.read(f));
        assertError(e, f, 0, 0, null);
    }

    @Test
    void gzipWithCorruptTrailer() throws IOException {
        byte[] gz = gzip("a,b\n1,2\n".getBytes(StandardCharsets.UTF_8));
        gz[gz.length - 8] ^= 0x55; // the CRC-32 of the data
        Path f = write("crc.csv.gz", gz);
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> CsvReader.read(f));
        assertError(e, f, 0, 0, null);
    }

    @Test
    void notGzipAtAll() throws IOException {
        Path f = write("plain.csv.gz", "a,b\n1,2\n");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> CsvReader.read(f));
        assertError(e, f, 0, 0, null);
    }

    @Test
    void emptyGzipFile() throws IOException {
        Path f = write("zero.csv.gz", new byte[0]);
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> CsvReader.read(f));
        assertError(e, f, 0, 0, null);
    }

    @Test
    void gzipOfEmptyText() throws IOException {
        Path f = write("empty.csv.gz", gzip(new byte[0]));
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> CsvReader.read(f));
        assertError(e, f, 0, 0, null);
    }

    @Test
    void missingFileIsAnIoErrorNamingThePath() {
        Path f = dir.resolve("nope.csv");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> CsvReader.read(f));
        assertTrue(e.getMessage().contains(f.toString()));
    }

    @Test
    void streamSourceNamesTheSource() {
        byte[] bytes = "a,a\n1,2\n".getBytes(StandardCharsets.UTF_8);
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> CsvReader.read(new ByteArrayInputStream(bytes), "upload"));
        assertEquals("upload", e.source());
        assertEquals(2, e.column());
    }
}
