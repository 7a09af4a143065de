package io.logitnet.data;

import io.logitnet.InvalidDataException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The parallel reader cuts files into blocks and each block into one region per thread. With blocks and regions
 * shrunk to a few bytes, every boundary falls somewhere awkward (inside a quoted line break, between CR and LF, in
 * a blank line, on a bad cell), and what is read and every error's location must not change.
 */
class CsvBoundaryTest {
    private static final int[] BLOCKS = {8, 13, 37, 64, 101, 256, 4096};

    @TempDir
    Path dir;

    private static CsvTuning tiny(int block) {
        return new CsvTuning(block, 1);
    }

    /** A file written from known rows, with the line where each row starts. */
    private record Written(Path file, List<String> header, List<List<String>> rows, List<Long> lines) {
    }

    private Written randomFile(long seed, int n) throws IOException {
        Random r = new Random(seed);
        String[] ends = {"\n", "\r\n", "\r"};
        StringBuilder sb = new StringBuilder();
        long line = 1;
        if (r.nextBoolean()) {
            sb.append('\uFEFF');
        }
        List<String> header = List.of("num", "label", "note", "x");
        sb.append("num, label ,\"note\",x").append(ends[r.nextInt(3)]);
        line++;
        List<List<String>> rows = new ArrayList<>();
        List<Long> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            while (r.nextInt(6) == 0) { // blank lines, of spaces or nothing
                String blank = r.nextBoolean() ? "" : " \t ";
                if (blank.isEmpty() && sb.charAt(sb.length() - 1) == '\r') {
                    blank = " "; // else CR and the next LF would be one line end
                }
                sb.append(blank).append(ends[r.nextInt(3)]);
                line++;
            }
            lines.add(line);
            String num = String.valueOf(r.nextInt(2000) - 1000) + (r.nextBoolean() ? "" : "." + r.nextInt(100));
            String label = new String[] {"cat", "dog", "bird, the", "say \"hi\""}[r.nextInt(4)];
            String note;
            String noteCell;
            switch (r.nextInt(4)) {
                case 0 -> {
                    note = "two\nlines";
                    noteCell = "\"two\nlines\"";
                    line++;
                }
                case 1 -> {
                    note = "crlf\r\ninside";
                    noteCell = "\"crlf\r\ninside\"";
                    line++;
                }
                case 2 -> {
                    note = "";
                    noteCell = "";
                }
                default -> {
                    note = "plain";
                    noteCell = "  plain ";
                }
            }
            String x = String.valueOf(i);
            sb.append(r.nextBoolean() ? " " + num + " " : num).append(',');
            sb.append(label.contains(",") || label.contains("\"") ? '"' + label.replace("\"", "\"\"") + '"' : label);
            sb.append(',').append(noteCell).append(',').append(r.nextBoolean() ? '"' + x + '"' : x);
            rows.add(List.of(num, label, note, x));
            if (i < n - 1 || r.nextBoolean()) {
                sb.append(ends[r.nextInt(3)]);
                line++;
            }
        }
        Path f = dir.resolve("random-" + seed + ".csv");
        Files.writeString(f, sb.toString(), StandardCharsets.UTF_8);
        return new Written(f, header, rows, lines);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void everyBlockSizeReadsTheSameCellsAndLines(long seed) throws IOException {
        Written w = randomFile(seed, 150);
        for (int block : BLOCKS) {
            CsvTable t = CsvReader.read(w.file(), tiny(block));
            String at = "block " + block;
            assertEquals(w.header(), t.header(), at);
            assertEquals(w.rows().size(), t.rowCount(), at);
            for (int i = 0; i < t.rowCount(); i++) {
                assertEquals(w.lines().get(i), t.line(i), at + " row " + i);
                for (int j = 0; j < 4; j++) {
                    assertEquals(w.rows().get(i).get(j), t.cell(i, j), at + " row " + i + " column " + j);
                }
            }
            float[] num = t.numericColumn("num");
            for (int i = 0; i < num.length; i++) {
                assertEquals(Float.parseFloat(w.rows().get(i).get(0)), num[i], at);
            }
        }
    }

    @Test
    void trainingReadIsTheSameForEveryBlockSize() throws IOException {
        Written w = randomFile(11, 200);
        TrainingData ref = CsvReader.readTraining(w.file(), Target.classes("label"),
                FeatureSelection.only(List.of("x", "num")), CsvTuning.DEFAULT);
        assertEquals(List.of("bird, the", "cat", "dog", "say \"hi\""), ref.classes().labels());
        for (int block : BLOCKS) {
            TrainingData d = CsvReader.readTraining(w.file(), Target.classes("label"),
                    FeatureSelection.only(List.of("x", "num")), tiny(block));
            assertArrayEquals(ref.dataset().x(), d.dataset().x(), "block " + block);
            assertArrayEquals(ref.dataset().y(), d.dataset().y(), "block " + block);
            assertEquals(ref.classes(), d.classes());
        }
        for (int i = 0; i < w.rows().size(); i++) {
            assertEquals(i, ref.dataset().x()[2 * i]);
            assertEquals(ref.classes().indexOf(w.rows().get(i).get(1)), (int) ref.dataset().y()[i]);
        }
    }

    /** A numeric file with one bad cell; every block size must report it at the same place. */
    private Path numbersWith(String bad, int badRow, int rows) throws IOException {
        StringBuilder sb = new StringBuilder("a,b,y\n");
        for (int i = 0; i < rows; i++) {
            sb.append(i).append(',').append(i == badRow ? bad : String.valueOf(i * 0.5)).append(',')
                    .append(i % 2).append('\n');
        }
        Path f = dir.resolve("bad.csv");
        Files.writeString(f, sb.toString(), StandardCharsets.UTF_8);
        return f;
    }

    @Test
    void aBadCellIsReportedAtItsPlaceWhereverTheBlocksEnd() throws IOException {
        for (int badRow : new int[] {0, 7, 40, 79}) {
            Path f = numbersWith("oops", badRow, 80);
            for (int block = 6; block <= 120; block += 3) {
                ColumnTypeException e = assertThrows(ColumnTypeException.class, () -> CsvReader.read(f,
                        FeatureEncoding.numeric(List.of("a", "b")), Target.classes("y", ClassLabels.of(
                                List.of("0", "1")))), "block " + block);
                assertEquals(badRow + 2, e.line(), "block " + block);
                assertEquals(2, e.column());
                assertEquals("oops", e.value());
                assertEquals(ColumnTypeException.Kind.TEXT_IN_NUMERIC_COLUMN, e.kind());
                CsvTable t = CsvReader.read(f, tiny(block));
                InvalidDataException te = assertThrows(InvalidDataException.class, () -> t.numericColumn("b"));
                assertEquals(badRow + 2, te.line());
                assertEquals("oops", te.value());
            }
        }
    }

    @Test
    void theEarliestOfSeveralErrorsIsReportedWhenTheyShareABlock() throws IOException {
        StringBuilder sb = new StringBuilder("a,y\n");
        for (int i = 0; i < 50; i++) {
            sb.append(i == 10 ? "" : i == 30 ? "1e39" : String.valueOf(i)).append(',').append(i % 2).append('\n');
        }
        Path f = dir.resolve("two-bad.csv");
        Files.writeString(f, sb.toString(), StandardCharsets.UTF_8);
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> CsvReader.readTraining(f,
                Target.classes("y"), FeatureSelection.all(), new CsvTuning(1 << 20, 1)));
        assertEquals(12, e.line());
        assertEquals(1, e.column());
        assertEquals("", e.value());
    }

    @Test
    void raggedRowAndUnclosedQuoteAtEveryBoundary() throws IOException {
        StringBuilder sb = new StringBuilder("a,b\n");
        for (int i = 0; i < 30; i++) {
            sb.append(i).append(",\"q\nq\"\n");
        }
        String good = sb.toString();
        Path ragged = dir.resolve("ragged.csv");
        Files.writeString(ragged, good + "1,2,3\n4,5\n", StandardCharsets.UTF_8);
        Path unclosed = dir.resolve("unclosed.csv");
        Files.writeString(unclosed, good + "7,\"never closed\n8,9\n", StandardCharsets.UTF_8);
        for (int block = 5; block <= 90; block += 5) {
            CsvTuning t = tiny(block);
            InvalidDataException e = assertThrows(InvalidDataException.class, () -> CsvReader.read(ragged, t));
            assertEquals(62, e.line(), "block " + block);
            assertEquals(3, e.column());
            assertEquals("3", e.value());
            InvalidDataException u = assertThrows(InvalidDataException.class, () -> CsvReader.read(unclosed, t));
            assertEquals(62, u.line(), "block " + block);
            assertEquals(0, u.column());
        }
    }

    @Test
    void gzipStreamsAreReadInBlocksToo() throws IOException {
        Written w = randomFile(21, 120);
        Path gz = dir.resolve("random.csv.gz");
        Files.write(gz, CsvReaderTest.gzip(Files.readAllBytes(w.file())));
        for (int block : BLOCKS) {
            CsvTable t = CsvReader.read(gz, tiny(block));
            assertEquals(w.rows().size(), t.rowCount());
            for (int i = 0; i < t.rowCount(); i++) {
                assertEquals(w.lines().get(i), t.line(i));
                assertEquals(w.rows().get(i).get(2), t.cell(i, 2));
            }
        }
    }
}
