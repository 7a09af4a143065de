package io.logitnet.cuda;

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
import jcuda.Pointer;
import jcuda.cudaDataType;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasComputeType;
import jcuda.jcublas.cublasGemmAlgo;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasMath;
import jcuda.jcublas.cublasOperation;
import jcuda.runtime.cudaStream_t;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * The CUDA backend: JCuda's driver API for the device's primary context, one stream, memory and the launches of
 * LogitNet's own kernels (logitnet.fatbin, compiled from kernels/src/main/cuda at build time, with the formulas the
 * OpenCL kernels share), and cuBLAS (JCublas2) for matrix products. Every operation computes what
 * {@link io.logitnet.cpu.CpuBackend} computes, in the same numerically stable form; every status code is checked by
 * {@link Cu} or {@link Cublas}.
 *
 * <p>Same shape as {@code io.logitnet.opencl.OpenClBackend}: every kernel is a constant of {@link Kernels}, launched
 * with {@code launch(kernel, grid, arguments...)} in the order of its parameters; every call runs inside
 * {@link BackendGuard#enter()}, which here also makes the context current on the calling thread. Threads and closing
 * follow {@link BackendGuard}: any thread may call, concurrent calls run one after another on the one stream;
 * {@link #close()} waits for a call in progress, frees every block still allocated and destroys the cuBLAS handle,
 * module and stream, and logs what fails to release. The device's primary context stays retained for the life of the
 * process ({@link Context}), so closing one backend never resets it under another.
 *
 * <p>Work is queued on the stream in call order and runs asynchronously; {@link #download}, {@link #dot},
 * {@link #norm2} and {@link #synchronize} wait for it. Device memory comes from a caching allocator (freed blocks are
 * reused by size; on out-of-memory the cache is emptied and the allocation retried, then a
 * {@link io.logitnet.DeviceOutOfMemoryException} is thrown and the backend stays usable). Uploads and downloads go
 * through a pinned host buffer.
 *
 * <p>Precision: FP32 by default (cuBLAS default math, no TF32); TF32 tensor-core products on compute capability 8.0
 * and newer when asked with {@link #setPrecision}. The choice is logged when it is made.
 */
@SuppressWarnings("try") // try (BackendGuard.Call c = enter()) scopes the lock; c itself is not used in the body
public final class CudaBackend implements Backend {
    private static final System.Logger LOG = System.getLogger(CudaBackend.class.getName());
    private static final int BLOCK = 256;
    private static final int MAX_GRID = 1 << 16;
    private static final long STAGING_BYTES = 4L << 20;
    private static final int NO_BAD_ROW = Integer.MAX_VALUE;

    private final int ordinal;
    private final String deviceName;
    private final DeviceInfo deviceInfo;
    private final int ccMajor;
    private final BackendGuard guard;
    private final Set<CUdeviceptr> live = Collections.newSetFromMap(new IdentityHashMap<>());

    private final Context context;
    private final Stream stream;
    private final Module module;
    private final EnumMap<Kernels, Kernel> kernels;
    private final cublasHandle cublas;
    private final CachingAllocator<CUdeviceptr> allocator;
    private PinnedBuffer staging;
    private PinnedBuffer scalars;

    private Precision precision = Precision.FP32;

    /**
     * Opens device {@code ordinal}; the driver and cuBLAS natives must already be loaded and cuInit done
     * ({@link CudaBackendProvider#create}).
     *
     * @param device the device as the provider describes it
     */
    CudaBackend(int ordinal, int driverVersion, DeviceInfo device) {
        this.ordinal = ordinal;
        this.deviceInfo = device;
        this.guard = new BackendGuard("cuda:" + ordinal);
        CUdevice dev = new CUdevice();
        Cu.check(JCudaDriver.cuDeviceGet(dev, ordinal), "cuDeviceGet(" + ordinal + ")");
        String name = deviceName(dev);
        int[] major = {0};
        int[] minor = {0};
        Cu.check(JCudaDriver.cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                dev), "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MAJOR)");
        Cu.check(JCudaDriver.cuDeviceGetAttribute(minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                dev), "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MINOR)");
        this.ccMajor = major[0];
        String driver = Prerequisites.versionText(driverVersion);
        this.deviceName = name + " (cuda:" + ordinal + ", compute capability " + major[0] + "." + minor[0]
                + "), CUDA driver " + driver;

        List<AutoCloseable> opened = new ArrayList<>();
        try {
            context = Context.primary(ordinal, dev);
            context.makeCurrent();
            stream = new Stream();
            opened.add(stream);
            module = new Module(deviceName, driver);
            opened.add(module);
            kernels = module.kernels();
            cublasHandle h = new cublasHandle();
            Cublas.check(JCublas2.cublasCreate(h), "cublasCreate");
            cublas = h;
            opened.add(() -> JCublas2.cublasDestroy(h));
            Cublas.check(JCublas2.cublasSetStream(h, new cudaStream_t(stream.handle())), "cublasSetStream");
            Cublas.check(JCublas2.cublasSetMathMode(h, cublasMath.CUBLAS_DEFAULT_MATH),
                    "cublasSetMathMode(CUBLAS_DEFAULT_MATH)");
            allocator = new CachingAllocator<>(new NativeMemory(), deviceName);
            allocator.setLimit(DeviceMemory.limitFromProperty());
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
        LOG.log(Level.INFO, guard.instanceName() + " " + name + ": matrix products in FP32 (strict: cuBLAS default "
                + "math, no TF32)" + (ccMajor >= 8 ? "; setPrecision(TF32) enables TF32 tensor cores" : ""));
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

    // ---- identity ----

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String instanceName() {
        return guard.instanceName();
    }

    @Override
    public String deviceName() {
        return deviceName;
    }

    @Override
    public DeviceInfo device() {
        return deviceInfo;
    }

    /** The device ordinal ({@code cuda:N}). */
    public int ordinal() {
        return ordinal;
    }

    @Override
    public Set<Precision> supportedPrecisions() {
        return ccMajor >= 8 ? EnumSet.of(Precision.FP32, Precision.TF32, Precision.BF16)
                : EnumSet.of(Precision.FP32);
    }

    @Override
    public Precision precision() {
        return precision;
    }

    @Override
    public void setPrecision(Precision p) {
        try (BackendGuard.Call c = enter()) {
            if (!supportedPrecisions().contains(p)) {
                throw new IllegalArgumentException("the cuda backend on " + deviceName + " supports "
                        + supportedPrecisions() + ", not " + p + (p == Precision.TF32
                        ? " (TF32 needs compute capability 8.0 or newer)" : p == Precision.BF16
                        ? " (BF16 tensor cores need compute capability 8.0 or newer; the cpu and opencl backends "
                        + "compute BF16 on any device)" : ""));
            }
            if (p == precision) {
                return;
            }
            // BF16 goes through cublasGemmEx with bfloat16 operands; its math mode stays the default
            int mode = p == Precision.TF32 ? cublasMath.CUBLAS_TF32_TENSOR_OP_MATH : cublasMath.CUBLAS_DEFAULT_MATH;
            Cublas.check(JCublas2.cublasSetMathMode(cublas, mode), "cublasSetMathMode(" + cublasMath.stringFor(mode)
                    + ")");
            precision = p;
            LOG.log(Level.INFO, guard.instanceName() + ": matrix products now in " + p + (p == Precision.TF32
                    ? " (TF32 tensor cores: 10-bit mantissa inputs, float32 accumulation)" : p == Precision.BF16
                    ? " (bfloat16 operands on tensor cores, cublasGemmEx, float32 accumulation)"
                    : " (strict, no TF32)"));
        }
    }

    // ---- memory ----

    @Override
    public Tensor allocate(int rows, int cols) {
        try (BackendGuard.Call c = enter()) {
            Checks.dims(rows, cols);
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
    public Tensor prefixRows(Tensor t, int rows) {
        try (BackendGuard.Call c = enter()) {
            ptr(t, "prefixRows tensor");
            Checks.prefixRows(t, rows);
            return new CudaTensor((CudaTensor) t, rows); // a row-major prefix starts where its parent does
        }
    }

    /**
     * {@code cuMemGetInfo}'s free memory plus the blocks this instance caches, its total, and what this instance
     * holds (live and cached blocks, as the caching allocator rounds them), within the cap.
     */
    @Override
    public DeviceMemory memory() {
        try (BackendGuard.Call c = enter()) {
            long[] info = allocator.deviceInfo();
            long l = allocator.limit();
            long used = allocator.liveBytes() + allocator.cachedBytes();
            long total = Math.min(info[1] < 0 ? deviceInfo.memoryBytes() : info[1], l);
            long free = info[0] < 0 ? total - used : info[0] + allocator.cachedBytes();
            free = Math.max(0, Math.min(free, l == DeviceMemory.NO_LIMIT ? Long.MAX_VALUE : l - allocator.liveBytes()));
            return new DeviceMemory(free, total, total, used, allocator.peakBytes(), l,
                    "cuMemGetInfo plus the blocks " + instanceName() + " caches"
                    + (l == DeviceMemory.NO_LIMIT ? "" : ", capped at " + DeviceMemory.format(l)));
        }
    }

    /**
     * Blocks as the caching allocator rounds them; columnSums borrows a block of double partial sums per chunk, dot and
     * norm2 one per thread block and one for the result.
     */
    @Override
    public MemoryModel memoryModel() {
        return new MemoryModel() {
            @Override
            public long tensorBytes(long elements) {
                return CachingAllocator.roundUp(4 * elements);
            }

            @Override
            public long columnSumsScratchBytes(long rows, long cols) {
                long chunks = ceilDiv(rows, Math.max(256, ceilDiv(rows, 1024)));
                return CachingAllocator.roundUp(chunks * cols * Double.BYTES);
            }

            @Override
            public long gemmScratchBytes(Precision p, long m, long n, long k) {
                return p == Precision.BF16 ? CachingAllocator.roundUp(2 * m * k) + CachingAllocator.roundUp(2 * k * n)
                        : 0;
            }

            @Override
            public long dotScratchBytes(long n) {
                long blocks = Math.min(elements(n).groupsX(), 1024);
                return CachingAllocator.roundUp(blocks * Double.BYTES) + CachingAllocator.roundUp(Double.BYTES);
            }
        };
    }

    @Override
    public void setMemoryLimit(long bytes) {
        try (BackendGuard.Call c = enter()) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("memory limit must be positive, got " + bytes);
            }
            allocator.setLimit(bytes);
        }
    }

    @Override
    public void upload(float[] src, int srcOffset, Tensor dst) {
        try (BackendGuard.Call c = enter()) {
            CUdeviceptr d = ptr(dst, "upload destination");
            long n = dst.size();
            Checks.range(src, srcOffset, n, "upload source");
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
        try (BackendGuard.Call c = enter()) {
            CUdeviceptr s = ptr(src, "download source");
            long n = src.size();
            Checks.range(dst, dstOffset, n, "download destination");
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
        try (BackendGuard.Call c = enter()) {
            CUdeviceptr s = ptr(src, "copy source");
            CUdeviceptr d = ptr(dst, "copy destination");
            Checks.copy(src, dst);
            if (src != dst) {
                Cu.check(JCudaDriver.cuMemcpyDtoDAsync(d, s, src.size() * Float.BYTES, stream.handle()),
                        "cuMemcpyDtoDAsync");
            }
        }
    }

    @Override
    public void fill(Tensor x, float value) {
        try (BackendGuard.Call c = enter()) {
            CUdeviceptr p = ptr(x, "fill");
            Cu.check(JCudaDriver.cuMemsetD32Async(p, Float.floatToRawIntBits(value), x.size(), stream.handle()),
                    "cuMemsetD32Async");
        }
    }

    // ---- dense algebra ----

    @Override
    public void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        try (BackendGuard.Call call = enter()) {
            CUdeviceptr A = ptr(a, "gemm A");
            CUdeviceptr B = ptr(b, "gemm B");
            CUdeviceptr C = ptr(c, "gemm C");
            int[] mnk = Checks.gemm(transA, transB, a, b, c);
            int m = mnk[0];
            int n = mnk[1];
            int k = mnk[2];
            // Row-major C = op(A)·op(B) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: swap the operands, keep the flags.
            // With beta = 0 cuBLAS does not read C, so NaN in C does not propagate.
            if (precision == Precision.BF16) {
                gemmBf16(transA, transB, m, n, k, alpha, A, a, B, b, beta, C);
                return;
            }
            Cublas.check(JCublas2.cublasSgemm(cublas,
                    transB ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N,
                    transA ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N,
                    n, m, k, Pointer.to(new float[] {alpha}), B, b.cols(), A, a.cols(),
                    Pointer.to(new float[] {beta}), C, n), "cublasSgemm");
        }
    }

    /**
     * BF16: both operands rounded to bfloat16 by the round_bf16 kernel into blocks borrowed for the call, then
     * cublasGemmEx with CUDA_R_16BF operands, a float C and CUBLAS_COMPUTE_32F (tensor cores, float32 sums).
     */
    private void gemmBf16(boolean transA, boolean transB, int m, int n, int k, float alpha, CUdeviceptr A, Tensor a,
                          CUdeviceptr B, Tensor b, float beta, CUdeviceptr C) {
        try (DeviceBuffer a16 = newBuffer(2 * a.size()); DeviceBuffer b16 = newBuffer(2 * b.size())) {
            launch(Kernels.ROUND_BF16, elements(a.size()), A, a16.ptr(), a.size());
            launch(Kernels.ROUND_BF16, elements(b.size()), B, b16.ptr(), b.size());
            Cublas.check(JCublas2.cublasGemmEx_new(cublas,
                    transB ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N,
                    transA ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N,
                    n, m, k, Pointer.to(new float[] {alpha}), b16.ptr(), cudaDataType.CUDA_R_16BF, b.cols(),
                    a16.ptr(), cudaDataType.CUDA_R_16BF, a.cols(), Pointer.to(new float[] {beta}), C,
                    cudaDataType.CUDA_R_32F, n, cublasComputeType.CUBLAS_COMPUTE_32F,
                    cublasGemmAlgo.CUBLAS_GEMM_DEFAULT), "cublasGemmEx(bf16 operands, compute 32F)");
        } // the blocks go back to the cache; later work on the same stream runs after the GEMM
    }

    @Override
    public void addRowVector(Tensor x, Tensor bias) {
        try (BackendGuard.Call c = enter()) {
            CUdeviceptr X = ptr(x, "addRowVector x");
            CUdeviceptr B = ptr(bias, "addRowVector bias");
            Checks.addRowVector(x, bias);
            long n = x.size();
            launch(Kernels.ADD_ROW_VECTOR, elements(n), X, B, n, x.cols());
        }
    }

    /** One kernel: y = f(z + bias), the sum rounded to float first, as addRowVector then activationForward. */
    @Override
    public void biasActivation(Activation f, Tensor z, Tensor bias, Tensor y) {
        try (BackendGuard.Call c = enter()) {
            CUdeviceptr Z = ptr(z, "biasActivation z");
            CUdeviceptr B = ptr(bias, "biasActivation bias");
            CUdeviceptr Y = ptr(y, "biasActivation y");
            Checks.biasActivation(z, bias, y);
            long n = z.size();
            launch(Kernels.BIAS_ACTIVATION, elements(n), f.code(), Z, B, Y, n, z.cols());
        }
    }

    @Override
    public void columnSums(Tensor x, Tensor out) {
        try (BackendGuard.Call c = enter()) {
            CUdeviceptr X = ptr(x, "columnSums x");
            CUdeviceptr O = ptr(out, "columnSums out");
            Checks.columnSums(x, out);
            // Pass 1: chunks of rows in parallel (at most 1024), each column's chunk summed in double; pass 2: the
            // chunks per column. Sizes in 64 bits: a dimension near 2^31 must not overflow.
            long rows = x.rows();
            long cols = x.cols();
            long rowsPerChunk = Math.max(256, ceilDiv(rows, 1024));
            long chunks = ceilDiv(rows, rowsPerChunk);
            try (DeviceBuffer partial = newBuffer(chunks * cols * Double.BYTES)) {
                launch(Kernels.COLUMN_SUMS_PARTIAL, new Grid(ceilDiv(cols, 32), chunks, 32, 8), X, partial.ptr(),
                        x.rows(), x.cols(), (int) rowsPerChunk);
                launch(Kernels.COLUMN_SUMS_FINISH, Grid.rows(ceilDiv(cols, BLOCK), BLOCK), partial.ptr(), O,
                        (int) chunks, x.cols());
            } // the scratch block goes back to the cache; later work on the same stream runs after these kernels
        }
    }

    /**
     * One pass over dz instead of two: activationBackward's floats, stored and summed per column by the chunks and
     * the block reduction of {@link #columnSums} (the bits of activationBackward then columnSums).
     */
    @Override
    public void activationBackwardColumnSums(Activation f, Tensor y, Tensor dy, Tensor dz, Tensor sums) {
        try (BackendGuard.Call c = enter()) {
            CUdeviceptr Y = ptr(y, "activationBackwardColumnSums y");
            CUdeviceptr DY = ptr(dy, "activationBackwardColumnSums dy");
            CUdeviceptr DZ = ptr(dz, "activationBackwardColumnSums dz");
            CUdeviceptr S = ptr(sums, "activationBackwardColumnSums sums");
            Checks.activationBackward(y, dy, dz);
            Checks.columnSums(y, sums);
            long rows = y.rows();
            long cols = y.cols();
            long rowsPerChunk = Math.max(256, ceilDiv(rows, 1024)); // columnSums' chunks
            long chunks = ceilDiv(rows, rowsPerChunk);
            try (DeviceBuffer partial = newBuffer(chunks * cols * Double.BYTES)) {
                launch(Kernels.ACTIVATION_BACKWARD_COLUMN_SUMS_PARTIAL, new Grid(ceilDiv(cols, 32), chunks, 32, 8),
                        f.code(), Y, DY, DZ, partial.ptr(), y.rows(), y.cols(), (int) rowsPerChunk);
                launch(Kernels.COLUMN_SUMS_FINISH, Grid.rows(ceilDiv(cols, BLOCK), BLOCK), partial.ptr(), S,
                        (int) chunks, y.cols());
            }
        }
    }

    // ---- element-wise ----

    @Override
    public void activationForward(Activation f, Tensor z, Tensor y) {
        try (BackendGuard.Call c = enter()) {
            CUdeviceptr Z = ptr(z, "activationForward z");
            CUdeviceptr Y = ptr(y, "activationForward y");
            Checks.activationForward(z, y);
            long n = z.size();
            launch(Kernels.ACTIVATION_FORWARD, elements(n), f.code(), Z, Y, n);
        }
    }

    @Override
    public void activationBackward(Activation f, Tensor y, Tensor dy, Tensor dz) {
        try (BackendGuard.Call c = enter()) {
            CUdeviceptr Y = ptr(y, "activationBackward y");
            CUdeviceptr DY = ptr(dy, "activationBackward dy");
            CUdeviceptr DZ = ptr(dz, "activationBackward dz");
            Checks.activationBackward(y, dy, dz);
            long n = y.size();
            launch(Kernels.ACTIVATION_BACKWARD, elements(n), f.code(), Y, DY, DZ, n);
        }
    }

    @Override
    public void softmaxRows(Tensor z, Tensor y) {
        try (BackendGuard.Call c = enter()) {
            CUdeviceptr Z = ptr(z, "softmaxRows z");
            CUdeviceptr Y = ptr(y, "softmaxRows y");
            Checks.softmaxRows(z, y);
            launch(Kernels.SOFTMAX_ROWS, rows(z), Z, Y, z.rows(), z.cols());
        }
    }

    @Override
    public void lossForwardBackward(Loss loss, Tensor logits, Tensor targets, Tensor grad, Tensor rowLoss,
                                    float gradScale) {
        try (BackendGuard.Call c = enter()) {
            CUdeviceptr Z = ptr(logits, "loss logits");
            CUdeviceptr T = ptr(targets, "loss targets");
            CUdeviceptr G = grad == null ? null : ptr(grad, "loss gradient");
            CUdeviceptr L = ptr(rowLoss, "row losses");
            Checks.loss(loss, logits, targets, grad, rowLoss);
            int rows = logits.rows();
            int cols = logits.cols();
            if (!loss.targetsAreClassIndices()) {
                launch(Kernels.LOSS_ROWS, rows(logits), loss.code(), Z, T, G, L, gradScale, rows, cols);
                return;
            }
            // Class indices are checked on the device; the first bad row is read back (4 bytes, one wait) so that
            // a bad label fails here, as on the CPU, instead of surfacing later as a NaN loss.
            int bad;
            try (DeviceBuffer badRow = newBuffer(Integer.BYTES)) {
                Cu.check(JCudaDriver.cuMemsetD32Async(badRow.ptr(), NO_BAD_ROW, 1, stream.handle()),
                        "cuMemsetD32Async");
                launch(Kernels.SOFTMAX_CROSS_ENTROPY_ROWS, rows(logits), Z, T, G, L, gradScale, rows, cols,
                        badRow.ptr());
                bad = read(badRow.ptr(), Integer.BYTES).getInt(0);
            }
            if (bad != NO_BAD_ROW) {
                float t = read(T.withByteOffset((long) bad * Float.BYTES), Float.BYTES).getFloat(0);
                throw new IllegalArgumentException("class index " + t + " in row " + bad
                        + " is not an integer in [0, " + cols + ")");
            }
        }
    }

    @Override
    public void axpy(float alpha, Tensor x, Tensor y) {
        try (BackendGuard.Call c = enter()) {
            CUdeviceptr X = ptr(x, "axpy x");
            CUdeviceptr Y = ptr(y, "axpy y");
            Checks.axpy(x, y);
            long n = x.size();
            launch(Kernels.AXPY, elements(n), alpha, X, Y, n);
        }
    }

    @Override
    public void scale(float alpha, Tensor x) {
        try (BackendGuard.Call c = enter()) {
            CUdeviceptr X = ptr(x, "scale");
            long n = x.size();
            launch(Kernels.SCALE, elements(n), alpha, X, n);
        }
    }

    @Override
    public double dot(Tensor x, Tensor y) {
        try (BackendGuard.Call c = enter()) {
            CUdeviceptr X = ptr(x, "dot x");
            CUdeviceptr Y = ptr(y, "dot y");
            Checks.dot(x, y);
            return sumOfProducts(X, Y, x.size());
        }
    }

    @Override
    public double norm2(Tensor x) {
        try (BackendGuard.Call c = enter()) {
            CUdeviceptr X = ptr(x, "norm2");
            return Math.sqrt(sumOfProducts(X, X, x.size()));
        }
    }

    /** Σ x·y accumulated in double: per-block partial sums, then one block sums them; waits for the result. */
    private double sumOfProducts(CUdeviceptr x, CUdeviceptr y, long n) {
        long blocks = Math.min(elements(n).groupsX(), 1024);
        try (DeviceBuffer partial = newBuffer(blocks * Double.BYTES);
             DeviceBuffer result = newBuffer(Double.BYTES)) {
            launch(Kernels.DOT_PARTIAL, Grid.rows(blocks, BLOCK), x, y, partial.ptr(), n);
            launch(Kernels.SUM_PARTIALS, Grid.rows(1, BLOCK), partial.ptr(), result.ptr(), (int) blocks);
            return read(result.ptr(), Double.BYTES).getDouble(0);
        }
    }

    // ---- optimizers ----

    @Override
    public void sgdUpdate(Tensor param, Tensor grad, Tensor velocity, float lr, float momentum, boolean nesterov) {
        try (BackendGuard.Call c = enter()) {
            CUdeviceptr P = ptr(param, "sgd param");
            CUdeviceptr G = ptr(grad, "sgd grad");
            Checks.sgdUpdate(param, grad, velocity, momentum);
            CUdeviceptr V = momentum == 0f ? null : ptr(velocity, "sgd velocity");
            long n = param.size();
            launch(Kernels.SGD_UPDATE, elements(n), P, G, V, lr, momentum, nesterov ? 1 : 0, n);
        }
    }

    @Override
    public void adamUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                           float eps, float weightDecay, long step) {
        try (BackendGuard.Call c = enter()) {
            CUdeviceptr P = ptr(param, "adam param");
            CUdeviceptr G = ptr(grad, "adam grad");
            CUdeviceptr M = ptr(m, "adam m");
            CUdeviceptr V = ptr(v, "adam v");
            Checks.adamUpdate(param, grad, m, v, step);
            double c1 = 1.0 - Math.pow(beta1, step);
            double c2 = 1.0 - Math.pow(beta2, step);
            long n = param.size();
            launch(Kernels.ADAM_UPDATE, elements(n), P, G, M, V, lr, beta1, beta2, eps, weightDecay, c1, c2, n);
        }
    }

    @Override
    public void synchronize() {
        try (BackendGuard.Call c = enter()) {
            stream.synchronize();
        }
    }

    // ---- lifecycle ----

    boolean isClosed() {
        return guard.isClosed();
    }

    /**
     * Waits for a call in progress and for queued work, then frees every block still allocated and destroys the
     * cuBLAS handle, module and stream, in reverse order of creation. Never throws; a release that fails is logged;
     * closing twice is harmless. The primary context stays retained ({@link Context}).
     */
    @Override
    public void close() {
        guard.close(() -> {
            guard.quietly("cuCtxSetCurrent", context::makeCurrent);
            guard.quietly("cuStreamSynchronize", stream::synchronize);
            guard.quietly("cuMemFreeHost", () -> {
                if (scalars != null) {
                    scalars.close();
                }
                if (staging != null) {
                    staging.close();
                }
            });
            guard.quietly("cuMemFree", () -> {
                for (CUdeviceptr p : live) {
                    Cu.released(JCudaDriver.cuMemFree(p), "cuMemFree");
                }
                live.clear();
                allocator.close();
            });
            guard.quietly("cublasDestroy", () -> Cublas.check(JCublas2.cublasDestroy(cublas), "cublasDestroy"));
            guard.quietly("cuModuleUnload", module::close);
            guard.quietly("cuStreamDestroy", stream::close);
        });
    }

    @Override
    public String toString() {
        return "CudaBackend[" + guard + ": " + deviceName + "]";
    }

    // ---- helpers ----

    /** Enters a call (the backend's lock, see {@link BackendGuard}) and makes the context current on this thread. */
    private BackendGuard.Call enter() {
        BackendGuard.Call call = guard.enter();
        try {
            context.makeCurrent();
        } catch (RuntimeException e) {
            call.close();
            throw e;
        }
        return call;
    }

    private CUdeviceptr ptr(Tensor t, String what) {
        Checks.owned(this, t, what);
        return ((CudaTensor) t).buffer().ptr();
    }

    /** Launches one of the kernels with its arguments in parameter order (see {@link Kernel#launch}). */
    private void launch(Kernels kernel, Grid grid, Object... args) {
        kernels.get(kernel).launch(stream, grid, args);
    }

    /** Blocks of BLOCK threads over n elements, at most MAX_GRID of them (the kernels loop grid-stride). */
    private static Grid elements(long n) {
        return Grid.rows(Math.max(1, Math.min(ceilDiv(n, BLOCK), MAX_GRID)), BLOCK);
    }

    /** One block per row of t; threads per row a multiple of 32, at most 256, no wider than the row needs. */
    private static Grid rows(Tensor t) {
        int cols = t.cols();
        return Grid.rows(t.rows(), cols <= 32 ? 32 : cols <= 64 ? 64 : cols <= 128 ? 128 : 256);
    }

    private static long ceilDiv(long n, long d) {
        return (n + d - 1) / d;
    }

    private DeviceBuffer newBuffer(long bytes) {
        CUdeviceptr p = allocator.allocate(bytes);
        live.add(p);
        return new DeviceBuffer(this, p, bytes);
    }

    /** Called by {@link DeviceBuffer#close()}: the block goes back to the cache (waiting for a call in progress). */
    void releaseBlock(CUdeviceptr p, long bytes) {
        guard.ifOpen(() -> {
            if (live.remove(p)) {
                allocator.release(p, bytes);
            }
        });
    }

    private PinnedBuffer staging() {
        if (staging == null) {
            staging = new PinnedBuffer(STAGING_BYTES);
        }
        return staging;
    }

    /** {@code bytes} (at most 64) of device memory, read back through the pinned scalar buffer; waits for the stream. */
    private java.nio.ByteBuffer read(CUdeviceptr p, int bytes) {
        if (scalars == null) {
            scalars = new PinnedBuffer(64);
        }
        Cu.check(JCudaDriver.cuMemcpyDtoHAsync(scalars.pointer(), p, bytes, stream.handle()), "cuMemcpyDtoHAsync");
        stream.synchronize();
        return scalars.buffer();
    }

    /** The native side of the caching allocator; runs inside a call, with the context current. */
    private final class NativeMemory implements CachingAllocator.Memory<CUdeviceptr> {
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
            Cu.released(JCudaDriver.cuMemFree(block), "cuMemFree");
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
