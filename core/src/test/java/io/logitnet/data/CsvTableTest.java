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
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Columns by name, numbers, targets and data sets from a {@link CsvTable}, and every error of a single cell. */
class CsvTableTest {
    @TempDir
    Path dir;

    private Path file;

    private CsvTable table(String text) throws IOException {
        file = dir.resolve("t.csv");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return CsvReader.read(file);
    }

    private void assertError(InvalidDataException e, long line, long column, String value) {
        assertEquals(file.toString(), e.source(), "source");
        assertEquals(line, e.line(), "line");
        assertEquals(column, e.column(), "column");
        assertEquals(value, e.value(), "value");
    }

    // ---- happy paths ----

    @Test
    void featuresPickedByNameInTheCallersOrder() throws IOException {
        CsvTable t = table("id,b,y,a,unused\nr1,1,yes,10,x\nr2,2,no,20,y\n");
        assertArrayEquals(new float[] {10, 1, 20, 2}, t.features(List.of("a", "b")));
        assertArrayEquals(new float[] {1, 10, 2, 20}, t.features(List.of("b", "a")));
    }

    @Test
    void numbersInEveryPlainDecimalSpelling() throws IOException {
        CsvTable t = table("x\n1\n-2.5\n+3\n.5\n4.\n1e3\n-1E-2\n  7  \n\t8\n\"9\"\n1e-50\n-0\n");
        assertArrayEquals(new float[] {1, -2.5f, 3, 0.5f, 4, 1000, -0.01f, 7, 8, 9, 0, -0f},
                t.numericColumn("x"));
    }

    @Test
    void rawColumnsAndAllColumnsExceptTarget() throws IOException {
        CsvTable t = table("a,y,b\n1,u,2\n3,v,4\n");
        assertEquals(List.of("u", "v"), t.column("y"));
        assertEquals(List.of("a", "b"), t.allColumnsExcept("y"));
        assertEquals(1, t.columnIndex("y"));
        assertTrue(t.hasColumn("b"));
        assertFalse(t.hasColumn("c"));
    }

    @Test
    void classificationDataset() throws IOException {
        CsvTable t = table("x1,label,x2\n1,dog,2\n3,cat,4\n5,dog,6\n");
        ClassLabels labels = ClassLabels.fit(t, "label");
        Dataset d = t.classification("label", t.allColumnsExcept("label"), labels);
        assertEquals(3, d.rows());
        assertEquals(2, d.cols());
        assertEquals(1, d.targetCols());
        assertEquals(List.of("x1", "x2"), d.featureNames());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, d.x());
        assertArrayEquals(new float[] {1, 0, 1}, d.y()); // cat = 0, dog = 1
    }

    @Test
    void regressionDataset() throws IOException {
        CsvTable t = table("y,x\n1.5,1\n-2,2\n");
        Dataset d = t.regression("y", List.of("x"));
        assertArrayEquals(new float[] {1.5f, -2}, d.y());
        assertArrayEquals(new float[] {1, 2}, d.x());
        assertEquals(List.of("x"), d.featureNames());
    }

    @Test
    void countRegressionDataset() throws IOException {
        CsvTable t = table("x,count\n1,0\n2,3\n3,12\n");
        Dataset d = t.countRegression("count", List.of("x"));
        assertArrayEquals(new float[] {0, 3, 12}, d.y());
    }

    // ---- errors of one cell ----

    @Test
    void nonNumericCell() throws IOException {
        CsvTable t = table("a,b\n1,2\n3,abc\n");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> t.features(List.of("a", "b")));
        assertError(e, 3, 2, "abc");
    }

    @Test
    void emptyCell() throws IOException {
        CsvTable t = table("a,b\n1,\n3,4\n");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> t.features(List.of("a", "b")));
        assertError(e, 2, 2, "");
    }

    @Test
    void blankCell() throws IOException {
        CsvTable t = table("a,b\n1,2\n3,  \n");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> t.numericColumn("b"));
        assertError(e, 3, 2, "  ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"nan", "NaN", "NAN", "-nan", "inf", "-inf", "+inf", "Inf", "Infinity", "-Infinity",
            "infinity"})
    void nanAndInfinityRejected(String cell) throws IOException {
        CsvTable t = table("a,b\n1,2\n3," + cell + "\n");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> t.features(List.of("b")));
        assertError(e, 3, 2, cell);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1e39", "-1e39", "3.5e38"})
    void outsideFloatRangeRejected(String cell) throws IOException {
        CsvTable t = table("a\n" + cell + "\n");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> t.numericColumn("a"));
        assertError(e, 2, 1, cell);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1f", "2d", "0x1p3", "1,5", "1.2.3", "e5", "1e", ".", "-", "1 000", "١"})
    void javaOnlyAndMalformedNumbersRejected(String cell) throws IOException {
        CsvTable t = table("a\n\"" + cell + "\"\n");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> t.numericColumn("a"));
        assertError(e, 2, 1, cell);
    }

    @Test
    void errorLineCountsQuotedLineBreaks() throws IOException {
        CsvTable t = table("note,x\n\"a\nb\nc\",1\nfine,oops\n");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> t.numericColumn("x"));
        assertError(e, 5, 2, "oops");
    }

    @Test
    void missingFeatureColumnNamesItAndTheHeader() throws IOException {
        CsvTable t = table("a,b\n1,2\n");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> t.features(List.of("a", "c")));
        assertError(e, 1, 0, "c");
        assertTrue(e.getMessage().contains("[a, b]"), e.getMessage());
    }

    @Test
    void missingTargetColumn() throws IOException {
        CsvTable t = table("a,b\n1,2\n");
        assertError(assertThrows(InvalidDataException.class, () -> t.allColumnsExcept("y")), 1, 0, "y");
        assertError(assertThrows(InvalidDataException.class, () -> t.regression("y", List.of("a"))), 1, 0, "y");
        assertError(assertThrows(InvalidDataException.class, () -> ClassLabels.fit(t, "y")), 1, 0, "y");
        assertError(assertThrows(InvalidDataException.class, () -> t.column("y")), 1, 0, "y");
    }

    @Test
    void targetAsOnlyColumnLeavesNoFeatures() throws IOException {
        CsvTable t = table("y\n1\n2\n");
        assertError(assertThrows(InvalidDataException.class, () -> t.allColumnsExcept("y")), 1, 1, "y");
    }

    @Test
    void negativePoissonCount() throws IOException {
        CsvTable t = table("x,count\n1,0\n2,3\n3,-1\n");
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> t.countRegression("count", List.of("x")));
        assertError(e, 4, 2, "-1");
    }

    @Test
    void nonNumericRegressionTarget() throws IOException {
        CsvTable t = table("x,y\n1,2\n2,big\n");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> t.regression("y", List.of("x")));
        assertError(e, 3, 2, "big");
    }

    // ---- caller mistakes ----

    @Test
    void targetListedAsFeatureIsACallerMistake() throws IOException {
        CsvTable t = table("x,y\n1,2\n2,3\n");
        assertThrows(IllegalArgumentException.class, () -> t.regression("y", List.of("x", "y")));
    }

    @Test
    void featureNamedTwiceOrNoFeatures() throws IOException {
        CsvTable t = table("x,y\n1,2\n2,3\n");
        assertThrows(IllegalArgumentException.class, () -> t.features(List.of("x", "x")));
        assertThrows(IllegalArgumentException.class, () -> t.features(List.of()));
    }
}
