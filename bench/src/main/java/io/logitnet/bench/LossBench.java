package io.logitnet.bench;

import io.logitnet.backend.Backend;
import io.logitnet.backend.Loss;
import io.logitnet.backend.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * The fused softmax + cross-entropy of the output layer: row losses and the gradient with respect to the logits
 * {@code [rows, classes]}, from class-index targets. Waits for the device.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class LossBench {
    @Param({"cpu", "opencl", "cuda"})
    public String backend;

    @Param({"1024"})
    public int rows;

    @Param({"10", "1000"})
    public int classes;

    private Backend b;
    private Tensor logits;
    private Tensor targets;
    private Tensor grad;
    private Tensor rowLoss;

    /** Opens the backend (or explains why it cannot run here) and allocates every operand once. */
    @Setup(Level.Trial)
    public void setUp() {
        b = BenchBackends.open(backend);
        float[] z = BenchData.uniform(rows * classes, 1);
        for (int i = 0; i < z.length; i++) {
            z[i] *= 8f;
        }
        logits = b.upload(z, rows, classes);
        targets = b.upload(BenchData.labels(rows, classes, 2), rows, 1);
        grad = b.allocate(rows, classes);
        rowLoss = b.allocate(rows, 1);
        b.synchronize();
    }

    /** Loss and gradient, gradScale 1/rows as in training. */
    @Benchmark
    public void softmaxCrossEntropy(Blackhole bh) {
        b.lossForwardBackward(Loss.SOFTMAX_CROSS_ENTROPY, logits, targets, grad, rowLoss, 1f / rows);
        b.synchronize();
        bh.consume(grad);
    }

    /** Releases the operands, then the backend. */
    @TearDown(Level.Trial)
    public void tearDown() {
        BenchData.closeAll(logits, targets, grad, rowLoss);
        if (b != null) {
            b.close();
        }
    }
}
