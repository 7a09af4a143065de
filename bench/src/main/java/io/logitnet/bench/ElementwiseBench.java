package io.logitnet.bench;

import io.logitnet.backend.Activation;
import io.logitnet.backend.Backend;
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
 * The memory-bound work of a training step on a hidden layer's activations {@code [rows, cols]}: activation
 * forward and backward, the bias add, and the column sums of the bias gradient. Each method waits for the device.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class ElementwiseBench {
    @Param({"cpu", "opencl", "cuda"})
    public String backend;

    @Param({"SIGMOID", "RELU"})
    public String activation;

    @Param({"1024"})
    public int rows;

    @Param({"4096"})
    public int cols;

    private Backend b;
    private Activation f;
    private Tensor z;
    private Tensor y;
    private Tensor dy;
    private Tensor dz;
    private Tensor bias;
    private Tensor sums;

    /** Opens the backend (or explains why it cannot run here) and allocates every operand once. */
    @Setup(Level.Trial)
    public void setUp() {
        f = Activation.parse(activation);
        b = BenchBackends.open(backend);
        z = BenchData.uniform(b, rows, cols, 1);
        dy = BenchData.uniform(b, rows, cols, 2);
        bias = BenchData.uniform(b, 1, cols, 3);
        y = b.allocate(rows, cols);
        dz = b.allocate(rows, cols);
        sums = b.allocate(1, cols);
        b.activationForward(f, z, y);
        b.synchronize();
    }

    /** y = f(z). */
    @Benchmark
    public void activationForward(Blackhole bh) {
        b.activationForward(f, z, y);
        b.synchronize();
        bh.consume(y);
    }

    /** dz = dy · f'(z), through y. */
    @Benchmark
    public void activationBackward(Blackhole bh) {
        b.activationBackward(f, y, dy, dz);
        b.synchronize();
        bh.consume(dz);
    }

    /** z[i, :] += bias (y is overwritten so z keeps its values between calls). */
    @Benchmark
    public void addRowVector(Blackhole bh) {
        b.addRowVector(y, bias);
        b.synchronize();
        bh.consume(y);
    }

    /** sums = Σ_rows dy (the bias gradient). */
    @Benchmark
    public void columnSums(Blackhole bh) {
        b.columnSums(dy, sums);
        b.synchronize();
        bh.consume(sums);
    }

    /** Releases the operands, then the backend. */
    @TearDown(Level.Trial)
    public void tearDown() {
        BenchData.closeAll(z, y, dy, dz, bias, sums);
        if (b != null) {
            b.close();
        }
    }
}
