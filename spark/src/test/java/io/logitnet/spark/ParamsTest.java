package io.logitnet.spark;

import org.apache.spark.SparkException;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The params: Spark's conventions (defaults, explainParams, copy, persistence) and Spark's messages for bad values. */
class ParamsTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        SparkTests.spark();
    }

    private static void assertRefused(String param, String value, Runnable set) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, set::run);
        assertTrue(e.getMessage().contains("parameter " + param + " given invalid value " + value), e.getMessage());
    }

    @Test
    void badValuesAreRefusedNamingTheParam() {
        LogitNetClassifier c = new LogitNetClassifier();
        assertRefused("maxIter", "-1", () -> c.setMaxIter(-1));
        assertRefused("maxIter", "0", () -> c.setMaxIter(0));
        assertRefused("activation", "softplus", () -> c.setActivation("softplus"));
        assertRefused("activation", "relu,", () -> c.setActivation("relu,"));
        assertRefused("solver", "newton", () -> c.setSolver("newton"));
        assertRefused("backend", "tpu", () -> c.setBackend("tpu"));
        assertRefused("regParam", "-0.1", () -> c.setRegParam(-0.1));
        assertRefused("miniBatchFraction", "0.0", () -> c.setMiniBatchFraction(0));
        assertRefused("stepSize", "0.0", () -> c.setStepSize(0));
        assertRefused("family", "binomial", () -> new LogitNetRegressor().setFamily("binomial"));
        IllegalArgumentException widths = assertThrows(IllegalArgumentException.class, () -> c.setHiddenLayers(4, 0));
        assertTrue(widths.getMessage().contains("parameter hiddenLayers given invalid value"), widths.getMessage());
        // the refused values left the defaults alone
        assertEquals(100, c.getMaxIter());
        assertEquals("relu", c.getActivation());
    }

    @Test
    void featuresThatAreNotAVectorAreRefused() {
        StructType schema = new StructType(new StructField[] {
            new StructField("label", DataTypes.DoubleType, false, Metadata.empty()),
            new StructField("features", DataTypes.DoubleType, false, Metadata.empty())});
        org.apache.spark.sql.Dataset<Row> df = SparkTests.spark().createDataFrame(List.of(RowFactory.create(0.0, 1.0),
                RowFactory.create(1.0, 2.0)), schema);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LogitNetClassifier().fit(df));
        assertTrue(e.getMessage().contains("Column features must be of type") && e.getMessage().contains("Vector"),
                e.getMessage());
    }

    @Test
    void activationsMustMatchTheHiddenLayers() {
        LogitNetClassifier c = new LogitNetClassifier().setHiddenLayers(4, 3, 2).setActivation("relu,tanh");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> c.fit(SparkTests.frame(SparkTests.twoClasses(20, 1), 2)));
        assertTrue(e.getMessage().contains("parameter activation lists 2 activations (relu,tanh) for 3 hidden layers"),
                e.getMessage());
    }

    @Test
    void labelsThatAreNotClassIndicesFailNamingTheColumnAndRow() {
        io.logitnet.data.Dataset d = SparkTests.twoClasses(40, 2);
        float[] y = d.y().clone();
        y[7] = 0.5f;
        io.logitnet.data.Dataset bad = new io.logitnet.data.Dataset(d.x(), d.rows(), d.cols(), y, 1, null);
        SparkException e = assertThrows(SparkException.class,
                () -> new LogitNetClassifier().setBackend("cpu").fit(SparkTests.frame(bad, 1)));
        assertTrue(e.getMessage().contains("label column 'label', partition 0:")
                && e.getMessage().contains("labels must be class indices") && e.getMessage().contains("'0.5'"),
                e.getMessage());

        float[] counts = d.y().clone();
        counts[3] = -1;
        io.logitnet.data.Dataset negative = new io.logitnet.data.Dataset(d.x(), d.rows(), d.cols(), counts, 1, null);
        SparkException p = assertThrows(SparkException.class, () -> new LogitNetRegressor().setFamily("poisson")
                .setBackend("cpu").fit(SparkTests.frame(negative, 1)));
        assertTrue(p.getMessage().contains("labels must be counts"), p.getMessage());
    }

    @Test
    void defaultsExplanationsCopiesAndPersistence() throws IOException {
        LogitNetClassifier c = new LogitNetClassifier();
        assertArrayEquals(new int[0], c.getHiddenLayers());
        assertEquals("l-bfgs", c.getSolver());
        assertEquals(1e-6, c.getTol());
        assertEquals(0.0, c.getRegParam());
        assertEquals(true, c.getStandardization());
        assertEquals("auto", c.getBackend());
        String explained = c.explainParams();
        for (String p : List.of("hiddenLayers", "activation", "solver", "maxIter", "stepSize", "tol", "regParam",
                "miniBatchFraction", "standardization", "seed", "backend", "featuresCol", "labelCol",
                "probabilityCol", "rawPredictionCol")) {
            assertTrue(explained.contains(p + ": "), p + " in\n" + explained);
        }
        assertTrue(explained.contains("maxIter: maximum number of iterations (>= 1)"), explained);

        LogitNetClassifier set = c.setHiddenLayers(5, 3).setActivation("relu,tanh").setMaxIter(7).setSeed(9);
        assertEquals(c, set, "setters return the estimator");
        LogitNetClassifier copy = c.copy(new ParamMap().put(c.regParam().w(0.5)));
        assertEquals(c.uid(), copy.uid());
        assertArrayEquals(new int[] {5, 3}, copy.getHiddenLayers());
        assertEquals(0.5, copy.getRegParam());
        assertEquals(0.0, c.getRegParam());

        String path = dir.resolve("estimator").toString();
        c.write().overwrite().save(path);
        LogitNetClassifier loaded = LogitNetClassifier.load(path);
        assertEquals(c.uid(), loaded.uid());
        assertArrayEquals(new int[] {5, 3}, loaded.getHiddenLayers());
        assertEquals("relu,tanh", loaded.getActivation());
        assertEquals(7, loaded.getMaxIter());
        assertEquals(9L, loaded.getSeed());

        LogitNetRegressor r = new LogitNetRegressor().setFamily("poisson").setHiddenLayers(3);
        String rpath = dir.resolve("regressor").toString();
        r.write().overwrite().save(rpath);
        LogitNetRegressor rl = LogitNetRegressor.load(rpath);
        assertEquals("poisson", rl.getFamily());
        assertArrayEquals(new int[] {3}, rl.getHiddenLayers());
    }
}
