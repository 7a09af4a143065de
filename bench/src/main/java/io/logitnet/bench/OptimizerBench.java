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
 * The fused optimizer updates on one weight matrix {@code [out, in]}: Adam (reads p, g, m, v; writes p, m, v) and
 * plain SGD. Memory-bound: bytes moved / time is the figure to compare with the device's bandwidth.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class OptimizerBench {
    @Param({"cpu", "opencl", "cuda"})
    public String backend;

    @Param({"4096"})
    public int out;

    @Param({"784"})
    public int in;

    private Backend b;
    private Tensor p;
    private Tensor g;
    private Tensor m;
    private Tensor v;
    private long step;

    /** Opens the backend (or explains why it cannot run here) and allocates every operand once. */
    @Setup(Level.Trial)
    public void setUp() {
        b = BenchBackends.open(backend);
        p = BenchData.uniform(b, out, in, 1);
        g = BenchData.uniform(b, out, in, 2);
        m = b.allocate(out, in);
        v = b.allocate(out, in);
        b.synchronize();
    }

    /** One Adam step (PyTorch's defaults, lr 1e-3). */
    @Benchmark
    public void adam(Blackhole bh) {
        b.adamUpdate(p, g, m, v, 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, ++step);
        b.synchronize();
        bh.consume(p);
    }

    /** One plain SGD step (lr 1e-6, so the parameters barely move over millions of calls). */
    @Benchmark
    public void sgd(Blackhole bh) {
        b.sgdUpdate(p, g, null, 1e-6f, 0f, false);
        b.synchronize();
        bh.consume(p);
    }

    /** Releases the operands, then the backend. */
    @TearDown(Level.Trial)
    public void tearDown() {
        BenchData.closeAll(p, g, m, v);
        if (b != null) {
            b.close();
        }
    }
}
