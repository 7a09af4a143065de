package io.logitnet.spark;

import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import scala.Tuple2;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.function.BinaryOperator;

/**
 * A tree aggregation of one value per partition, shaped like Spark's {@code treeAggregate} but combined in partition
 * order at every level. {@code treeAggregate} folds partial results in the order tasks finish, and floating-point
 * addition is not associative, so the sum of a gradient (and with it every later iteration) would depend on timing;
 * here it depends only on the values and the partitioning. Up to {@code fanIn} values go straight to the driver;
 * more are first combined in groups of consecutive partitions on the executors (one shuffle of one value per
 * partition), level by level, with about √P values per group as {@code treeAggregate}'s default depth of 2.
 */
final class FixedOrderReduce {
    /** Adds its second argument to its first and returns the first; travels to the executors. */
    interface Combine<T> extends BinaryOperator<T>, Serializable {
    }

    /** Values the driver combines itself. */
    static final int DRIVER_FAN_IN = 16;

    private FixedOrderReduce() {
    }

    /**
     * Combines the values, one per partition, left to right in partition order.
     *
     * @param onePerPartition an RDD whose every partition holds exactly one value
     */
    static <T extends Serializable> T reduce(JavaRDD<T> onePerPartition, Combine<T> combine) {
        int p = onePerPartition.getNumPartitions();
        return reduce(onePerPartition, combine, Math.max(DRIVER_FAN_IN, (int) Math.ceil(Math.sqrt(p))));
    }

    /** {@link #reduce(JavaRDD, Combine)} with groups of at most {@code fanIn} partitions (at least 2). */
    static <T extends Serializable> T reduce(JavaRDD<T> onePerPartition, Combine<T> combine, int fanIn) {
        if (fanIn < 2) {
            throw new IllegalArgumentException("fan-in must be at least 2, got " + fanIn);
        }
        JavaRDD<T> level = onePerPartition;
        while (level.getNumPartitions() > fanIn) {
            int groups = (level.getNumPartitions() + fanIn - 1) / fanIn;
            // value of partition i -> (group i / fanIn, (i, value)); group g lands in partition g of the next level
            JavaPairRDD<Integer, Tuple2<Integer, T>> keyed = level.mapPartitionsWithIndex(
                    (Integer i, Iterator<T> it) -> {
                        List<Tuple2<Integer, Tuple2<Integer, T>>> out = new ArrayList<>(1);
                        it.forEachRemaining(v -> out.add(new Tuple2<>(i / fanIn, new Tuple2<>(i, v))));
                        return out.iterator();
                    }, true).mapToPair(t -> t);
            level = keyed.partitionBy(new HashPartitioner(groups)).mapPartitions(it -> {
                List<Tuple2<Integer, T>> parts = new ArrayList<>();
                it.forEachRemaining(kv -> parts.add(kv._2()));
                parts.sort(Comparator.comparing(Tuple2::_1));
                return List.of(fold(parts.stream().map(Tuple2::_2).toList(), combine)).iterator();
            }, true);
        }
        return fold(level.collect(), combine);
    }

    private static <T> T fold(List<T> values, Combine<T> combine) {
        if (values.isEmpty()) {
            throw new IllegalStateException("nothing to combine: the RDD has no partitions");
        }
        T acc = values.get(0);
        for (int i = 1; i < values.size(); i++) {
            acc = combine.apply(acc, values.get(i));
        }
        return acc;
    }
}
