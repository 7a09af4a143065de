package io.logitnet.opencl;

import io.logitnet.NativeCallException;
import io.logitnet.backend.Activation;
import io.logitnet.backend.Backend;
import io.logitnet.backend.Checks;
import io.logitnet.backend.Loss;
import io.logitnet.backend.Precision;
import io.logitnet.backend.Tensor;
import org.lwjgl.system.MemoryUtil;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The OpenCL backend: LWJGL's OpenCL binding for context, queue and programs, and LogitNet's own kernels
 * ({@code kernels/src/main/opencl}, built for the device when the backend opens) for every operation, GEMM
 * included. Computes what {@link io.logitnet.cpu.CpuBackend} computes, with the same numerically stable formulas;
 * reductions and element-wise transcendentals are evaluated in double where the device supports it.
 *
 * <p>Thread safety: a backend belongs to the thread that opened it (its owner). Every operation checks the calling
 * thread and throws {@link IllegalStateException} naming both threads when another thread calls; the owner can
 * hand the backend on with {@link #transferOwnership(Thread)}. Closing a tensor and closing the backend are allowed
 * from any thread (they never throw), once the owner no longer uses what is being closed.
 */
public final class OpenClBackend implements Backend {
    private static final String KERNEL_PATH = "io/logitnet/kernels/opencl/";
    /** Host staging chunk for uploads and downloads: ByteBuffers hold at most 2^31-1 bytes. */
    private static final int STAGING_BYTES = 1 << 26;
    private static final int NO_ERROR = Integer.MAX_VALUE;

    private final ClDevice device;
    private final Tuning tuning;
    private final boolean fp64;
    private final int accBytes;
    private final String deviceName;
    /** Kernels, programs, queue and context in creation order; released in reverse. */
    private final List<AutoCloseable> created = new ArrayList<>();
    private final Set<OpenClTensor> live = new LinkedHashSet<>();
    private final Context context;
    private final Queue queue;

    private Kernel gemmNN;
    private Kernel gemmNT;
    private Kernel gemmTN;
    private Kernel gemmTT;
    private Kernel addRowVector;
    private Kernel activationForward;
    private Kernel activationBackward;
    private Kernel axpy;
    private Kernel scale;
    private Kernel sgd;
    private Kernel sgdMomentum;
    private Kernel adam;
    private Kernel columnSumsPartial;
    private Kernel columnSumsFinal;
    private Kernel dotPartial;
    private Kernel sumFinal;
    private Kernel softmaxRows;
    private Kernel lossRows;
    private Kernel softmaxCrossEntropyRows;

    /** Reused device memory for reduction partials; grown on demand. */
    private DeviceBuffer scratch;
    /** One acc_t: the result of dot/norm2. */
    private DeviceBuffer result;
    /** One int: the first invalid class-index row of a softmax cross-entropy call. */
    private DeviceBuffer status;

    private volatile Thread owner;
    private volatile boolean closed;

    OpenClBackend(ClDevice device) {
        this(device, Tuning.forDevice(device));
    }

    /** With explicit launch parameters: tests run the GPU-shaped kernels on a CPU device this way. */
    OpenClBackend(ClDevice device, Tuning tuning) {
        this.device = device;
        this.tuning = tuning;
        this.fp64 = device.fp64();
        this.accBytes = fp64 ? 8 : 4;
        this.deviceName = device.name() + " (" + device.platformName() + ", " + device.version() + ", driver "
                + device.driver() + ")";
        this.owner = Thread.currentThread();
        try {
            this.context = track(Context.create(device));
            this.queue = track(Queue.create(context));
            buildKernels();
            this.result = context.createBuffer(8);
            this.status = context.createBuffer(4);
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    private <T extends AutoCloseable> T track(T handle) {
        created.add(handle);
        return handle;
    }

    private void buildKernels() {
        Program gemm = track(buildProgram("gemm", source("gemm"), tuning.gemmDefines()));
        gemmNN = track(gemm.kernel("gemm_nn"));
        gemmNT = track(gemm.kernel("gemm_nt"));
        gemmTN = track(gemm.kernel("gemm_tn"));
        gemmTT = track(gemm.kernel("gemm_tt"));
        Program elementwise = track(buildProgram("elementwise", source("elementwise"), ""));
        addRowVector = track(elementwise.kernel("add_row_vector"));
        activationForward = track(elementwise.kernel("activation_forward"));
        activationBackward = track(elementwise.kernel("activation_backward"));
        axpy = track(elementwise.kernel("axpy"));
        scale = track(elementwise.kernel("scale"));
        sgd = track(elementwise.kernel("sgd"));
        sgdMomentum = track(elementwise.kernel("sgd_momentum"));
        adam = track(elementwise.kernel("adam"));
        Program reduce = track(buildProgram("reduce", source("reduce"), tuning.reduceDefines()));
        columnSumsPartial = track(reduce.kernel("column_sums_partial"));
        columnSumsFinal = track(reduce.kernel("column_sums_final"));
        dotPartial = track(reduce.kernel("dot_partial"));
        sumFinal = track(reduce.kernel("sum_final"));
        Program rows = track(buildProgram("softmax_loss", source("softmax_loss"), ""));
        softmaxRows = track(rows.kernel("softmax_rows"));
        lossRows = track(rows.kernel("loss_rows"));
        softmaxCrossEntropyRows = track(rows.kernel("softmax_cross_entropy_rows"));
    }

    /** common.cl followed by {@code name}.cl, from the kernels jar. */
    static String source(String name) {
        return read("common") + "\n#line 1\n" + read(name);
    }

    private static String read(String name) {
        String path = KERNEL_PATH + name + ".cl";
        try (InputStream in = OpenClBackend.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("OpenCL kernel source " + path + " is not on the class path:"
                        + " add logitnet-kernels");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read OpenCL kernel source " + path, e);
        }
    }

    /**
     * Builds an OpenCL C program for this backend's device with the backend's standard options plus
     * {@code extraOptions}. Package-private so that tests can build arbitrary (e.g. broken) sources; the caller
     * closes the result.
     *
     * @throws io.logitnet.KernelBuildException with the device and the full build log if it does not compile
     */
    Program buildProgram(String name, String source, String extraOptions) {
        StringBuilder options = new StringBuilder("-cl-std=CL1.2");
        if (fp64) {
            options.append(" -DUSE_FP64");
        }
        if (device.correctlyRoundedDivideSqrt()) {
            options.append(" -cl-fp32-correctly-rounded-divide-sqrt");
        }
        if (!extraOptions.isEmpty()) {
            options.append(' ').append(extraOptions);
        }
        return Program.build(context, name, source, options.toString());
    }

    // ---- identity, ownership ----

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public String deviceName() {
        return deviceName;
    }

    ClDevice device() {
        return device;
    }

    /** The selection id of the device, {@code P:D}. */
    public String deviceId() {
        return device.id();
    }

    /** The launch parameters chosen for this device, in words (for logs and benchmarks). */
    public String tuningSummary() {
        return tuning.toString() + (fp64 ? ", fp64 accumulation" : ", fp32 accumulation");
    }

    @Override
    public Set<Precision> supportedPrecisions() {
        return EnumSet.of(Precision.FP32);
    }

    @Override
    public Precision precision() {
        return Precision.FP32;
    }

    @Override
    public void setPrecision(Precision precision) {
        if (precision != Precision.FP32) {
            throw new IllegalArgumentException("the opencl backend supports only fp32, not " + precision);
        }
    }

    /**
     * Makes {@code newOwner} the only thread allowed to use this backend. Called by the current owner, e.g. to
     * hand a backend opened on one thread to a worker thread.
     */
    public void transferOwnership(Thread newOwner) {
        enter();
        if (newOwner == null) {
            throw new IllegalArgumentException("new owner thread is null");
        }
        owner = newOwner;
    }

    private void enter() {
        if (closed) {
            throw new IllegalStateException("the opencl backend on " + device.name() + " has been closed");
        }
        Thread caller = Thread.currentThread();
        Thread o = owner;
        if (caller != o) {
            throw new IllegalStateException("the opencl backend on " + device.name() + " belongs to thread '"
                    + o.getName() + "' (id " + o.getId() + ") but was called from thread '" + caller.getName()
                    + "' (id " + caller.getId() + "): use a backend from one thread at a time, open one per thread,"
                    + " or hand it over with transferOwnership");
        }
    }

    private DeviceBuffer buffer(Tensor t, String what) {
        Checks.owned(this, t, what);
        return ((OpenClTensor) t).buffer();
    }

    // ---- memory ----

    @Override
    public Tensor allocate(int rows, int cols) {
        enter();
        Checks.dims(rows, cols);
        long bytes = 4L * rows * cols;
        DeviceBuffer buf = context.createBuffer(bytes);
        try {
            // OpenCL allocates lazily: touch the memory now so that a shortage shows here, not in a later kernel.
            queue.fill(buf, 0, bytes);
            queue.finish();
        } catch (NativeCallException e) {
            buf.close();
            if (Cl.isOutOfMemory(e.code())) {
                throw context.outOfMemory(bytes);
            }
            throw e;
        } catch (RuntimeException e) {
            buf.close();
            throw e;
        }
        OpenClTensor t = new OpenClTensor(this, rows, cols, buf);
        synchronized (live) {
            live.add(t);
        }
        return t;
    }

    /** Releases a tensor's buffer; any thread; never throws. */
    void release(OpenClTensor t) {
        DeviceBuffer b;
        synchronized (live) {
            live.remove(t);
            b = t.detach();
        }
        if (b != null) {
            b.close();
        }
    }

    @Override
    public void upload(float[] src, int srcOffset, Tensor dst) {
        enter();
        DeviceBuffer d = buffer(dst, "upload destination");
        long count = dst.size();
        Checks.range(src, srcOffset, count, "upload source");
        ByteBuffer staging = MemoryUtil.memAlloc((int) Math.min(4L * count, STAGING_BYTES)).order(ByteOrder.nativeOrder());
        try {
            for (long done = 0; done < count; ) {
                int n = (int) Math.min(count - done, STAGING_BYTES / 4);
                staging.clear();
                staging.asFloatBuffer().put(src, (int) (srcOffset + done), n);
                staging.limit(4 * n);
                queue.write(d, 4 * done, staging);
                done += n;
            }
        } finally {
            MemoryUtil.memFree(staging);
        }
    }

    @Override
    public void download(Tensor src, float[] dst, int dstOffset) {
        enter();
        DeviceBuffer s = buffer(src, "download source");
        long count = src.size();
        Checks.range(dst, dstOffset, count, "download destination");
        ByteBuffer staging = MemoryUtil.memAlloc((int) Math.min(4L * count, STAGING_BYTES)).order(ByteOrder.nativeOrder());
        try {
            for (long done = 0; done < count; ) {
                int n = (int) Math.min(count - done, STAGING_BYTES / 4);
                staging.clear();
                staging.limit(4 * n);
                queue.read(s, 4 * done, staging);
                staging.asFloatBuffer().get(dst, (int) (dstOffset + done), n);
                done += n;
            }
        } finally {
            MemoryUtil.memFree(staging);
        }
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        enter();
        DeviceBuffer s = buffer(src, "copy source");
        DeviceBuffer d = buffer(dst, "copy destination");
        Checks.sameShape("copy", src, dst);
        if (s != d) { // clEnqueueCopyBuffer rejects a buffer copied onto itself (CL_MEM_COPY_OVERLAP)
            queue.copy(s, d, 4 * src.size());
        }
    }

    @Override
    public void fill(Tensor x, float value) {
        enter();
        DeviceBuffer b = buffer(x, "fill");
        queue.fill(b, Float.floatToRawIntBits(value), 4 * x.size());
    }

    // ---- dense algebra ----

    @Override
    public void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        enter();
        DeviceBuffer A = buffer(a, "gemm A");
        DeviceBuffer B = buffer(b, "gemm B");
        DeviceBuffer C = buffer(c, "gemm C");
        int[] mnk = Checks.gemm(transA, transB, a, b, c);
        int m = mnk[0];
        int n = mnk[1];
        int k = mnk[2];
        Kernel kernel = transA ? (transB ? gemmTT : gemmTN) : (transB ? gemmNT : gemmNN);
        kernel.args().add(m).add(n).add(k).add(alpha).add(beta).add(A).add(B).add(C);
        int lc = tuning.gemmLocalCols();
        int lr = tuning.gemmLocalRows();
        long groupsN = (n + tuning.tsn() - 1) / tuning.tsn();
        long groupsM = (m + tuning.tsm() - 1) / tuning.tsm();
        queue.launch(kernel, new long[] {groupsN * lc, groupsM * lr}, new long[] {lc, lr});
    }

    @Override
    public void addRowVector(Tensor x, Tensor bias) {
        enter();
        DeviceBuffer X = buffer(x, "addRowVector x");
        DeviceBuffer B = buffer(bias, "addRowVector bias");
        Checks.shape("addRowVector bias", bias, 1, x.cols());
        int count = (int) x.size();
        addRowVector.args().add(count).add(x.cols()).add(X).add(B);
        queue.launch1d(addRowVector, count, tuning.elementWg());
    }

    @Override
    public void columnSums(Tensor x, Tensor out) {
        enter();
        DeviceBuffer X = buffer(x, "columnSums x");
        DeviceBuffer O = buffer(out, "columnSums out");
        Checks.shape("columnSums out", out, 1, x.cols());
        int rows = x.rows();
        int n = x.cols();
        // Stage one: blocks of rows per work-group row, each reduced in local memory; stage two adds the blocks.
        int groupsY = (int) Math.max(1, Math.min(64, (rows + 8L * tuning.csTy() - 1) / (8L * tuning.csTy())));
        int rowsPerGroup = (rows + groupsY - 1) / groupsY;
        groupsY = (rows + rowsPerGroup - 1) / rowsPerGroup;
        DeviceBuffer partial = scratch((long) groupsY * n * accBytes);
        columnSumsPartial.args().add(rows).add(n).add(rowsPerGroup).add(X).add(partial);
        queue.launch(columnSumsPartial, new long[] {Queue.roundUp(n, tuning.csTx()), (long) groupsY * tuning.csTy()},
                new long[] {tuning.csTx(), tuning.csTy()});
        columnSumsFinal.args().add(groupsY).add(n).add(partial).add(O);
        queue.launch1d(columnSumsFinal, n, Math.min(tuning.elementWg(), 64));
    }

    // ---- element-wise ----

    @Override
    public void activationForward(Activation f, Tensor z, Tensor y) {
        enter();
        DeviceBuffer Z = buffer(z, "activationForward z");
        DeviceBuffer Y = buffer(y, "activationForward y");
        Checks.sameShape("activationForward", z, y);
        int count = (int) z.size();
        activationForward.args().add(count).add(f.code()).add(Z).add(Y);
        queue.launch1d(activationForward, count, tuning.elementWg());
    }

    @Override
    public void activationBackward(Activation f, Tensor y, Tensor dy, Tensor dz) {
        enter();
        DeviceBuffer Y = buffer(y, "activationBackward y");
        DeviceBuffer DY = buffer(dy, "activationBackward dy");
        DeviceBuffer DZ = buffer(dz, "activationBackward dz");
        Checks.sameShape("activationBackward dy", y, dy);
        Checks.sameShape("activationBackward dz", y, dz);
        int count = (int) y.size();
        activationBackward.args().add(count).add(f.code()).add(Y).add(DY).add(DZ);
        queue.launch1d(activationBackward, count, tuning.elementWg());
    }

    @Override
    public void softmaxRows(Tensor z, Tensor y) {
        enter();
        DeviceBuffer Z = buffer(z, "softmaxRows z");
        DeviceBuffer Y = buffer(y, "softmaxRows y");
        Checks.sameShape("softmaxRows", z, y);
        int wg = rowWorkGroup(z.cols());
        softmaxRows.args().add(z.cols()).add(Z).add(Y).addLocal((long) wg * accBytes);
        queue.launch(softmaxRows, new long[] {(long) z.rows() * wg}, new long[] {wg});
    }

    /** The work-group for one row of n: a power of two, no wider than the row needs. */
    private int rowWorkGroup(int n) {
        int wg = 1;
        while (wg < n && wg < tuning.reduceWg()) {
            wg *= 2;
        }
        return wg;
    }

    @Override
    public void lossForwardBackward(Loss loss, Tensor logits, Tensor targets, Tensor grad, Tensor rowLoss,
                                    float gradScale) {
        enter();
        DeviceBuffer Z = buffer(logits, "loss logits");
        DeviceBuffer T = buffer(targets, "loss targets");
        DeviceBuffer G = grad == null ? null : buffer(grad, "loss gradient");
        DeviceBuffer L = buffer(rowLoss, "row losses");
        Checks.loss(loss, logits, targets, grad, rowLoss);
        int n = logits.cols();
        int wg = rowWorkGroup(n);
        long[] global = {(long) logits.rows() * wg};
        long[] local = {wg};
        if (loss.targetsAreClassIndices()) {
            queue.fill(status, NO_ERROR, 4);
            softmaxCrossEntropyRows.args().add(n).add(Z).add(T).add(G).add(G == null ? 0 : 1).add(L).add(gradScale)
                    .add(status).addLocal((long) wg * accBytes);
            queue.launch(softmaxCrossEntropyRows, global, local);
            checkClassIndices(T, n);
            return;
        }
        lossRows.args().add(loss.code()).add(n).add(Z).add(T).add(G).add(G == null ? 0 : 1).add(L).add(gradScale)
                .addLocal((long) wg * accBytes);
        queue.launch(lossRows, global, local);
    }

    /** Reports a bad class index as the CPU backend does (one 4-byte read; waits for the loss kernel). */
    private void checkClassIndices(DeviceBuffer targets, int classes) {
        ByteBuffer one = MemoryUtil.memAlloc(4).order(ByteOrder.nativeOrder());
        try {
            queue.read(status, 0, one);
            int row = one.getInt(0);
            if (row == NO_ERROR) {
                return;
            }
            one.clear();
            queue.read(targets, 4L * row, one);
            float t = one.getFloat(0);
            throw new IllegalArgumentException("class index " + t + " in row " + row + " is not an integer in [0, "
                    + classes + ")");
        } finally {
            MemoryUtil.memFree(one);
        }
    }

    @Override
    public void axpy(float alpha, Tensor x, Tensor y) {
        enter();
        DeviceBuffer X = buffer(x, "axpy x");
        DeviceBuffer Y = buffer(y, "axpy y");
        Checks.sameShape("axpy", x, y);
        int count = (int) x.size();
        axpy.args().add(count).add(alpha).add(X).add(Y);
        queue.launch1d(axpy, count, tuning.elementWg());
    }

    @Override
    public void scale(float alpha, Tensor x) {
        enter();
        DeviceBuffer X = buffer(x, "scale");
        int count = (int) x.size();
        scale.args().add(count).add(alpha).add(X);
        queue.launch1d(scale, count, tuning.elementWg());
    }

    @Override
    public double dot(Tensor x, Tensor y) {
        enter();
        DeviceBuffer X = buffer(x, "dot x");
        DeviceBuffer Y = buffer(y, "dot y");
        Checks.sameShape("dot", x, y);
        return sumOfProducts(X, Y, (int) x.size());
    }

    @Override
    public double norm2(Tensor x) {
        enter();
        DeviceBuffer X = buffer(x, "norm2");
        return Math.sqrt(sumOfProducts(X, X, (int) x.size()));
    }

    /** Σ x·y in two stages (partials per work-group, then one work-group), read back as a double. */
    private double sumOfProducts(DeviceBuffer x, DeviceBuffer y, int count) {
        int wg = tuning.reduceWg();
        int groups = (int) Math.max(1, Math.min(tuning.dotGroups(), (count + (long) wg - 1) / wg));
        DeviceBuffer partial = scratch((long) groups * accBytes);
        dotPartial.args().add(count).add(x).add(y).add(partial).addLocal((long) wg * accBytes);
        queue.launch(dotPartial, new long[] {(long) groups * wg}, new long[] {wg});
        sumFinal.args().add(groups).add(partial).add(result).addLocal((long) wg * accBytes);
        queue.launch(sumFinal, new long[] {wg}, new long[] {wg});
        ByteBuffer out = MemoryUtil.memAlloc(accBytes).order(ByteOrder.nativeOrder());
        try {
            queue.read(result, 0, out);
            return fp64 ? out.getDouble(0) : out.getFloat(0);
        } finally {
            MemoryUtil.memFree(out);
        }
    }

    /** The scratch buffer, at least {@code bytes} long. Earlier users are done with it: the queue is in order. */
    private DeviceBuffer scratch(long bytes) {
        if (scratch == null || scratch.bytes() < bytes) {
            if (scratch != null) {
                scratch.close(); // freed by OpenCL once queued kernels that use it have finished
                scratch = null;
            }
            scratch = context.createBuffer(Math.max(bytes, 1 << 16));
        }
        return scratch;
    }

    // ---- optimizers ----

    @Override
    public void sgdUpdate(Tensor param, Tensor grad, Tensor velocity, float lr, float momentum, boolean nesterov) {
        enter();
        Checks.sameShape("sgdUpdate grad", param, grad);
        DeviceBuffer P = buffer(param, "sgd param");
        DeviceBuffer G = buffer(grad, "sgd grad");
        int count = (int) param.size();
        if (momentum == 0f) {
            sgd.args().add(count).add(lr).add(P).add(G);
            queue.launch1d(sgd, count, tuning.elementWg());
            return;
        }
        Checks.sameShape("sgdUpdate velocity", param, velocity);
        DeviceBuffer V = buffer(velocity, "sgd velocity");
        sgdMomentum.args().add(count).add(lr).add(momentum).add(nesterov ? 1 : 0).add(P).add(G).add(V);
        queue.launch1d(sgdMomentum, count, tuning.elementWg());
    }

    @Override
    public void adamUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                           float eps, float weightDecay, long step) {
        enter();
        Checks.sameShape("adamUpdate grad", param, grad);
        Checks.sameShape("adamUpdate m", param, m);
        Checks.sameShape("adamUpdate v", param, v);
        if (step < 1) {
            throw new IllegalArgumentException("adam step must be >= 1, got " + step);
        }
        DeviceBuffer P = buffer(param, "adam param");
        DeviceBuffer G = buffer(grad, "adam grad");
        DeviceBuffer M = buffer(m, "adam m");
        DeviceBuffer V = buffer(v, "adam v");
        double c1 = 1.0 - Math.pow(beta1, step);
        double c2 = 1.0 - Math.pow(beta2, step);
        int count = (int) param.size();
        adam.args().add(count).add(lr).add(beta1).add(beta2).add(eps).add(weightDecay).addAcc(c1, fp64)
                .addAcc(c2, fp64).add(P).add(G).add(M).add(V);
        queue.launch1d(adam, count, tuning.elementWg());
    }

    @Override
    public void synchronize() {
        enter();
        queue.finish();
    }

    /**
     * Waits for queued work, then releases every tensor still open, the scratch buffers, kernels, programs, queue
     * and context, in reverse order of creation. Never throws; closing twice is harmless.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (queue != null) {
            try {
                queue.finish();
            } catch (RuntimeException e) {
                // the device may be gone; release what we can
            }
        }
        List<OpenClTensor> open;
        synchronized (live) {
            open = new ArrayList<>(live);
        }
        for (int i = open.size() - 1; i >= 0; i--) {
            quietly(open.get(i)::close);
        }
        quietly(() -> {
            if (scratch != null) {
                scratch.close();
            }
        });
        quietly(() -> {
            if (status != null) {
                status.close();
            }
        });
        quietly(() -> {
            if (result != null) {
                result.close();
            }
        });
        for (int i = created.size() - 1; i >= 0; i--) {
            AutoCloseable h = created.get(i);
            quietly(h::close);
        }
        created.clear();
    }

    private static void quietly(ThrowingRunnable r) {
        try {
            r.run();
        } catch (Exception | LinkageError e) {
            // close() never throws: a handle that cannot be released is lost with the process
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Override
    public String toString() {
        return "OpenClBackend[" + device.id() + ": " + deviceName + "]";
    }
}
