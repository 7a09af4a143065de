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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Class labels: their order, lookups both ways, and the errors of a single class and an unknown label. */
class ClassLabelsTest {
    @TempDir
    Path dir;

    private CsvTable table(String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return CsvReader.read(f);
    }

    private CsvTable labelsColumn(String... labels) throws IOException {
        StringBuilder sb = new StringBuilder("x,y\n");
        for (int i = 0; i < labels.length; i++) {
            sb.append(i).append(',').append(labels[i]).append('\n');
        }
        return table("labels.csv", sb.toString());
    }

    @Test
    void numericLabelsSortByValue() throws IOException {
        CsvTable t = labelsColumn("10", "2", "1", "2", "-3", "1.5");
        ClassLabels c = ClassLabels.fit(t, "y");
        assertEquals(List.of("-3", "1", "1.5", "2", "10"), c.labels());
        assertTrue(c.numeric());
        assertArrayEquals(new int[] {4, 3, 1, 3, 0, 2}, c.encode(t, "y"));
    }

    @Test
    void numericallyEqualLabelsStayDistinctInTextOrder() throws IOException {
        ClassLabels c = ClassLabels.fit(labelsColumn("1.0", "1", "0"), "y");
        assertEquals(List.of("0", "1", "1.0"), c.labels());
    }

    @Test
    void textLabelsSortLexicographically() throws IOException {
        ClassLabels c = ClassLabels.fit(labelsColumn("setosa", "virginica", "versicolor", "setosa"), "y");
        assertEquals(List.of("setosa", "versicolor", "virginica"), c.labels());
        assertFalse(c.numeric());
    }

    @Test
    void mixedLabelsSortAsText() throws IOException {
        // One label is not a number, so all are ordered as text: "10" < "2" < "n/a".
        ClassLabels c = ClassLabels.fit(labelsColumn("2", "10", "n/a"), "y");
        assertEquals(List.of("10", "2", "n/a"), c.labels());
    }

    @Test
    void lookupsBothWays() throws IOException {
        ClassLabels c = ClassLabels.fit(labelsColumn("b", "a", "c"), "y");
        assertEquals(3, c.size());
        assertEquals("b", c.label(1));
        assertEquals(2, c.indexOf("c"));
        assertEquals(-1, c.indexOf("d"));
    }

    @Test
    void storedLabelsKeepTheirOrder() throws IOException {
        ClassLabels c = ClassLabels.of(List.of("no", "yes"));
        CsvTable test = labelsColumn("yes", "no", "yes");
        assertArrayEquals(new int[] {1, 0, 1}, c.encode(test, "y"));
        assertEquals(c, ClassLabels.of(List.of("no", "yes")));
    }

    @Test
    void singleClassIsAnErrorNamingFileColumnAndLabel() throws IOException {
        CsvTable t = labelsColumn("spam", "spam", "spam");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> ClassLabels.fit(t, "y"));
        assertEquals(t.source(), e.source());
        assertEquals(0, e.line());
        assertEquals(2, e.column());
        assertEquals("spam", e.value());
        assertTrue(e.getMessage().contains("'y'"), e.getMessage());
    }

    @Test
    void unknownLabelAtEvaluationTime() throws IOException {
        ClassLabels trained = ClassLabels.fit(labelsColumn("cat", "dog"), "y");
        CsvTable test = table("test.csv", "x,y\n1,cat\n2,dog\n3,bird\n");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> trained.encode(test, "y"));
        assertEquals(test.source(), e.source());
        assertEquals(4, e.line());
        assertEquals(2, e.column());
        assertEquals("bird", e.value());
        assertTrue(e.getMessage().contains("[cat, dog]"), e.getMessage());
    }

    @Test
    void unknownLabelInClassificationDataset() throws IOException {
        ClassLabels trained = ClassLabels.of(List.of("0", "1"));
        CsvTable test = table("test.csv", "y,x\n1,0.5\n2,0.25\n");
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> test.classification("y", List.of("x"), trained));
        assertEquals(3, e.line());
        assertEquals(1, e.column());
        assertEquals("2", e.value());
    }

    @Test
    void storedLabelsMustBeTwoOrMoreAndDistinct() {
        assertThrows(IllegalArgumentException.class, () -> ClassLabels.of(List.of("a")));
        assertThrows(IllegalArgumentException.class, () -> ClassLabels.of(List.of("a", "b", "a")));
    }
}
