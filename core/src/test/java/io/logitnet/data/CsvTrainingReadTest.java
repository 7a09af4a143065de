package io.logitnet.data;

import io.logitnet.InvalidDataException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reading a training file by target and feature columns (issue 11 item 4), the one trimming rule and empty targets
 * (issue 10 item 8), and reading another file with the stored encoding.
 */
class CsvTrainingReadTest {
    @TempDir
    Path dir;

    private Path file(String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return f;
    }

    private static void assertAt(InvalidDataException e, Path f, long line, long column, String value) {
        assertEquals(f.toString(), e.source(), "source");
        assertEquals(line, e.line(), "line");
        assertEquals(column, e.column(), "column");
        assertEquals(value, e.value(), "value");
    }

    // ---- columns by name ----

    @Test
    void everyColumnButTheTargetByDefaultInFileOrder() throws IOException {
        Path f = file("a.csv", "b,y,a\n1,yes,10\n2,no,20\n");
        TrainingData d = CsvReader.readTraining(f, Target.classes("y"), FeatureSelection.all());
        assertEquals(List.of("b", "a"), d.dataset().featureNames());
        assertArrayEquals(new float[] {1, 10, 2, 20}, d.dataset().x());
        assertEquals(List.of("no", "yes"), d.classes().labels());
        assertArrayEquals(new float[] {1, 0}, d.dataset().y());
        assertEquals(FeatureEncoding.numeric(List.of("b", "a")), d.encoding());
    }

    @Test
    void listedFeaturesInTheListedOrderAndExcludedColumnsLeftOut() throws IOException {
        Path f = file("a.csv", "id,b,y,a,note\nr1,1,0.5,10,hello\nr2,2,1.5,20,world\n");
        TrainingData only = CsvReader.readTraining(f, Target.values("y"), FeatureSelection.only(List.of("a", "b")));
        assertArrayEquals(new float[] {10, 1, 20, 2}, only.dataset().x());
        assertArrayEquals(new float[] {0.5f, 1.5f}, only.dataset().y());
        assertNull(only.classes());
        TrainingData excl = CsvReader.readTraining(f, Target.values("y"),
                FeatureSelection.excluding(List.of("id", "note")));
        assertEquals(List.of("b", "a"), excl.dataset().featureNames());
    }

    @Test
    void unknownColumnNamesAreErrorsNamingThemAndTheHeader() throws IOException {
        Path f = file("a.csv", "a,b,y\n1,2,0\n3,4,1\n");
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> CsvReader.readTraining(f, Target.classes("y"), FeatureSelection.only(List.of("a", "c"))));
        assertAt(e, f, 1, 0, "c");
        assertTrue(e.getMessage().contains("[a, b, y]"), e.getMessage());
        assertAt(assertThrows(InvalidDataException.class, () -> CsvReader.readTraining(f, Target.classes("y"),
                FeatureSelection.excluding(List.of("zz")))), f, 1, 0, "zz");
        assertAt(assertThrows(InvalidDataException.class, () -> CsvReader.readTraining(f, Target.classes("t"),
                FeatureSelection.all())), f, 1, 0, "t");
        assertThrows(IllegalArgumentException.class, () -> CsvReader.readTraining(f, Target.classes("y"),
                FeatureSelection.only(List.of("a", "y"))));
        InvalidDataException none = assertThrows(InvalidDataException.class, () -> CsvReader.readTraining(f,
                Target.classes("y"), FeatureSelection.excluding(List.of("a", "b"))));
        assertEquals(1, none.line());
    }

    @Test
    void aColumnThatIsNotAFeatureMayHoldAnything() throws IOException {
        Path f = file("a.csv", "x,comment,y\n1,,0\n2,\"free, text\",1\n3,nan,0\n");
        TrainingData d = CsvReader.readTraining(f, Target.classes("y"), FeatureSelection.excluding(
                List.of("comment")));
        assertArrayEquals(new float[] {1, 2, 3}, d.dataset().x());
    }

    // ---- text features: one-hot ----

    @Test
    void textColumnsAreOneHotWithSortedLevelsNamedColumnEqualsLevel() throws IOException {
        Path f = file("a.csv", "color,x,y\nred,1,0\nblue,2,1\n green ,3,0\nred,4,1\n");
        TrainingData d = CsvReader.readTraining(f, Target.classes("y"), FeatureSelection.all());
        assertEquals(List.of("color=blue", "color=green", "color=red", "x"), d.dataset().featureNames());
        assertArrayEquals(new float[] {
            0, 0, 1, 1,
            1, 0, 0, 2,
            0, 1, 0, 3,
            0, 0, 1, 4}, d.dataset().x());
        FeatureEncoding.Column color = d.encoding().columns().get(0);
        assertEquals("color", color.name());
        assertEquals(List.of("blue", "green", "red"), color.levels());
        assertTrue(d.encoding().columns().get(1).numeric());
    }

    @Test
    void theStoredEncodingReadsAnotherFileByNameInAnyColumnOrder() throws IOException {
        Path train = file("train.csv", "color,x,y\nred,1,a\nblue,2,b\nred,3,a\n");
        TrainingData d = CsvReader.readTraining(train, Target.classes("y"), FeatureSelection.all());
        FeatureEncoding stored = FeatureEncoding.fromJson(d.encoding().toJson());
        Path test = file("test.csv", "y,extra,x,color\nb,zzz,5,blue\na,zzz,6,red\n");
        Dataset t = CsvReader.read(test, stored, Target.classes("y", d.classes()));
        assertEquals(List.of("color=blue", "color=red", "x"), t.featureNames());
        assertArrayEquals(new float[] {1, 0, 5, 0, 1, 6}, t.x());
        assertArrayEquals(new float[] {1, 0}, t.y());
        Dataset p = CsvReader.read(test, stored, null);
        assertEquals(0, p.targetCols());
        assertArrayEquals(t.x(), p.x());
    }

    @Test
    void anUnseenLevelIsAnErrorNamingLineColumnAndValue() throws IOException {
        FeatureEncoding enc = FeatureEncoding.of(List.of(FeatureEncoding.Column.text("color", List.of("red", "blue")),
                FeatureEncoding.Column.numeric("x")));
        Path test = file("test.csv", "x,color\n1,red\n2,purple\n");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> CsvReader.read(test, enc, null));
        assertAt(e, test, 3, 2, "purple");
        assertTrue(e.getMessage().contains("[blue, red]"), e.getMessage());
    }

    @Test
    void textInANumericColumnOfTheEncodingIsAColumnTypeError() throws IOException {
        FeatureEncoding enc = FeatureEncoding.numeric(List.of("x", "z"));
        Path test = file("test.csv", "x,z\n1,2\n3,abc\n");
        ColumnTypeException e = assertThrows(ColumnTypeException.class, () -> CsvReader.read(test, enc, null));
        assertAt(e, test, 3, 2, "abc");
        assertEquals("z", e.columnName());
        assertEquals(ColumnTypeException.Kind.TEXT_IN_NUMERIC_COLUMN, e.kind());
        assertTrue(e.getMessage().contains("text in a numeric column"), e.getMessage());
    }

    @Test
    void textAmongNumbersIsRefusedAtTheFirstText() throws IOException {
        Path f = file("a.csv", "age,y\n31,0\n45,1\n?,0\n52,1\nn/a,0\n");
        ColumnTypeException e = assertThrows(ColumnTypeException.class,
                () -> CsvReader.readTraining(f, Target.classes("y"), FeatureSelection.all()));
        assertAt(e, f, 4, 1, "?");
        assertEquals("age", e.columnName());
        assertEquals(ColumnTypeException.Kind.TEXT_IN_NUMERIC_COLUMN, e.kind());
    }

    @Test
    void aNumberAmongTextIsRefusedAtTheFirstNumber() throws IOException {
        Path f = file("a.csv", "size,y\nS,0\nM,1\n10,0\nL,1\n");
        ColumnTypeException e = assertThrows(ColumnTypeException.class,
                () -> CsvReader.readTraining(f, Target.classes("y"), FeatureSelection.all()));
        assertAt(e, f, 4, 1, "10");
        assertEquals(ColumnTypeException.Kind.NUMBER_IN_TEXT_COLUMN, e.kind());
    }

    @Test
    void nanAmongNumbersIsReportedAsNotFinite() throws IOException {
        Path f = file("a.csv", "a,y\n1,0\n2,1\nNaN,0\n");
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> CsvReader.readTraining(f, Target.classes("y"), FeatureSelection.all()));
        assertAt(e, f, 4, 1, "NaN");
        assertTrue(e.getMessage().contains("finite"), e.getMessage());
    }

    @Test
    void aTextColumnWithTooManyLevelsIsRefused() throws IOException {
        StringBuilder sb = new StringBuilder("name,y\n");
        for (int i = 0; i <= FeatureEncoding.MAX_LEVELS; i++) {
            sb.append("person").append(i).append(',').append(i % 2).append('\n');
        }
        Path f = file("names.csv", sb.toString());
        ColumnTypeException e = assertThrows(ColumnTypeException.class,
                () -> CsvReader.readTraining(f, Target.classes("y"), FeatureSelection.all()));
        assertEquals(ColumnTypeException.Kind.TOO_MANY_LEVELS, e.kind());
        assertEquals("name", e.columnName());
    }

    // ---- targets: one trimming rule, empty cells ----

    @Test
    void labelsAreTrimmedLikeNumbers() throws IOException {
        Path f = file("a.csv", "x,y\n1,outer\n2, outer\n3,\"inner \"\n4,\tinner\n");
        TrainingData d = CsvReader.readTraining(f, Target.classes("y"), FeatureSelection.all());
        assertEquals(List.of("inner", "outer"), d.classes().labels());
        assertArrayEquals(new float[] {1, 1, 0, 0}, d.dataset().y());
        CsvTable t = CsvReader.read(f);
        assertEquals(List.of("inner", "outer"), ClassLabels.fit(t, "y").labels());
        assertArrayEquals(new int[] {1, 1, 0, 0}, ClassLabels.fit(t, "y").encode(t, "y"));
    }

    @Test
    void anEmptyTargetCellIsAnErrorAtItsLineAndColumn() throws IOException {
        Path f = file("a.csv", "x,y\n1,a\n2,\n3,b\n");
        assertAt(assertThrows(InvalidDataException.class, () -> CsvReader.readTraining(f, Target.classes("y"),
                FeatureSelection.all())), f, 3, 2, "");
        assertAt(assertThrows(InvalidDataException.class, () -> ClassLabels.fit(CsvReader.read(f), "y")),
                f, 3, 2, "");
        Path blank = file("b.csv", "x,y\n1,a\n2,b\n3,  \n");
        assertAt(assertThrows(InvalidDataException.class, () -> CsvReader.readTraining(blank, Target.classes("y"),
                FeatureSelection.all())), blank, 4, 2, "  ");
        CsvTable t = CsvReader.read(blank);
        InvalidDataException enc = assertThrows(InvalidDataException.class,
                () -> ClassLabels.of(List.of("a", "b")).encode(t, "y"));
        assertAt(enc, blank, 4, 2, "");
    }

    @Test
    void knownLabelsAtEvaluationRefuseAnUnknownOne() throws IOException {
        Path f = file("a.csv", "x,y\n1,cat\n2,bird\n");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> CsvReader.read(f,
                FeatureEncoding.numeric(List.of("x")), Target.classes("y", ClassLabels.of(List.of("cat", "dog")))));
        assertAt(e, f, 3, 2, "bird");
    }

    @Test
    void regressionAndCountTargets() throws IOException {
        Path f = file("a.csv", "x,y\n1,2.5\n2,-1\n");
        assertArrayEquals(new float[] {2.5f, -1}, CsvReader.readTraining(f, Target.values("y"),
                FeatureSelection.all()).dataset().y());
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> CsvReader.readTraining(f,
                Target.counts("y"), FeatureSelection.all()));
        assertAt(e, f, 3, 2, "-1");
        Path text = file("b.csv", "x,y\n1,2\n2,big\n");
        ColumnTypeException te = assertThrows(ColumnTypeException.class, () -> CsvReader.readTraining(text,
                Target.values("y"), FeatureSelection.all()));
        assertAt(te, text, 3, 2, "big");
        assertEquals("y", te.columnName());
    }

    @Test
    void aSingleClassIsAnError() throws IOException {
        Path f = file("a.csv", "x,y\n1,spam\n2, spam\n");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> CsvReader.readTraining(f,
                Target.classes("y"), FeatureSelection.all()));
        assertEquals("spam", e.value());
        assertEquals(2, e.column());
    }

    @Test
    void gzippedTrainingFileWhateverItsName() throws IOException {
        Path f = dir.resolve("data.csv");
        Files.write(f, CsvReaderTest.gzip("x,y\n1,a\n2,b\n".getBytes(StandardCharsets.UTF_8)));
        TrainingData d = CsvReader.readTraining(f, Target.classes("y"), FeatureSelection.all());
        assertArrayEquals(new float[] {1, 2}, d.dataset().x());
    }

    @Test
    void utf16WithAByteOrderMarkIsRead() throws IOException {
        Path f = dir.resolve("u16.csv");
        Files.write(f, "\uFEFFx,Straße\n1,Köln\n2,Zürich\n".getBytes(StandardCharsets.UTF_16LE));
        CsvTable t = CsvReader.read(f);
        assertEquals(List.of("x", "Straße"), t.header());
        assertEquals(List.of("Köln", "Zürich"), t.column("Straße"));
    }
}
