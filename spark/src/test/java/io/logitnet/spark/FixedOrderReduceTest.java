package io.logitnet.spark;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** The partition-order tree aggregation gives the sum of one fixed bracketing, whatever the timing of the tasks. */
class FixedOrderReduceTest {
    /** Values whose double sum depends on the order of addition. */
    private static final double[] VALUES = {1e16, 1, -1e16, 3, 1e-3, 7e15, -7e15};

    private static JavaRDD<double[]> onePerPartition() {
        List<double[]> values = new ArrayList<>();
        for (double v : VALUES) {
            values.add(new double[] {v});
        }
        return JavaSparkContext.fromSparkContext(SparkTests.spark().sparkContext()).parallelize(values,
                VALUES.length);
    }

    private static double[] add(double[] a, double[] b) {
        a[0] += b[0];
        return a;
    }

    @Test
    void fewPartitionsAreSummedLeftToRight() {
        double expected = 0;
        for (double v : VALUES) {
            expected += v;
        }
        double[] sum = FixedOrderReduce.reduce(onePerPartition(), FixedOrderReduceTest::add);
        assertEquals(expected, sum[0], 0.0);
    }

    @Test
    void manyPartitionsAreSummedInGroupsOfConsecutivePartitions() {
        double[] v = VALUES;
        // fan-in 2 over 7 partitions: (0+1) (2+3) (4+5) (6), then (01+23) (45+6), then the driver adds the two
        double expected = ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + v[6]);
        double leftToRight = ((((((v[0] + v[1]) + v[2]) + v[3]) + v[4]) + v[5]) + v[6]);
        assertNotEquals(leftToRight, expected, "the values must make the bracketing visible");
        for (int run = 0; run < 3; run++) {
            assertEquals(expected, FixedOrderReduce.reduce(onePerPartition(), FixedOrderReduceTest::add, 2)[0],
                    0.0);
        }
    }
}
