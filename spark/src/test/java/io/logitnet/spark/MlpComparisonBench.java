package io.logitnet.spark;

import io.logitnet.data.Dataset;
import io.logitnet.data.Mnist;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Row;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Per-iteration time of LogitNetClassifier against Spark MLlib's MultilayerPerceptronClassifier, side by side in one
 * Spark session on the same cores: the same MNIST rows, the same layers (784-H-10, sigmoid hidden layer, softmax
 * output), full-batch L-BFGS on both, the same partitions. Not a test (timings are measured, never asserted): run it
 * with the module's test class path, e.g.
 *
 * <pre>{@code
 * java <add-opens as in the pom> -cp <test class path> io.logitnet.spark.MlpComparisonBench \
 *     [rows] [hidden] [iterations] [repeats] [backend]
 * }</pre>
 *
 * and it prints one line per run and a Markdown table of medians.
 */
public final class MlpComparisonBench {
    private MlpComparisonBench() {
    }

    private record Run(String system, double seconds, int iterations, double accuracy) {
        double perIteration() {
            return seconds / iterations;
        }
    }

    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 4000;
        int hidden = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int iterations = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        int repeats = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        String backend = args.length > 4 ? args[4] : "cpu";
        int partitions = SparkTests.spark().sparkContext().defaultParallelism();
        Dataset digits = Mnist.normalize(Mnist.sample());
        org.apache.spark.sql.Dataset<Row> train = SparkTests.frame(digits.range(0, rows), partitions);
        org.apache.spark.sql.Dataset<Row> test = SparkTests.frame(digits.range(8000, 10000), partitions);
        train.count();
        test.count();
        MulticlassClassificationEvaluator accuracy = new MulticlassClassificationEvaluator()
                .setMetricName("accuracy");

        // warm-up, a whole fit each: JIT, the executor's backend, Spark's first jobs
        for (int w = 0; w < 2; w++) {
            mllib(train, hidden, iterations).transform(test).count();
            logitnet(train, hidden, iterations, backend).transform(test).count();
        }

        String logitNetName = "LogitNetClassifier (" + backend + ")";
        List<Run> runs = new ArrayList<>();
        for (int r = 0; r < repeats; r++) {
            long t0 = System.nanoTime();
            MultilayerPerceptronClassificationModel m = mllib(train, hidden, iterations);
            double s = (System.nanoTime() - t0) / 1e9;
            runs.add(report(new Run("MultilayerPerceptronClassifier", s, m.summary().totalIterations(),
                    accuracy.evaluate(m.transform(test)))));

            t0 = System.nanoTime();
            LogitNetClassificationModel l = logitnet(train, hidden, iterations, backend);
            s = (System.nanoTime() - t0) / 1e9;
            runs.add(report(new Run(logitNetName, s, l.history().epochs().size(),
                    accuracy.evaluate(l.transform(test)))));
        }
        System.out.printf(Locale.ROOT, "%n%d training rows, 784-%d-10 sigmoid, L-BFGS up to %d iterations, %d "
                + "partitions, master %s, %d repeats (medians)%n%n", rows, hidden, iterations, partitions,
                SparkTests.spark().sparkContext().master(), repeats);
        System.out.println("| system | seconds per fit | iterations | ms per iteration | test accuracy |");
        System.out.println("| --- | ---: | ---: | ---: | ---: |");
        for (String system : List.of("MultilayerPerceptronClassifier", logitNetName)) {
            List<Run> mine = runs.stream().filter(x -> x.system().equals(system)).toList();
            System.out.printf(Locale.ROOT, "| %s | %.2f | %d | %.1f | %.4f |%n", system,
                    median(mine.stream().mapToDouble(Run::seconds).toArray()), mine.get(0).iterations(),
                    1000 * median(mine.stream().mapToDouble(Run::perIteration).toArray()), mine.get(0).accuracy());
        }
        SparkTests.spark().stop();
    }

    private static MultilayerPerceptronClassificationModel mllib(org.apache.spark.sql.Dataset<Row> train, int hidden,
                                                                 int iterations) {
        return new MultilayerPerceptronClassifier().setLayers(new int[] {784, hidden, 10}).setMaxIter(iterations)
                .setTol(0).setSeed(1).fit(train);
    }

    private static LogitNetClassificationModel logitnet(org.apache.spark.sql.Dataset<Row> train, int hidden,
                                                        int iterations, String backend) {
        return new LogitNetClassifier().setHiddenLayers(hidden).setActivation("sigmoid").setMaxIter(iterations)
                .setTol(0).setStandardization(false).setSeed(1).setBackend(backend).fit(train);
    }

    private static Run report(Run r) {
        System.out.printf(Locale.ROOT, "%s: %.2f s, %d iterations, %.1f ms per iteration, accuracy %.4f%n",
                r.system(), r.seconds(), r.iterations(), 1000 * r.perIteration(), r.accuracy());
        return r;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
