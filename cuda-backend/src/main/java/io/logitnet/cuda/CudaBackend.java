package io.logitnet.cuda;

import io.logitnet.backend.Activation;
import io.logitnet.backend.Backend;
import io.logitnet.backend.Checks;
import io.logitnet.backend.Loss;
import io.logitnet.backend.Precision;
import io.logitnet.backend.Tensor;
import jcuda.Pointer;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasMath;
import jcuda.jcublas.cublasOperation;
import jcuda.runtime.cudaStream_t;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The CUDA backend: JCuda's driver API for the device's primary context, one stream, memory and the launches of
 * LogitNet's own kernels (logitnet.fatbin, compiled from kernels/src/main/cuda at build time), and cuBLAS (JCublas2)
 * for matrix products. Every operation computes what {@link io.logitnet.cpu.CpuBackend} computes, in the same
 * numerically stable form; every status code is checked by {@link Cu} or {@link Cublas}.
 *
 * <p>Work is queued on the backend's stream in call order and runs asynchronously; {@link #download}, {@link #dot},
 * {@link #norm2} and {@link #synchronize} wait for it. Device memory comes from a caching allocator (freed blocks are
 * reused by size; on out-of-memory the cache is emptied and the allocation retried, then a
 * {@link io.logitnet.DeviceOutOfMemoryException} is thrown and the backend stays usable). Uploads and downloads go
 * through a pinned host buffer.
 *
 * <p>Precision: FP32 by default (cuBLAS default math, no TF32); TF32 tensor-core products on compute capability 8.0
 * and newer when asked with {@link #setPrecision}. The choice is logged when it is made.
 *
 * <p>Threads: a backend has one owner at a time. Any thread may call it, and the context is made current on the
 * calling thread at the start of every call, but calls must not overlap: a call made while another thread is inside
 * one fails with {@link IllegalStateException} rather than racing on the stream. Closing a tensor waits instead.
 */
@SuppressWarnings("try") // try (Call c = enter()) scopes the owner lock; c itself is not used in the body
public final class CudaBackend implements Backend {
    private static final System.Logger LOG = System.getLogger(CudaBackend.class.getName());
    private static final int BLOCK = 256;
    private static final int MAX_GRID = 1 << 16;
    private static final long STAGING_BYTES = 4L << 20;
    private static final int NO_BAD_ROW = Integer.MAX_VALUE;
    /** Every kernel of logitnet.cu this backend launches (a test checks the compiled images export them all). */
    static final List<String> KERNEL_NAMES = List.of("add_row_vector", "activation_forward", "activation_backward",
            "softmax_rows", "loss_forward_backward", "column_sums_partial", "column_sums_finish", "dot_partial",
            "sum_partials", "axpy", "scale", "sgd_update", "adam_update");

    /** Closes the current call: releases the owner lock. */
    private interface Call extends AutoCloseable {
        @Override
        void close();
    }

    private final int ordinal;
    private final String deviceName;
    private final int ccMajor;
    private final ReentrantLock lock = new ReentrantLock();
    private final Call call = lock::unlock;
    private final Set<CUdeviceptr> live = Collections.newSetFromMap(new IdentityHashMap<>());

    private final Context context;
    private final Stream stream;
    private final Module module;
    private final cublasHandle cublas;
    private final CachingAllocator<CUdeviceptr> allocator;
    private PinnedBuffer staging;
    private PinnedBuffer scalars;

    private final Kernel addRowVector;
    private final Kernel activationForward;
    private final Kernel activationBackward;
    private final Kernel softmaxRows;
    private final Kernel lossForwardBackward;
    private final Kernel columnSumsPartial;
    private final Kernel columnSumsFinish;
    private final Kernel dotPartial;
    private final Kernel sumPartials;
    private final Kernel axpy;
    private final Kernel scale;
    private final Kernel sgdUpdate;
    private final Kernel adamUpdate;

    private Precision precision = Precision.FP32;
    private volatile boolean closed;

    /**
     * Opens device {@code ordinal}; the driver and cuBLAS natives must already be loaded and cuInit done
     * ({@link CudaBackendProvider#create}).
     */
    CudaBackend(int ordinal, int driverVersion) {
        this.ordinal = ordinal;
        CUdevice device = new CUdevice();
        Cu.check(JCudaDriver.cuDeviceGet(device, ordinal), "cuDeviceGet(" + ordinal + ")");
        String name = deviceName(device);
        int[] major = {0};
        int[] minor = {0};
        Cu.check(JCudaDriver.cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                device), "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MAJOR)");
        Cu.check(JCudaDriver.cuDeviceGetAttribute(minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                device), "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MINOR)");
        this.ccMajor = major[0];
        String driver = Prerequisites.versionText(driverVersion);
        this.deviceName = name + " (cuda:" + ordinal + ", compute capability " + major[0] + "." + minor[0]
                + "), CUDA driver " + driver;

        List<AutoCloseable> opened = new ArrayList<>();
        try {
            context = new Context(device);
            opened.add(context);
            context.makeCurrent();
            stream = new Stream();
            opened.add(stream);
            module = new Module(deviceName, driver);
            opened.add(module);
            addRowVector = kernel("add_row_vector");
            activationForward = kernel("activation_forward");
            activationBackward = kernel("activation_backward");
            softmaxRows = kernel("softmax_rows");
            lossForwardBackward = kernel("loss_forward_backward");
            columnSumsPartial = kernel("column_sums_partial");
            columnSumsFinish = kernel("column_sums_finish");
            dotPartial = kernel("dot_partial");
            sumPartials = kernel("sum_partials");
            axpy = kernel("axpy");
            scale = kernel("scale");
            sgdUpdate = kernel("sgd_update");
            adamUpdate = kernel("adam_update");
            cublasHandle h = new cublasHandle();
            Cublas.check(JCublas2.cublasCreate(h), "cublasCreate");
            cublas = h;
            opened.add(() -> JCublas2.cublasDestroy(h));
            Cublas.check(JCublas2.cublasSetStream(h, new cudaStream_t(stream.handle())), "cublasSetStream");
            Cublas.check(JCublas2.cublasSetMathMode(h, cublasMath.CUBLAS_DEFAULT_MATH),
                    "cublasSetMathMode(CUBLAS_DEFAULT_MATH)");
            allocator = new CachingAllocator<>(new DeviceMemory(), deviceName);
        } catch (RuntimeException | Error e) {
            for (int i = opened.size() - 1; i >= 0; i--) {
                try {
                    opened.get(i).close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        LOG.log(Level.INFO, "cuda:" + ordinal + " " + name + ": matrix products in FP32 (strict: cuBLAS default "
                + "math, no TF32)" + (ccMajor >= 8 ? "; setPrecision(TF32) enables TF32 tensor cores" : ""));
    }

    private Kernel kernel(String name) {
        if (!KERNEL_NAMES.contains(name)) {
            throw new IllegalStateException("kernel " + name + " is missing from KERNEL_NAMES");
        }
        return module.kernel(name);
    }

    private static String deviceName(CUdevice device) {
        byte[] buf = new byte[256];
        Cu.check(JCudaDriver.cuDeviceGetName(buf, buf.length, device), "cuDeviceGetName");
        int len = 0;
        while (len < buf.length && buf[len] != 0) {
            len++;
        }
        return new String(buf, 0, len, StandardCharsets.UTF_8);
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String deviceName() {
        return deviceName;
    }

    /** The device ordinal ({@code cuda:N}). */
    public int ordinal() {
        return ordinal;
    }

    @Override
    public Set<Precision> supportedPrecisions() {
        return ccMajor >= 8 ? EnumSet.of(Precision.FP32, Precision.TF32) : EnumSet.of(Precision.FP32);
    }

    @Override
    public Precision precision() {
        return precision;
    }

    @Override
    public void setPrecision(Precision p) {
        if (!supportedPrecisions().contains(p)) {
            throw new IllegalArgumentException("the cuda backend on " + deviceName + " supports "
                    + supportedPrecisions() + ", not " + p + (p == Precision.TF32
                    ? " (TF32 needs compute capability 8.0 or newer)" : ""));
        }
        try (Call c = enter()) {
            if (p == precision) {
                return;
            }
            int mode = p == Precision.TF32 ? cublasMath.CUBLAS_TF32_TENSOR_OP_MATH : cublasMath.CUBLAS_DEFAULT_MATH;
            Cublas.check(JCublas2.cublasSetMathMode(cublas, mode), "cublasSetMathMode(" + cublasMath.stringFor(mode)
                    + ")");
            precision = p;
            LOG.log(Level.INFO, "cuda:" + ordinal + ": matrix products now in " + p + (p == Precision.TF32
                    ? " (TF32 tensor cores: 10-bit mantissa inputs, float32 accumulation)" : " (strict, no TF32)"));
        }
    }

    // ---- memory ----

    @Override
    public Tensor allocate(int rows, int cols) {
        Checks.dims(rows, cols);
        try (Call c = enter()) {
            long n = (long) rows * cols;
            DeviceBuffer b = newBuffer(n * Float.BYTES);
            try {
                Cu.check(JCudaDriver.cuMemsetD32Async(b.ptr(), 0, n, stream.handle()), "cuMemsetD32Async");
            } catch (RuntimeException e) {
                b.close();
                throw e;
            }
            return new CudaTensor(this, rows, cols, b);
        }
    }

    @Override
    public void upload(float[] src, int srcOffset, Tensor dst) {
        CUdeviceptr d = ptr(dst, "upload destination");
        long n = dst.size();
        Checks.range(src, srcOffset, n, "upload source");
        try (Call c = enter()) {
            PinnedBuffer st = staging();
            long chunk = st.bytes() / Float.BYTES;
            for (long done = 0; done < n; done += chunk) {
                int count = (int) Math.min(chunk, n - done);
                st.buffer().asFloatBuffer().put(src, srcOffset + (int) done, count);
                Cu.check(JCudaDriver.cuMemcpyHtoDAsync(d.withByteOffset(done * Float.BYTES), st.pointer(),
                        (long) count * Float.BYTES, stream.handle()), "cuMemcpyHtoDAsync");
                stream.synchronize(); // the staging buffer is refilled by the next chunk or call
            }
        }
    }

    @Override
    public void download(Tensor src, float[] dst, int dstOffset) {
        CUdeviceptr s = ptr(src, "download source");
        long n = src.size();
        Checks.range(dst, dstOffset, n, "download destination");
        try (Call c = enter()) {
            PinnedBuffer st = staging();
            long chunk = st.bytes() / Float.BYTES;
            for (long done = 0; done < n; done += chunk) {
                int count = (int) Math.min(chunk, n - done);
                Cu.check(JCudaDriver.cuMemcpyDtoHAsync(st.pointer(), s.withByteOffset(done * Float.BYTES),
                        (long) count * Float.BYTES, stream.handle()), "cuMemcpyDtoHAsync");
                stream.synchronize();
                st.buffer().asFloatBuffer().get(dst, dstOffset + (int) done, count);
            }
        }
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        CUdeviceptr s = ptr(src, "copy source");
        CUdeviceptr d = ptr(dst, "copy destination");
        Checks.sameShape("copy", src, dst);
        if (src == dst) {
            return;
        }
        try (Call c = enter()) {
            Cu.check(JCudaDriver.cuMemcpyDtoDAsync(d, s, src.size() * Float.BYTES, stream.handle()),
                    "cuMemcpyDtoDAsync");
        }
    }

    @Override
    public void fill(Tensor x, float value) {
        CUdeviceptr p = ptr(x, "fill");
        try (Call c = enter()) {
            Cu.check(JCudaDriver.cuMemsetD32Async(p, Float.floatToRawIntBits(value), x.size(), stream.handle()),
                    "cuMemsetD32Async");
        }
    }

    // ---- dense algebra ----

    @Override
    public void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        CUdeviceptr A = ptr(a, "gemm A");
        CUdeviceptr B = ptr(b, "gemm B");
        CUdeviceptr C = ptr(c, "gemm C");
        int[] mnk = Checks.gemm(transA, transB, a, b, c);
        int m = mnk[0];
        int n = mnk[1];
        int k = mnk[2];
        try (Call call = enter()) {
            // Row-major C = op(A)·op(B) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: swap the operands, keep the flags.
            // With beta = 0 cuBLAS does not read C, so NaN in C does not propagate.
            Cublas.check(JCublas2.cublasSgemm(cublas,
                    transB ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N,
                    transA ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N,
                    n, m, k, Pointer.to(new float[] {alpha}), B, b.cols(), A, a.cols(),
                    Pointer.to(new float[] {beta}), C, n), "cublasSgemm");
        }
    }

    @Override
    public void addRowVector(Tensor x, Tensor bias) {
        CUdeviceptr X = ptr(x, "addRowVector x");
        CUdeviceptr b = ptr(bias, "addRowVector bias");
        Checks.shape("addRowVector bias", bias, 1, x.cols());
        try (Call c = enter()) {
            long n = x.size();
            addRowVector.launch(stream, grid(n), 1, BLOCK, 1, X, b, n, x.cols());
        }
    }

    @Override
    public void columnSums(Tensor x, Tensor out) {
        CUdeviceptr X = ptr(x, "columnSums x");
        CUdeviceptr O = ptr(out, "columnSums out");
        Checks.shape("columnSums out", out, 1, x.cols());
        int rows = x.rows();
        int cols = x.cols();
        // Pass 1: chunks of rows in parallel, each column's chunk summed in double; pass 2: the chunks per column.
        int rowsPerChunk = Math.max(256, (rows + 1023) / 1024);
        int chunks = (rows + rowsPerChunk - 1) / rowsPerChunk;
        try (Call c = enter(); DeviceBuffer partial = newBuffer((long) chunks * cols * Double.BYTES)) {
            columnSumsPartial.launch(stream, (cols + 31) / 32, chunks, 32, 8, X, partial.ptr(), rows, cols,
                    rowsPerChunk);
            columnSumsFinish.launch(stream, (cols + BLOCK - 1) / BLOCK, 1, BLOCK, 1, partial.ptr(), O, chunks, cols);
        } // the scratch block goes back to the cache; later work on the same stream runs after these kernels
    }

    // ---- element-wise ----

    @Override
    public void activationForward(Activation f, Tensor z, Tensor y) {
        Checks.sameShape("activationForward", z, y);
        CUdeviceptr Z = ptr(z, "activationForward z");
        CUdeviceptr Y = ptr(y, "activationForward y");
        try (Call c = enter()) {
            long n = z.size();
            activationForward.launch(stream, grid(n), 1, BLOCK, 1, f.code(), Z, Y, n);
        }
    }

    @Override
    public void activationBackward(Activation f, Tensor y, Tensor dy, Tensor dz) {
        Checks.sameShape("activationBackward dy", y, dy);
        Checks.sameShape("activationBackward dz", y, dz);
        CUdeviceptr Y = ptr(y, "activationBackward y");
        CUdeviceptr DY = ptr(dy, "activationBackward dy");
        CUdeviceptr DZ = ptr(dz, "activationBackward dz");
        try (Call c = enter()) {
            long n = y.size();
            activationBackward.launch(stream, grid(n), 1, BLOCK, 1, f.code(), Y, DY, DZ, n);
        }
    }

    @Override
    public void softmaxRows(Tensor z, Tensor y) {
        Checks.sameShape("softmaxRows", z, y);
        CUdeviceptr Z = ptr(z, "softmaxRows z");
        CUdeviceptr Y = ptr(y, "softmaxRows y");
        try (Call c = enter()) {
            softmaxRows.launch(stream, z.rows(), 1, rowBlock(z.cols()), 1, Z, Y, z.rows(), z.cols());
        }
    }

    @Override
    public void lossForwardBackward(Loss loss, Tensor logits, Tensor targets, Tensor grad, Tensor rowLoss,
                                    float gradScale) {
        Checks.loss(loss, logits, targets, grad, rowLoss);
        CUdeviceptr Z = ptr(logits, "loss logits");
        CUdeviceptr T = ptr(targets, "loss targets");
        CUdeviceptr G = grad == null ? Kernel.NULL : ptr(grad, "loss gradient");
        CUdeviceptr L = ptr(rowLoss, "row losses");
        int rows = logits.rows();
        int cols = logits.cols();
        try (Call c = enter()) {
            if (!loss.targetsAreClassIndices()) {
                lossForwardBackward.launch(stream, rows, 1, rowBlock(cols), 1, loss.code(), Z, T, G, L, gradScale,
                        rows, cols, Kernel.NULL);
                return;
            }
            // Class indices are checked on the device; the first bad row is read back (4 bytes, one sync) so that a
            // bad label fails here, as on the CPU, instead of surfacing later as a NaN loss.
            int badRow;
            try (DeviceBuffer bad = newBuffer(Integer.BYTES)) {
                Cu.check(JCudaDriver.cuMemsetD32Async(bad.ptr(), NO_BAD_ROW, 1, stream.handle()), "cuMemsetD32Async");
                lossForwardBackward.launch(stream, rows, 1, rowBlock(cols), 1, loss.code(), Z, T, G, L, gradScale,
                        rows, cols, bad.ptr());
                badRow = readInt(bad.ptr());
            }
            if (badRow != NO_BAD_ROW) {
                float t = readFloat(T.withByteOffset((long) badRow * Float.BYTES));
                throw new IllegalArgumentException("class index " + t + " in row " + badRow
                        + " is not an integer in [0, " + cols + ")");
            }
        }
    }

    @Override
    public void axpy(float alpha, Tensor x, Tensor y) {
        Checks.sameShape("axpy", x, y);
        CUdeviceptr X = ptr(x, "axpy x");
        CUdeviceptr Y = ptr(y, "axpy y");
        try (Call c = enter()) {
            long n = x.size();
            axpy.launch(stream, grid(n), 1, BLOCK, 1, alpha, X, Y, n);
        }
    }

    @Override
    public void scale(float alpha, Tensor x) {
        CUdeviceptr X = ptr(x, "scale");
        try (Call c = enter()) {
            long n = x.size();
            scale.launch(stream, grid(n), 1, BLOCK, 1, alpha, X, n);
        }
    }

    @Override
    public double dot(Tensor x, Tensor y) {
        Checks.sameShape("dot", x, y);
        CUdeviceptr X = ptr(x, "dot x");
        CUdeviceptr Y = ptr(y, "dot y");
        try (Call c = enter()) {
            return sumOfProducts(X, Y, x.size());
        }
    }

    @Override
    public double norm2(Tensor x) {
        CUdeviceptr X = ptr(x, "norm2");
        try (Call c = enter()) {
            return Math.sqrt(sumOfProducts(X, X, x.size()));
        }
    }

    /** Σ x·y accumulated in double: per-block partial sums, then one block sums them; waits for the result. */
    private double sumOfProducts(CUdeviceptr x, CUdeviceptr y, long n) {
        int blocks = Math.min(grid(n), 1024);
        try (DeviceBuffer partial = newBuffer((long) blocks * Double.BYTES);
             DeviceBuffer result = newBuffer(Double.BYTES)) {
            dotPartial.launch(stream, blocks, 1, BLOCK, 1, x, y, partial.ptr(), n);
            sumPartials.launch(stream, 1, 1, BLOCK, 1, partial.ptr(), result.ptr(), blocks);
            PinnedBuffer s = scalars();
            Cu.check(JCudaDriver.cuMemcpyDtoHAsync(s.pointer(), result.ptr(), Double.BYTES, stream.handle()),
                    "cuMemcpyDtoHAsync");
            stream.synchronize();
            return s.buffer().getDouble(0);
        }
    }

    // ---- optimizers ----

    @Override
    public void sgdUpdate(Tensor param, Tensor grad, Tensor velocity, float lr, float momentum, boolean nesterov) {
        Checks.sameShape("sgdUpdate grad", param, grad);
        CUdeviceptr P = ptr(param, "sgd param");
        CUdeviceptr G = ptr(grad, "sgd grad");
        CUdeviceptr V = Kernel.NULL;
        if (momentum != 0f) {
            Checks.sameShape("sgdUpdate velocity", param, velocity);
            V = ptr(velocity, "sgd velocity");
        }
        try (Call c = enter()) {
            long n = param.size();
            sgdUpdate.launch(stream, grid(n), 1, BLOCK, 1, P, G, V, lr, momentum, nesterov ? 1 : 0, n);
        }
    }

    @Override
    public void adamUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                           float eps, float weightDecay, long step) {
        Checks.sameShape("adamUpdate grad", param, grad);
        Checks.sameShape("adamUpdate m", param, m);
        Checks.sameShape("adamUpdate v", param, v);
        if (step < 1) {
            throw new IllegalArgumentException("adam step must be >= 1, got " + step);
        }
        CUdeviceptr P = ptr(param, "adam param");
        CUdeviceptr G = ptr(grad, "adam grad");
        CUdeviceptr M = ptr(m, "adam m");
        CUdeviceptr V = ptr(v, "adam v");
        double c1 = 1.0 - Math.pow(beta1, step);
        double c2 = 1.0 - Math.pow(beta2, step);
        try (Call c = enter()) {
            long n = param.size();
            adamUpdate.launch(stream, grid(n), 1, BLOCK, 1, P, G, M, V, lr, beta1, beta2, eps, weightDecay, c1, c2, n);
        }
    }

    @Override
    public void synchronize() {
        try (Call c = enter()) {
            stream.synchronize();
        }
    }

    // ---- lifecycle ----

    boolean isClosed() {
        return closed;
    }

    /** Frees everything this backend owns, in reverse order of creation; never throws. */
    @Override
    public void close() {
        lock.lock(); // waits for a call in progress on another thread
        try {
            if (closed) {
                return;
            }
            closed = true;
            quietly("cuCtxSetCurrent", context::makeCurrent);
            quietly("cuStreamSynchronize", stream::synchronize);
            quietly("cuMemFreeHost", () -> {
                if (scalars != null) {
                    scalars.close();
                }
                if (staging != null) {
                    staging.close();
                }
            });
            quietly("cuMemFree", () -> {
                for (CUdeviceptr p : live) {
                    int status = JCudaDriver.cuMemFree(p);
                    if (status != 0) {
                        LOG.log(Level.WARNING, "cuMemFree failed: " + Cu.name(status));
                    }
                }
                live.clear();
                allocator.close();
            });
            quietly("cublasDestroy", () -> {
                int status = JCublas2.cublasDestroy(cublas);
                if (status != 0) {
                    LOG.log(Level.WARNING, "cublasDestroy failed: " + Cublas.name(status));
                }
            });
            module.close();
            stream.close();
            context.close();
        } finally {
            lock.unlock();
        }
    }

    private static void quietly(String what, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cuda backend close: " + what + " failed", e);
        }
    }

    // ---- helpers ----

    /** Enters a call: checks the owner rule and makes the context current on this thread. */
    private Call enter() {
        if (closed) {
            throw new IllegalStateException("the cuda backend on " + deviceName + " has been closed");
        }
        if (!lock.tryLock()) {
            throw new IllegalStateException("the cuda backend on " + deviceName + " is being used by another thread: "
                    + "a backend has one owner at a time (give each thread its own backend, or hand it over between "
                    + "calls)");
        }
        try {
            if (closed) {
                throw new IllegalStateException("the cuda backend on " + deviceName + " has been closed");
            }
            context.makeCurrent();
        } catch (RuntimeException e) {
            lock.unlock();
            throw e;
        }
        return call;
    }

    private CUdeviceptr ptr(Tensor t, String what) {
        Checks.owned(this, t, what);
        return ((CudaTensor) t).buffer().ptr();
    }

    private DeviceBuffer newBuffer(long bytes) {
        CUdeviceptr p = allocator.allocate(bytes);
        live.add(p);
        return new DeviceBuffer(this, p, bytes);
    }

    /** Called by {@link DeviceBuffer#close()}: the block goes back to the cache. Never throws. */
    void releaseBlock(CUdeviceptr p, long bytes) {
        lock.lock();
        try {
            if (!closed && live.remove(p)) {
                allocator.release(p, bytes);
            }
        } finally {
            lock.unlock();
        }
    }

    private PinnedBuffer staging() {
        if (staging == null) {
            staging = new PinnedBuffer(STAGING_BYTES);
        }
        return staging;
    }

    private PinnedBuffer scalars() {
        if (scalars == null) {
            scalars = new PinnedBuffer(64);
        }
        return scalars;
    }

    private int readInt(CUdeviceptr p) {
        PinnedBuffer s = scalars();
        Cu.check(JCudaDriver.cuMemcpyDtoHAsync(s.pointer(), p, Integer.BYTES, stream.handle()), "cuMemcpyDtoHAsync");
        stream.synchronize();
        return s.buffer().getInt(0);
    }

    private float readFloat(CUdeviceptr p) {
        PinnedBuffer s = scalars();
        Cu.check(JCudaDriver.cuMemcpyDtoHAsync(s.pointer(), p, Float.BYTES, stream.handle()), "cuMemcpyDtoHAsync");
        stream.synchronize();
        return s.buffer().getFloat(0);
    }

    private static int grid(long n) {
        return (int) Math.max(1, Math.min((n + BLOCK - 1) / BLOCK, MAX_GRID));
    }

    /** Threads per row for the row kernels: a multiple of 32, at most 256. */
    private static int rowBlock(int cols) {
        return cols <= 32 ? 32 : cols <= 64 ? 64 : cols <= 128 ? 128 : 256;
    }

    /** The native side of the caching allocator; runs inside a call, with the context current. */
    private final class DeviceMemory implements CachingAllocator.Memory<CUdeviceptr> {
        @Override
        public CUdeviceptr allocate(long bytes) {
            CUdeviceptr p = new CUdeviceptr();
            int status = JCudaDriver.cuMemAlloc(p, bytes);
            if (status == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
                return null;
            }
            Cu.check(status, "cuMemAlloc(" + bytes + ")");
            return p;
        }

        @Override
        public void free(CUdeviceptr block) {
            stream.synchronize(); // no queued kernel may still use a block that is given back to the driver
            int status = JCudaDriver.cuMemFree(block);
            if (status != 0) {
                LOG.log(Level.WARNING, "cuMemFree failed: " + Cu.name(status));
            }
        }

        @Override
        public long[] info() {
            long[] free = {-1};
            long[] total = {-1};
            if (JCudaDriver.cuMemGetInfo(free, total) != CUresult.CUDA_SUCCESS) {
                return new long[] {-1, -1};
            }
            return new long[] {free[0], total[0]};
        }
    }
}
