package io.logitnet.testing;

import io.logitnet.DeviceOutOfMemoryException;
import io.logitnet.backend.AbstractTensor;
import io.logitnet.backend.Activation;
import io.logitnet.backend.Backend;
import io.logitnet.backend.Loss;
import io.logitnet.backend.Precision;
import io.logitnet.backend.Tensor;
import io.logitnet.cpu.CpuBackend;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * The CPU backend with a ledger of open tensors, to test that the code above it releases what it allocates: every
 * tensor it hands out is counted until closed. Operations run on an inner {@link CpuBackend}; a tensor of another
 * backend, or a closed one, is refused as every backend refuses it.
 */
public final class TrackingBackend implements Backend {
    private final CpuBackend cpu = new CpuBackend();
    private final Set<Tracked> open = Collections.newSetFromMap(new IdentityHashMap<>());
    private int allocations;
    private int allocationsLeft = Integer.MAX_VALUE;
    private final List<Integer> closed = new ArrayList<>();

    /** Tensors allocated and not yet closed. */
    public synchronized int openTensors() {
        return open.size();
    }

    /** Tensors allocated so far. */
    public synchronized int allocations() {
        return allocations;
    }

    /** The allocation numbers (0, 1, ... in order of allocation) of the tensors closed so far, in order of closing. */
    public synchronized List<Integer> closeOrder() {
        return List.copyOf(closed);
    }

    /**
     * Lets only the next {@code n} allocations succeed; later ones throw {@link DeviceOutOfMemoryException}, as a
     * full device would ({@code Integer.MAX_VALUE}: no limit).
     */
    public synchronized void failAfter(int n) {
        allocationsLeft = n;
    }

    private final class Tracked extends AbstractTensor {
        private final Tensor inner;
        private final int number;

        Tracked(Tensor inner, int number) {
            super(TrackingBackend.this, inner.rows(), inner.cols());
            this.inner = inner;
            this.number = number;
        }

        @Override
        public boolean isClosed() {
            return inner.isClosed();
        }

        @Override
        public void close() {
            inner.close();
            if (number < 0) {
                return; // a view
            }
            synchronized (TrackingBackend.this) {
                if (open.remove(this)) {
                    closed.add(number);
                }
            }
        }
    }

    private Tensor in(Tensor t) {
        if (t == null) {
            return null;
        }
        if (!(t instanceof Tracked tracked) || t.backend() != this) {
            throw new IllegalArgumentException("tensor " + t + " belongs to backend " + t.backend().name()
                    + ", not to this tracking backend");
        }
        return tracked.inner;
    }

    @Override
    public String name() {
        return "tracking-cpu";
    }

    @Override
    public String instanceName() {
        return "tracking(" + cpu.instanceName() + ")";
    }

    @Override
    public String deviceName() {
        return "tracking " + cpu.deviceName();
    }

    @Override
    public Set<Precision> supportedPrecisions() {
        return cpu.supportedPrecisions();
    }

    @Override
    public Precision precision() {
        return cpu.precision();
    }

    @Override
    public void setPrecision(Precision precision) {
        cpu.setPrecision(precision);
    }

    @Override
    public synchronized Tensor allocate(int rows, int cols) {
        if (allocationsLeft == 0) {
            throw new DeviceOutOfMemoryException(name(), 4L * rows * cols, 0, -1);
        }
        if (allocationsLeft != Integer.MAX_VALUE) {
            allocationsLeft--;
        }
        Tracked t = new Tracked(cpu.allocate(rows, cols), allocations++);
        open.add(t);
        return t;
    }

    @Override
    public io.logitnet.backend.DeviceMemory memory() {
        return cpu.memory();
    }

    @Override
    public io.logitnet.backend.MemoryModel memoryModel() {
        return cpu.memoryModel();
    }

    @Override
    public void setMemoryLimit(long bytes) {
        cpu.setMemoryLimit(bytes);
    }

    /** A view is not an allocation: it is not counted and closing it releases nothing. */
    @Override
    public Tensor prefixRows(Tensor t, int rows) {
        return new Tracked(cpu.prefixRows(in(t), rows), -1);
    }

    @Override
    public void upload(float[] src, int srcOffset, Tensor dst) {
        cpu.upload(src, srcOffset, in(dst));
    }

    @Override
    public void download(Tensor src, float[] dst, int dstOffset) {
        cpu.download(in(src), dst, dstOffset);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        cpu.copy(in(src), in(dst));
    }

    @Override
    public void fill(Tensor x, float value) {
        cpu.fill(in(x), value);
    }

    @Override
    public void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        cpu.gemm(transA, transB, alpha, in(a), in(b), beta, in(c));
    }

    @Override
    public void addRowVector(Tensor x, Tensor bias) {
        cpu.addRowVector(in(x), in(bias));
    }

    @Override
    public void columnSums(Tensor x, Tensor out) {
        cpu.columnSums(in(x), in(out));
    }

    @Override
    public void activationForward(Activation f, Tensor z, Tensor y) {
        cpu.activationForward(f, in(z), in(y));
    }

    @Override
    public void activationBackward(Activation f, Tensor y, Tensor dy, Tensor dz) {
        cpu.activationBackward(f, in(y), in(dy), in(dz));
    }

    @Override
    public void softmaxRows(Tensor z, Tensor y) {
        cpu.softmaxRows(in(z), in(y));
    }

    @Override
    public void lossForwardBackward(Loss loss, Tensor logits, Tensor targets, Tensor grad, Tensor rowLoss,
                                    float gradScale) {
        cpu.lossForwardBackward(loss, in(logits), in(targets), in(grad), in(rowLoss), gradScale);
    }

    @Override
    public void axpy(float alpha, Tensor x, Tensor y) {
        cpu.axpy(alpha, in(x), in(y));
    }

    @Override
    public void scale(float alpha, Tensor x) {
        cpu.scale(alpha, in(x));
    }

    @Override
    public double dot(Tensor x, Tensor y) {
        return cpu.dot(in(x), in(y));
    }

    @Override
    public double norm2(Tensor x) {
        return cpu.norm2(in(x));
    }

    @Override
    public void sgdUpdate(Tensor param, Tensor grad, Tensor velocity, float lr, float momentum, boolean nesterov) {
        cpu.sgdUpdate(in(param), in(grad), in(velocity), lr, momentum, nesterov);
    }

    @Override
    public void adamUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                           float eps, float weightDecay, long step) {
        cpu.adamUpdate(in(param), in(grad), in(m), in(v), lr, beta1, beta2, eps, weightDecay, step);
    }

    @Override
    public void synchronize() {
        cpu.synchronize();
    }

    @Override
    public void close() {
        cpu.close();
    }
}
