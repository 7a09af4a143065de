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
}
