package io.logitnet.spark;

import io.logitnet.cli.Main;
import io.logitnet.data.Dataset;
import io.logitnet.model.Models;
import io.logitnet.model.NetworkModel;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LogitNet in Spark ML's workflow: a Pipeline of StringIndexer, VectorAssembler and LogitNetClassifier; the fitted
 * model saved and loaded (alone and inside the PipelineModel); the saved LogitNet file read by the command line; and
 * CrossValidator choosing params from a ParamGridBuilder grid.
 */
class PipelineTest {
    private static final String[] COLORS = {"red", "green", "blue"};
    private static final String[] FEATURES = {"a", "b", "c", "d"};

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        SparkTests.spark();
    }

    /** Rows with four numeric columns and a string target, as a user's table would have them. */
    private static org.apache.spark.sql.Dataset<Row> table(int n, long seed) {
        Dataset d = SparkTests.threeClasses(n, seed);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Object[] v = new Object[5];
            for (int j = 0; j < 4; j++) {
                v[j] = (double) d.x()[i * 4 + j];
            }
            // class 0 twice as often, so that StringIndexer's frequency order is not the order of first sight
            v[4] = COLORS[i % 4 == 3 ? 0 : (int) d.y()[i]];
            rows.add(RowFactory.create(v));
        }
        List<StructField> fields = new ArrayList<>();
        for (String f : FEATURES) {
            fields.add(new StructField(f, DataTypes.DoubleType, false, Metadata.empty()));
        }
        fields.add(new StructField("color", DataTypes.StringType, false, Metadata.empty()));
        return SparkTests.spark().createDataFrame(rows, new StructType(fields.toArray(new StructField[0])))
                .repartition(3);
    }

    private static Pipeline pipeline(LogitNetClassifier classifier) {
        StringIndexer indexer = new StringIndexer().setInputCol("color").setOutputCol("label");
        VectorAssembler assembler = new VectorAssembler().setInputCols(FEATURES).setOutputCol("features");
        return new Pipeline().setStages(new PipelineStage[] {indexer, assembler, classifier});
    }

    @Test
    void pipelineSaveLoadAndTheCommandLine() throws IOException {
        org.apache.spark.sql.Dataset<Row> train = table(600, 21);
        org.apache.spark.sql.Dataset<Row> test = table(300, 22).cache();
        PipelineModel fitted = pipeline(new LogitNetClassifier().setHiddenLayers(8).setActivation("tanh")
                .setRegParam(0.001).setMaxIter(60).setBackend("cpu")).fit(train);
        StringIndexerModel indexer = (StringIndexerModel) fitted.stages()[0];
        LogitNetClassificationModel model = (LogitNetClassificationModel) fitted.stages()[2];

        // what the pipeline told the model: VectorAssembler's feature names, StringIndexer's labels
        NetworkModel<?> core = model.networkModel();
        assertEquals(Arrays.asList(FEATURES), core.featureNames());
        assertEquals(Arrays.asList(indexer.labelsArray()[0]), core.classLabels());
        assertEquals("red", core.classLabels().get(0)); // the most frequent colour has index 0
        assertEquals("label", core.target());

        org.apache.spark.sql.Dataset<Row> scored = fitted.transform(test).cache();
        double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(scored);
        assertTrue(accuracy > 0.6, "pipeline accuracy " + accuracy);
        List<Row> expected = scored.select("probability", "prediction", "rawPrediction").collectAsList();
        for (Row r : expected) {
            double[] p = r.<Vector>getAs(0).toArray();
            assertEquals(1, Arrays.stream(p).sum(), 1e-6);
            assertEquals(argmax(r.<Vector>getAs(2).toArray()), r.getDouble(1));
        }

        // the PipelineModel round trip: Spark's persistence loads the stage through LogitNetClassificationModel.read
        Path pipelineDir = dir.resolve("pipeline");
        fitted.write().overwrite().save(pipelineDir.toString());
        PipelineModel reloaded = PipelineModel.load(pipelineDir.toString());
        assertInstanceOf(LogitNetClassificationModel.class, reloaded.stages()[2]);
        assertSameScores(expected, reloaded.transform(test).select("probability", "prediction", "rawPrediction")
                .collectAsList());

        // the model alone
        Path modelDir = dir.resolve("model");
        model.write().overwrite().save(modelDir.toString());
        model.write().overwrite().save(modelDir.toString());
        LogitNetClassificationModel loaded = LogitNetClassificationModel.load(modelDir.toString());
        assertEquals(model.uid(), loaded.uid());
        assertEquals(model.getBackend(), loaded.getBackend());
        assertEquals(core.architecture(), loaded.networkModel().architecture());
        assertArrayEquals(core.weight(0), loaded.networkModel().weight(0));
        assertSameScores(expected, loaded.transform(indexer.transform(new VectorAssembler().setInputCols(FEATURES)
                .setOutputCol("features").transform(test))).select("probability", "prediction", "rawPrediction")
                .collectAsList());

        // the command line reads the LogitNet file inside the folder as it is
        Path file = modelDir.resolve(ModelFiles.FILE);
        assertTrue(Files.exists(modelDir.resolve("metadata")), "Spark's params metadata");
        Cli inspect = Cli.run("inspect", "--model", file.toString());
        assertEquals(0, inspect.status, inspect.err);
        assertTrue(inspect.out.contains("architecture: 4-8(tanh)-3 softmax_cross_entropy"), inspect.out);
        assertTrue(inspect.out.contains("features: 4 [a, b, c, d]"), inspect.out);
        assertTrue(inspect.out.contains("classes: " + core.classLabels()), inspect.out);
        assertTrue(inspect.out.contains("backend: spark (3 partitions): cpu"), inspect.out);

        Path csv = dir.resolve("test.csv");
        List<Row> testRows = test.collectAsList();
        StringBuilder sb = new StringBuilder("a,b,c,d,color\n");
        for (Row r : testRows) {
            sb.append(r.getDouble(0)).append(',').append(r.getDouble(1)).append(',').append(r.getDouble(2))
                    .append(',').append(r.getDouble(3)).append(',').append(r.getString(4)).append('\n');
        }
        Files.writeString(csv, sb);
        Path out = dir.resolve("predictions.csv");
        Cli predict = Cli.run("predict", "--model", file.toString(), "--data", csv.toString(), "--out",
                out.toString(), "--backend", "cpu");
        assertEquals(0, predict.status, predict.err);
        List<String> lines = Files.readAllLines(out);
        assertEquals("prediction,p_" + String.join(",p_", core.classLabels()), lines.get(0));
        List<Row> sparkScores = fitted.transform(test).select("prediction").collectAsList();
        for (int i = 0; i < testRows.size(); i++) {
            String label = core.classLabels().get((int) sparkScores.get(i).getDouble(0));
            assertEquals(label, lines.get(i + 1).split(",")[0], "row " + i);
        }
        assertEquals(core.classLabels(), Models.load(file).classLabels());
    }

    private static double argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            best = v[i] > v[best] ? i : best;
        }
        return best;
    }

    private static void assertSameScores(List<Row> expected, List<Row> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i).<Vector>getAs(0).toArray(), actual.get(i).<Vector>getAs(0).toArray(),
                    1e-6, "probability of row " + i);
            assertEquals(expected.get(i).getDouble(1), actual.get(i).getDouble(1), "prediction of row " + i);
        }
    }

    /** CrossValidator fits a copy per fold and grid point and keeps the best regParam; the best model scores. */
    @Test
    void crossValidatorChoosesFromAGrid() {
        org.apache.spark.sql.Dataset<Row> data = table(450, 23).cache();
        LogitNetClassifier classifier = new LogitNetClassifier().setMaxIter(30).setBackend("cpu");
        ParamMap[] grid = new ParamGridBuilder().addGrid(classifier.regParam(), new double[] {1e-3, 30.0}).build();
        CrossValidator cv = new CrossValidator().setEstimator(pipeline(classifier)).setEstimatorParamMaps(grid)
                .setEvaluator(new MulticlassClassificationEvaluator().setMetricName("accuracy")).setNumFolds(2)
                .setSeed(7);
        CrossValidatorModel best = cv.fit(data);
        double[] metrics = best.avgMetrics();
        assertEquals(2, metrics.length);
        // a penalty of 30 shrinks every weight to almost nothing: the majority class's accuracy, below the small
        // penalty's (a quarter of the labels are "red" whatever the features, so neither gets near 1)
        assertTrue(metrics[0] > metrics[1] + 0.05, Arrays.toString(metrics));
        LogitNetClassificationModel chosen = (LogitNetClassificationModel) ((PipelineModel) best.bestModel())
                .stages()[2];
        assertEquals(1e-3, ((LogitNetClassifier) chosen.parent()).getRegParam());
        assertTrue(best.transform(data).count() == 450);
    }

    /** The command line in process, with its standard output and error. */
    private record Cli(int status, String out, String err) {
        static Cli run(String... args) {
            PrintStream oldOut = System.out;
            PrintStream oldErr = System.err;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            try {
                System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
                System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
                int status = Main.run(args);
                return new Cli(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
            } finally {
                System.setOut(oldOut);
                System.setErr(oldErr);
            }
        }
    }
}
