package io.logitnet.bench;

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
 * The three matrix products of a dense layer {@code [batch, in] → [batch, out]} (weights {@code [out, in]}, as
 * {@link io.logitnet.nn.Dense}): forward {@code y = x·Wᵀ}, backward-data {@code dx = dy·W}, backward-weights
 * {@code dW = dyᵀ·x}. Each method waits for the device, so the time is the product's, not its enqueueing.
 * GFLOP/s = 2·batch·in·out / time.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class GemmBench {
    @Param({"cpu", "opencl", "cuda"})
    public String backend;

    @Param({"1024"})
    public int batch;

    @Param({"784"})
    public int in;

    @Param({"4096"})
    public int out;

    private Backend b;
    private Tensor x;
    private Tensor w;
    private Tensor y;
    private Tensor dy;
    private Tensor dx;
    private Tensor dw;

    /** Opens the backend (or explains why it cannot run here) and allocates every operand once. */
    @Setup(Level.Trial)
    public void setUp() {
        b = BenchBackends.open(backend);
        x = BenchData.uniform(b, batch, in, 1);
        w = BenchData.uniform(b, out, in, 2);
        dy = BenchData.uniform(b, batch, out, 3);
        y = b.allocate(batch, out);
        dx = b.allocate(batch, in);
        dw = b.allocate(out, in);
        b.synchronize();
    }

    /** y = x·Wᵀ: {@code [batch, in]·[in, out]}. */
    @Benchmark
    public void forward(Blackhole bh) {
        b.gemm(false, true, 1f, x, w, 0f, y);
        b.synchronize();
        bh.consume(y);
    }

    /** dx = dy·W: {@code [batch, out]·[out, in]}. */
    @Benchmark
    public void backwardData(Blackhole bh) {
        b.gemm(false, false, 1f, dy, w, 0f, dx);
        b.synchronize();
        bh.consume(dx);
    }

    /** dW = dyᵀ·x: {@code [out, batch]·[batch, in]}. */
    @Benchmark
    public void backwardWeights(Blackhole bh) {
        b.gemm(true, false, 1f, dy, x, 0f, dw);
        b.synchronize();
        bh.consume(dw);
    }

    /** Releases the operands, then the backend. */
    @TearDown(Level.Trial)
    public void tearDown() {
        BenchData.closeAll(x, w, y, dy, dx, dw);
        if (b != null) {
            b.close();
        }
    }
}
