package io.logitnet.opencl;

import io.logitnet.DeviceOutOfMemoryException;
import io.logitnet.NativeCallException;
import io.logitnet.backend.Activation;
import io.logitnet.backend.Backend;
import io.logitnet.backend.BackendGuard;
import io.logitnet.backend.Checks;
import io.logitnet.backend.DeviceInfo;
import io.logitnet.backend.DeviceMemory;
import io.logitnet.backend.Loss;
import io.logitnet.backend.MemoryModel;
import io.logitnet.backend.Precision;
import io.logitnet.backend.Tensor;
import org.lwjgl.system.MemoryUtil;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The OpenCL backend: LWJGL's OpenCL binding for context, queue and programs, and LogitNet's own kernels
 * ({@code kernels/src/main/opencl}, built for the device when the backend opens) for every operation, GEMM
 * included. Computes what {@link io.logitnet.cpu.CpuBackend} computes, with the formulas the CUDA kernels share
 * ({@code kernels/src/main/common}); reductions and element-wise transcendentals are evaluated in double where the
 * device supports it.
 *
 * <p>Same shape as {@code io.logitnet.cuda.CudaBackend}: every kernel is a constant of {@link Kernels}, launched with
 * {@code launch(kernel, grid, arguments...)} in the order of its parameters; every call runs inside
 * {@link BackendGuard#enter()}. Threads and closing follow {@link BackendGuard}: any thread may call, concurrent
 * calls run one after another on the one in-order queue; {@link #close()} waits for a call in progress, releases
 * every tensor still open, the buffers, kernels, programs, queue and context in reverse order of creation, and logs
 * what fails to release.
 */
@SuppressWarnings("try") // try (BackendGuard.Call c = guard.enter()) scopes the lock; c itself is not used in the body
public final class OpenClBackend implements Backend {
    /** Host staging chunk for uploads and downloads: ByteBuffers hold at most 2^31-1 bytes. */
    private static final int STAGING_BYTES = 1 << 26;
    private static final int NO_BAD_ROW = Integer.MAX_VALUE;

    private final ClDevice device;
    private final Tuning tuning;
    private final boolean fp64;
    private final int accBytes;
    private final String deviceName;
    private final BackendGuard guard;
    /** Programs and their kernels, queue and context in creation order; released in reverse. */
    private final List<AutoCloseable> created = new ArrayList<>();
    private final EnumMap<Kernels, Kernel> kernels = new EnumMap<>(Kernels.class);
    /** The GEMM kernels built with -DBF16_OPERANDS, on the first setPrecision(BF16). */
    private final EnumMap<Kernels, Kernel> bf16Gemm = new EnumMap<>(Kernels.class);
    private volatile Precision precision = Precision.FP32;
    /** Tensors not yet closed (guarded by itself: a tensor may be closed from any thread). */
    private final Set<OpenClTensor> live = new LinkedHashSet<>();
    private final Context context;
    private final Queue queue;

    /** Reused device memory for reduction partials; grown on demand. */
    private DeviceBuffer scratch;
    /** One acc_t: the result of dot/norm2. */
    private DeviceBuffer result;
    /** One int: the first invalid class-index row of a softmax cross-entropy call. */
    private DeviceBuffer badRow;
    /** Bytes of device buffers this instance holds (tensors and scratch), the most it has held, and its cap. */
    private final AtomicLong held = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();
    private volatile long limit = DeviceMemory.limitFromProperty();
    /** Host memory for reading back one scalar (used inside a call: the lock makes it this call's). */
    private final ByteBuffer scalar = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());

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
        this.guard = new BackendGuard("opencl:" + device.id());
        try {
            this.context = track(Context.create(device));
            this.queue = track(Queue.create(context));
            for (Kernels.Source source : Kernels.Source.values()) {
                Program program = track(buildProgram(source.programName(), source.text(), tuning.defines(source)));
                for (Kernels k : Kernels.values()) {
                    if (k.source == source) {
                        kernels.put(k, track(program.kernel(k.symbol())));
                    }
                }
            }
            this.result = createBuffer(8);
            this.badRow = createBuffer(4);
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    private <T extends AutoCloseable> T track(T handle) {
        created.add(handle);
        return handle;
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

    // ---- identity ----

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public String instanceName() {
        return guard.instanceName();
    }

    @Override
    public String deviceName() {
        return deviceName;
    }

    /** The device as the probe lists it, with this instance's launch parameters added to the details. */
    @Override
    public DeviceInfo device() {
        DeviceInfo d = device.info();
        return new DeviceInfo(d.id(), d.name(), d.memoryBytes(), d.details() + "; " + tuning
                + (fp64 ? ", fp64 accumulation" : ", fp32 accumulation"));
    }

    ClDevice clDevice() {
        return device;
    }

    /** FP32, and BF16 operands (rounded as the GEMM loads them, summed in float) on any device. */
    @Override
    public Set<Precision> supportedPrecisions() {
        return EnumSet.of(Precision.FP32, Precision.BF16);
    }

    @Override
    public Precision precision() {
        return precision;
    }

    @Override
    public void setPrecision(Precision p) {
        try (BackendGuard.Call c = guard.enter()) {
            if (!supportedPrecisions().contains(p)) {
                throw new IllegalArgumentException("the opencl backend supports " + supportedPrecisions() + ", not "
                        + p + " (TF32 is a tensor-core format of NVIDIA GPUs)");
            }
            if (p == Precision.BF16 && bf16Gemm.isEmpty()) {
                Program program = track(buildProgram("gemm (bf16 operands)", Kernels.Source.GEMM.text(),
                        tuning.defines(Kernels.Source.GEMM) + " -DBF16_OPERANDS"));
                for (Kernels k : Kernels.values()) {
                    if (k.source == Kernels.Source.GEMM) {
                        bf16Gemm.put(k, track(program.kernel(k.symbol())));
                    }
                }
            }
            precision = p;
        }
    }

    // ---- memory ----

    @Override
    public Tensor allocate(int rows, int cols) {
        try (BackendGuard.Call c = guard.enter()) {
            Checks.dims(rows, cols);
            long bytes = 4L * rows * cols;
            DeviceBuffer buf = createBuffer(bytes);
            try {
                // OpenCL allocates lazily: touch the memory now so that a shortage shows here, not in a later kernel.
                queue.fill(buf, 0, bytes);
                queue.finish();
            } catch (NativeCallException e) {
                releaseBuffer(buf);
                if (Cl.isOutOfMemory(e.code())) {
                    throw context.outOfMemory(bytes);
                }
                throw e;
            } catch (RuntimeException e) {
                releaseBuffer(buf);
                throw e;
            }
            OpenClTensor t = new OpenClTensor(this, rows, cols, buf);
            synchronized (live) {
                live.add(t);
            }
            return t;
        }
    }

    /** Releases a tensor's buffer; any thread; never throws. */
    void release(OpenClTensor t) {
        DeviceBuffer b;
        synchronized (live) {
            live.remove(t);
            b = t.detach();
        }
        if (b != null) {
            releaseBuffer(b);
        }
    }

    @Override
    public Tensor prefixRows(Tensor t, int rows) {
        try (BackendGuard.Call c = guard.enter()) {
            buffer(t, "prefixRows tensor");
            Checks.prefixRows(t, rows);
            return new OpenClTensor((OpenClTensor) t, rows); // kernels take the shape: a row-major prefix is the buffer's start
        }
    }

    /** A device buffer counted against this instance's memory and its cap. */
    private DeviceBuffer createBuffer(long bytes) {
        long now = held.addAndGet(bytes);
        if (now > limit) {
            held.addAndGet(-bytes);
            throw new DeviceOutOfMemoryException(instanceName() + " (capped at " + DeviceMemory.format(limit) + ")",
                    bytes, Math.max(0, limit - (now - bytes)), Math.min(limit, device.globalMemBytes()));
        }
        try {
            DeviceBuffer b = context.createBuffer(bytes);
            peak.accumulateAndGet(now, Math::max);
            return b;
        } catch (RuntimeException e) {
            held.addAndGet(-bytes);
            throw e;
        }
    }

    /** Releases a buffer made by {@link #createBuffer}; never throws. */
    private void releaseBuffer(DeviceBuffer b) {
        if (!b.isReleased()) {
            held.addAndGet(-b.bytes());
            b.close();
        }
    }

    /**
     * The device's global memory ({@code CL_DEVICE_GLOBAL_MEM_SIZE}) less what this instance holds: OpenCL cannot say
     * what other programs hold. The largest allocation is {@code CL_DEVICE_MAX_MEM_ALLOC_SIZE}; both within the cap.
     */
    @Override
    public DeviceMemory memory() {
        long l = limit;
        long total = Math.min(device.globalMemBytes(), l);
        long h = held.get();
        return new DeviceMemory(Math.max(0, total - h), total, Math.min(device.maxAllocBytes(), total), h, peak.get(),
                l, "CL_DEVICE_GLOBAL_MEM_SIZE less what " + instanceName() + " holds"
                + (l == DeviceMemory.NO_LIMIT ? "" : ", capped at " + DeviceMemory.format(l)));
    }

    /**
     * Buffers of exactly four bytes per element; the reduction scratch, one buffer kept and grown to the largest
     * need (at least 64 KiB); the dot product's result and the bad-row flag.
     */
    @Override
    public MemoryModel memoryModel() {
        return new MemoryModel() {
            @Override
            public long columnSumsScratchBytes(long rows, long cols) {
                long chunks = ceilDiv(rows, columnSumsRowsPerChunk(rows));
                return Math.max(chunks * cols * accBytes, 1 << 16);
            }

            @Override
            public long dotScratchBytes(long n) {
                long groups = Math.max(1, Math.min(tuning.dotGroups(), ceilDiv(n, tuning.reduceWg())));
                return Math.max(groups * accBytes, 1 << 16);
            }

            @Override
            public long fixedBytes() {
                return 8 + 4;
            }
        };
    }

    @Override
    public void setMemoryLimit(long bytes) {
        try (BackendGuard.Call c = guard.enter()) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("memory limit must be positive, got " + bytes);
            }
            limit = bytes;
        }
    }

    @Override
    public void upload(float[] src, int srcOffset, Tensor dst) {
        try (BackendGuard.Call c = guard.enter()) {
            DeviceBuffer d = buffer(dst, "upload destination");
            Checks.range(src, srcOffset, dst.size(), "upload source");
            staged(dst.size(), (staging, done, n) -> {
                staging.asFloatBuffer().put(src, (int) (srcOffset + done), n);
                queue.write(d, 4 * done, staging);
            });
        }
    }

    @Override
    public void download(Tensor src, float[] dst, int dstOffset) {
        try (BackendGuard.Call c = guard.enter()) {
            DeviceBuffer s = buffer(src, "download source");
            Checks.range(dst, dstOffset, src.size(), "download destination");
            staged(src.size(), (staging, done, n) -> {
                queue.read(s, 4 * done, staging);
                staging.asFloatBuffer().get(dst, (int) (dstOffset + done), n);
            });
        }
    }

    /** One chunk of a transfer: {@code n} floats from float {@code done}, through {@code staging} (4·n bytes). */
    @FunctionalInterface
    private interface Chunk {
        void move(ByteBuffer staging, long done, int n);
    }

    /** Moves {@code count} floats in chunks through host memory: ByteBuffers hold at most 2^31-1 bytes. */
    private static void staged(long count, Chunk chunk) {
        ByteBuffer staging = MemoryUtil.memAlloc((int) Math.min(4L * count, STAGING_BYTES))
                .order(ByteOrder.nativeOrder());
        try {
            for (long done = 0; done < count; ) {
                int n = (int) Math.min(count - done, STAGING_BYTES / 4);
                staging.clear().limit(4 * n);
                chunk.move(staging, done, n);
                done += n;
            }
        } finally {
            MemoryUtil.memFree(staging);
        }
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        try (BackendGuard.Call c = guard.enter()) {
            DeviceBuffer s = buffer(src, "copy source");
            DeviceBuffer d = buffer(dst, "copy destination");
            Checks.copy(src, dst);
            if (s != d) { // clEnqueueCopyBuffer rejects a buffer copied onto itself (CL_MEM_COPY_OVERLAP)
                queue.copy(s, d, 4 * src.size());
            }
        }
    }

    @Override
    public void fill(Tensor x, float value) {
        try (BackendGuard.Call c = guard.enter()) {
            DeviceBuffer b = buffer(x, "fill");
            queue.fill(b, Float.floatToRawIntBits(value), 4 * x.size());
        }
    }

    // ---- dense algebra ----

    @Override
    public void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        try (BackendGuard.Call call = guard.enter()) {
            DeviceBuffer A = buffer(a, "gemm A");
            DeviceBuffer B = buffer(b, "gemm B");
            DeviceBuffer C = buffer(c, "gemm C");
            int[] mnk = Checks.gemm(transA, transB, a, b, c);
            int m = mnk[0];
            int n = mnk[1];
            int k = mnk[2];
            Kernels kernel = transA ? (transB ? Kernels.GEMM_TT : Kernels.GEMM_TN)
                    : (transB ? Kernels.GEMM_NT : Kernels.GEMM_NN);
            Grid grid = new Grid(ceilDiv(n, tuning.tsn()), ceilDiv(m, tuning.tsm()), tuning.gemmLocalCols(),
                    tuning.gemmLocalRows());
            (precision == Precision.BF16 ? bf16Gemm : kernels).get(kernel).launch(queue, grid, m, n, k, alpha, beta,
                    A, B, C);
        }
    }

    @Override
    public void addRowVector(Tensor x, Tensor bias) {
        try (BackendGuard.Call c = guard.enter()) {
            DeviceBuffer X = buffer(x, "addRowVector x");
            DeviceBuffer B = buffer(bias, "addRowVector bias");
            Checks.addRowVector(x, bias);
            long n = x.size();
            launch(Kernels.ADD_ROW_VECTOR, elements(n), X, B, n, x.cols());
        }
    }

    /** One kernel: y = f(z + bias), the sum rounded to float first, as addRowVector then activationForward. */
    @Override
    public void biasActivation(Activation f, Tensor z, Tensor bias, Tensor y) {
        try (BackendGuard.Call c = guard.enter()) {
            DeviceBuffer Z = buffer(z, "biasActivation z");
            DeviceBuffer B = buffer(bias, "biasActivation bias");
            DeviceBuffer Y = buffer(y, "biasActivation y");
            Checks.biasActivation(z, bias, y);
            long n = z.size();
            launch(Kernels.BIAS_ACTIVATION, elements(n), f.code(), Z, B, Y, n, z.cols());
        }
    }

    @Override
    public void columnSums(Tensor x, Tensor out) {
        try (BackendGuard.Call c = guard.enter()) {
            DeviceBuffer X = buffer(x, "columnSums x");
            DeviceBuffer O = buffer(out, "columnSums out");
            Checks.columnSums(x, out);
            int rows = x.rows();
            int cols = x.cols();
            // Stage one: chunks of rows, each reduced in local memory per column; stage two adds the chunks.
            long rowsPerChunk = columnSumsRowsPerChunk(rows);
            long chunks = ceilDiv(rows, rowsPerChunk);
            DeviceBuffer partial = scratch(chunks * cols * accBytes);
            launch(Kernels.COLUMN_SUMS_PARTIAL, new Grid(ceilDiv(cols, tuning.csTx()), chunks, tuning.csTx(),
                    tuning.csTy()), X, partial, rows, cols, (int) rowsPerChunk);
            launch(Kernels.COLUMN_SUMS_FINISH, Grid.elements(cols, Math.min(tuning.elementWg(), 64)), partial, O,
                    (int) chunks, cols);
        }
    }

    /**
     * Rows per chunk of the column sums' first pass (at most 64 chunks of at least 8 work-group rows): shared by
     * columnSums, the fused activationBackwardColumnSums, whose bits must equal it, and the memory model.
     */
    private long columnSumsRowsPerChunk(long rows) {
        return ceilDiv(rows, Math.max(1, Math.min(64, ceilDiv(rows, 8L * tuning.csTy()))));
    }

    /**
     * One pass over dz instead of two: activationBackward's floats, stored and summed per column by the chunks and
     * the tile reduction of {@link #columnSums} (the bits of activationBackward then columnSums).
     */
    @Override
    public void activationBackwardColumnSums(Activation f, Tensor y, Tensor dy, Tensor dz, Tensor sums) {
        try (BackendGuard.Call c = guard.enter()) {
            DeviceBuffer Y = buffer(y, "activationBackwardColumnSums y");
            DeviceBuffer DY = buffer(dy, "activationBackwardColumnSums dy");
            DeviceBuffer DZ = buffer(dz, "activationBackwardColumnSums dz");
            DeviceBuffer S = buffer(sums, "activationBackwardColumnSums sums");
            Checks.activationBackward(y, dy, dz);
            Checks.columnSums(y, sums);
            int rows = y.rows();
            int cols = y.cols();
            long rowsPerChunk = columnSumsRowsPerChunk(rows);
            long chunks = ceilDiv(rows, rowsPerChunk);
            DeviceBuffer partial = scratch(chunks * cols * accBytes);
            launch(Kernels.ACTIVATION_BACKWARD_COLUMN_SUMS_PARTIAL, new Grid(ceilDiv(cols, tuning.csTx()), chunks,
                    tuning.csTx(), tuning.csTy()), f.code(), Y, DY, DZ, partial, rows, cols, (int) rowsPerChunk);
            launch(Kernels.COLUMN_SUMS_FINISH, Grid.elements(cols, Math.min(tuning.elementWg(), 64)), partial, S,
                    (int) chunks, cols);
        }
    }

    // ---- element-wise ----

    @Override
    public void activationForward(Activation f, Tensor z, Tensor y) {
        try (BackendGuard.Call c = guard.enter()) {
            DeviceBuffer Z = buffer(z, "activationForward z");
            DeviceBuffer Y = buffer(y, "activationForward y");
            Checks.activationForward(z, y);
            long n = z.size();
            launch(Kernels.ACTIVATION_FORWARD, elements(n), f.code(), Z, Y, n);
        }
    }

    @Override
    public void activationBackward(Activation f, Tensor y, Tensor dy, Tensor dz) {
        try (BackendGuard.Call c = guard.enter()) {
            DeviceBuffer Y = buffer(y, "activationBackward y");
            DeviceBuffer DY = buffer(dy, "activationBackward dy");
            DeviceBuffer DZ = buffer(dz, "activationBackward dz");
            Checks.activationBackward(y, dy, dz);
            long n = y.size();
            launch(Kernels.ACTIVATION_BACKWARD, elements(n), f.code(), Y, DY, DZ, n);
        }
    }

    @Override
    public void softmaxRows(Tensor z, Tensor y) {
        try (BackendGuard.Call c = guard.enter()) {
            DeviceBuffer Z = buffer(z, "softmaxRows z");
            DeviceBuffer Y = buffer(y, "softmaxRows y");
            Checks.softmaxRows(z, y);
            launch(Kernels.SOFTMAX_ROWS, rows(z), Z, Y, z.rows(), z.cols());
        }
    }

    @Override
    public void lossForwardBackward(Loss loss, Tensor logits, Tensor targets, Tensor grad, Tensor rowLoss,
                                    float gradScale) {
        try (BackendGuard.Call c = guard.enter()) {
            DeviceBuffer Z = buffer(logits, "loss logits");
            DeviceBuffer T = buffer(targets, "loss targets");
            DeviceBuffer G = grad == null ? null : buffer(grad, "loss gradient");
            DeviceBuffer L = buffer(rowLoss, "row losses");
            Checks.loss(loss, logits, targets, grad, rowLoss);
            int rows = logits.rows();
            int cols = logits.cols();
            if (!loss.targetsAreClassIndices()) {
                launch(Kernels.LOSS_ROWS, rows(logits), loss.code(), Z, T, G, L, gradScale, rows, cols);
                return;
            }
            // Class indices are checked on the device; the first bad row is read back (4 bytes, one wait) so that
            // a bad label fails here, as on the CPU, instead of surfacing later as a NaN loss.
            queue.fill(badRow, NO_BAD_ROW, 4);
            launch(Kernels.SOFTMAX_CROSS_ENTROPY_ROWS, rows(logits), Z, T, G, L, gradScale, rows, cols, badRow);
            int bad = read(badRow, 0, Integer.BYTES).getInt(0);
            if (bad != NO_BAD_ROW) {
                throw new IllegalArgumentException("class index " + read(T, 4L * bad, Float.BYTES).getFloat(0)
                        + " in row " + bad + " is not an integer in [0, " + cols + ")");
            }
        }
    }

    @Override
    public void axpy(float alpha, Tensor x, Tensor y) {
        try (BackendGuard.Call c = guard.enter()) {
            DeviceBuffer X = buffer(x, "axpy x");
            DeviceBuffer Y = buffer(y, "axpy y");
            Checks.axpy(x, y);
            long n = x.size();
            launch(Kernels.AXPY, elements(n), alpha, X, Y, n);
        }
    }

    @Override
    public void scale(float alpha, Tensor x) {
        try (BackendGuard.Call c = guard.enter()) {
            DeviceBuffer X = buffer(x, "scale");
            long n = x.size();
            launch(Kernels.SCALE, elements(n), alpha, X, n);
        }
    }

    @Override
    public double dot(Tensor x, Tensor y) {
        try (BackendGuard.Call c = guard.enter()) {
            DeviceBuffer X = buffer(x, "dot x");
            DeviceBuffer Y = buffer(y, "dot y");
            Checks.dot(x, y);
            return sumOfProducts(X, Y, x.size());
        }
    }

    @Override
    public double norm2(Tensor x) {
        try (BackendGuard.Call c = guard.enter()) {
            DeviceBuffer X = buffer(x, "norm2");
            return Math.sqrt(sumOfProducts(X, X, x.size()));
        }
    }

    /** Σ x·y in two stages (partials per work-group, then one work-group), read back as a double. */
    private double sumOfProducts(DeviceBuffer x, DeviceBuffer y, long n) {
        int wg = tuning.reduceWg();
        long groups = Math.max(1, Math.min(tuning.dotGroups(), ceilDiv(n, wg)));
        DeviceBuffer partial = scratch(groups * accBytes);
        launch(Kernels.DOT_PARTIAL, Grid.rows(groups, wg), x, y, partial, n);
        launch(Kernels.SUM_PARTIALS, Grid.rows(1, wg), partial, result, (int) groups);
        ByteBuffer out = read(result, 0, accBytes);
        return fp64 ? out.getDouble(0) : out.getFloat(0);
    }

    // ---- optimizers ----

    @Override
    public void sgdUpdate(Tensor param, Tensor grad, Tensor velocity, float lr, float momentum, boolean nesterov) {
        try (BackendGuard.Call c = guard.enter()) {
            DeviceBuffer P = buffer(param, "sgd param");
            DeviceBuffer G = buffer(grad, "sgd grad");
            Checks.sgdUpdate(param, grad, velocity, momentum);
            DeviceBuffer V = momentum == 0f ? null : buffer(velocity, "sgd velocity");
            long n = param.size();
            launch(Kernels.SGD_UPDATE, elements(n), P, G, V, lr, momentum, nesterov ? 1 : 0, n);
        }
    }

    @Override
    public void adamUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                           float eps, float weightDecay, long step) {
        try (BackendGuard.Call c = guard.enter()) {
            DeviceBuffer P = buffer(param, "adam param");
            DeviceBuffer G = buffer(grad, "adam grad");
            DeviceBuffer M = buffer(m, "adam m");
            DeviceBuffer V = buffer(v, "adam v");
            Checks.adamUpdate(param, grad, m, v, step);
            double c1 = 1.0 - Math.pow(beta1, step);
            double c2 = 1.0 - Math.pow(beta2, step);
            long n = param.size();
            launch(Kernels.ADAM_UPDATE, elements(n), P, G, M, V, lr, beta1, beta2, eps, weightDecay, acc(c1), acc(c2),
                    n);
        }
    }

    @Override
    public void synchronize() {
        try (BackendGuard.Call c = guard.enter()) {
            queue.finish();
        }
    }

    /**
     * Waits for a call in progress and for queued work, then releases every tensor still open, the scratch
     * buffers, kernels, programs, queue and context, in reverse order of creation. Never throws; a release that
     * fails is logged; closing twice is harmless.
     */
    @Override
    public void close() {
        guard.close(() -> {
            if (queue != null) {
                guard.quietly("clFinish", queue::finish);
            }
            List<OpenClTensor> open;
            synchronized (live) {
                open = new ArrayList<>(live);
            }
            for (int i = open.size() - 1; i >= 0; i--) {
                guard.quietly("releasing " + open.get(i), open.get(i)::close);
            }
            for (DeviceBuffer b : new DeviceBuffer[] {scratch, badRow, result}) {
                if (b != null) {
                    guard.quietly("releasing a scratch buffer", () -> releaseBuffer(b));
                }
            }
            for (int i = created.size() - 1; i >= 0; i--) {
                guard.quietly("releasing " + created.get(i).getClass().getSimpleName(), created.get(i)::close);
            }
            created.clear();
            kernels.clear();
            bf16Gemm.clear();
        });
    }

    @Override
    public String toString() {
        return "OpenClBackend[" + guard + ": " + deviceName + "]";
    }

    // ---- helpers ----

    private DeviceBuffer buffer(Tensor t, String what) {
        Checks.owned(this, t, what);
        return ((OpenClTensor) t).buffer();
    }

    /** Launches one of the kernels with its arguments in parameter order (see {@link Kernel#launch}). */
    private void launch(Kernels kernel, Grid grid, Object... args) {
        kernels.get(kernel).launch(queue, grid, args);
    }

    /** One work-item per element of n. */
    private Grid elements(long n) {
        return Grid.elements(n, tuning.elementWg());
    }

    /** One work-group per row of t, a power of two no wider than the row needs. */
    private Grid rows(Tensor t) {
        int wg = 1;
        while (wg < t.cols() && wg < tuning.reduceWg()) {
            wg *= 2;
        }
        return Grid.rows(t.rows(), wg);
    }

    /** An {@code acc_t} argument: double where the programs were built with fp64, float otherwise. */
    private Object acc(double v) {
        return fp64 ? (Object) v : (Object) (float) v;
    }

    private static long ceilDiv(long n, long d) {
        return (n + d - 1) / d;
    }

    /** The scratch buffer, at least {@code bytes} long. Earlier users are done with it: the queue is in order. */
    private DeviceBuffer scratch(long bytes) {
        if (scratch == null || scratch.bytes() < bytes) {
            if (scratch != null) {
                releaseBuffer(scratch); // freed by OpenCL once queued kernels that use it have finished
                scratch = null;
            }
            scratch = createBuffer(Math.max(bytes, 1 << 16));
        }
        return scratch;
    }

    /** {@code bytes} (at most 8) of a buffer from {@code offset}, waiting for the queued work. */
    private ByteBuffer read(DeviceBuffer b, long offset, int bytes) {
        scalar.clear().limit(bytes);
        queue.read(b, offset, scalar);
        return scalar;
    }
}
