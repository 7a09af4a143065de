package io.logitnet.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The feature encoding a model stores: its inputs, and its JSON form both ways. */
class FeatureEncodingTest {
    private static final FeatureEncoding MIXED = FeatureEncoding.of(List.of(
            FeatureEncoding.Column.numeric("x"),
            FeatureEncoding.Column.text("color", List.of("red", "blue", "Green")),
            FeatureEncoding.Column.numeric("size")));

    @Test
    void inputsAreNumbersAndOneHotLevelsInColumnOrder() {
        assertEquals(List.of("x", "color=Green", "color=blue", "color=red", "size"), MIXED.featureNames());
        assertEquals(5, MIXED.width());
        assertEquals(List.of("x", "color", "size"), MIXED.columnNames());
        assertEquals(false, MIXED.allNumeric());
    }

    @Test
    void jsonRoundTrip() {
        String json = MIXED.toJson();
        assertEquals("{\"format\":1,\"columns\":[{\"name\":\"x\",\"type\":\"number\"},{\"name\":\"color\",\"type\":"
                + "\"text\",\"levels\":[\"Green\",\"blue\",\"red\"]},{\"name\":\"size\",\"type\":\"number\"}]}", json);
        assertEquals(MIXED, FeatureEncoding.fromJson(json));
        FeatureEncoding quoted = FeatureEncoding.of(List.of(FeatureEncoding.Column.text("a \"b\"",
                List.of("x,y", "é\n"))));
        assertEquals(quoted, FeatureEncoding.fromJson(quoted.toJson()));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "not json",
        "[]",
        "{\"columns\":[]}",
        "{\"format\":2,\"columns\":[{\"name\":\"x\",\"type\":\"number\"}]}",
        "{\"format\":1}",
        "{\"format\":1,\"columns\":[]}",
        "{\"format\":1,\"columns\":[{\"type\":\"number\"}]}",
        "{\"format\":1,\"columns\":[{\"name\":\"x\",\"type\":\"date\"}]}",
        "{\"format\":1,\"columns\":[{\"name\":\"x\",\"type\":\"text\"}]}",
        "{\"format\":1,\"columns\":[{\"name\":\"x\",\"type\":\"text\",\"levels\":[\"b\",\"a\"]}]}",
        "{\"format\":1,\"columns\":[{\"name\":\"x\",\"type\":\"text\",\"levels\":[\"a\",\"a\"]}]}",
        "{\"format\":1,\"columns\":[{\"name\":\"x\",\"type\":\"text\",\"levels\":[1]}]}",
        "{\"format\":1,\"columns\":[{\"name\":\"x\",\"type\":\"number\",\"levels\":[\"a\"]}]}",
        "{\"format\":1,\"columns\":[{\"name\":\"x\",\"type\":\"number\"},{\"name\":\"x\",\"type\":\"number\"}]}"
    })
    void badJsonIsRefusedNamingWhatIsWrong(String json) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FeatureEncoding.fromJson(json));
        assertTrue(e.getMessage().startsWith("feature encoding"), e.getMessage());
    }

    @Test
    void inputNamesMustBeDistinct() {
        assertThrows(IllegalArgumentException.class, () -> FeatureEncoding.of(List.of(
                FeatureEncoding.Column.numeric("a=b"), FeatureEncoding.Column.text("a", List.of("b")))));
        assertThrows(IllegalArgumentException.class, () -> FeatureEncoding.of(List.of()));
    }

    @Test
    void referenceLevelsLeaveOutEachTextColumnsFirstLevel() {
        FeatureEncoding glm = MIXED.withReferenceLevels();
        assertEquals(List.of("x", "color=blue", "color=red", "size"), glm.featureNames());
        assertEquals(glm, FeatureEncoding.fromJson(glm.toJson()));
        assertTrue(glm.toJson().contains("\"reference\":\"Green\""), glm.toJson());
        // rows of the full one-hot inputs, projected: the reference level (Green) is all zeros
        float[] full = {1, 1, 0, 0, 7, 2, 0, 0, 1, 8};
        assertEquals(List.of(1f, 0f, 0f, 7f, 2f, 0f, 1f, 8f), boxed(glm.project(full, 2)));
        assertEquals(MIXED.width(), glm.full().width());
        assertThrows(IllegalArgumentException.class, () -> FeatureEncoding.fromJson(
                "{\"format\":1,\"columns\":[{\"name\":\"c\",\"type\":\"text\",\"levels\":[\"a\",\"b\"],"
                        + "\"reference\":\"b\"}]}"));
    }

    @Test
    void aFileIsReadWithReferenceLevelsAsAModelTakesIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        java.nio.file.Path f = dir.resolve("d.csv");
        java.nio.file.Files.writeString(f, "x,color,y\n1,red,0\n2,blue,1\n3,red,1\n");
        TrainingData t = CsvReader.readTraining(f, Target.classes("y"), FeatureSelection.all()).withReferenceLevels();
        assertEquals(List.of("x", "color=red"), t.dataset().featureNames());
        assertEquals(List.of(1f, 1f, 2f, 0f, 3f, 1f), boxed(t.dataset().x()));
        Dataset again = CsvReader.read(f, t.encoding(), Target.classes("y", t.classes()));
        assertEquals(boxed(t.dataset().x()), boxed(again.x()));
    }

    private static List<Float> boxed(float[] a) {
        List<Float> out = new java.util.ArrayList<>();
        for (float v : a) {
            out.add(v);
        }
        return out;
    }
}
