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
import io.logitnet.backend.StepRunner;
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
 * {@link io.logitnet.DeviceOutOfMemoryException} is thrown and the backend stays usable). Uploads go through a ring of
 * pinned host buffers and return without waiting for the stream ({@link StagingRing}: a buffer is refilled once its own
 * copy has run), so the host prepares the next batch while the device still computes; downloads go through a pinned
 * buffer and wait.
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
    /** Uploads: pinned buffers of 4 MiB, at most 16 (64 MiB) when batches are large and the device is behind. */
    private static final long UPLOAD_SLOT_BYTES = 4L << 20;
    private static final int UPLOAD_SLOTS = 16;
    private static final int NO_BAD_ROW = Integer.MAX_VALUE;
    /** The system property that turns CUDA graphs on for training steps: {@code true} or {@code false} (default). */
    public static final String GRAPHS_PROPERTY = "logitnet.cudaGraphs";

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
    private StagingRing uploads;
    private PinnedBuffer scalars;

    private Precision precision = Precision.FP32;

    /** Whether step runners capture CUDA graphs ({@value #GRAPHS_PROPERTY}, {@link #setCudaGraphs}). */
    private boolean cudaGraphs;
    /** Step runners not closed yet; the one whose step is running. */
    private final List<StepGraphs> runners = new ArrayList<>();
    private StepGraphs activeRunner;
    /** cuBLAS's workspace, set once before the first capture; blocks this instance holds outside any tensor. */
    private CUdeviceptr cublasWorkspace;
    private long cublasWorkspaceBytes;
    private PinnedBuffer flags;

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
            cudaGraphs = graphsFromProperty();
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

    /** {@value #GRAPHS_PROPERTY}: true, false or absent (false). */
    static boolean graphsFromProperty() {
        String v = System.getProperty(GRAPHS_PROPERTY);
        if (v == null || v.isBlank()) {
            return false;
        }
        return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("system property " + GRAPHS_PROPERTY + "=" + v
                    + ": expected true or false");
        };
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
                memset(b.ptr(), 0, n);
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
                long chunks = ceilDiv(rows, columnSumsRowsPerChunk(rows));
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

            /** With CUDA graphs: cuBLAS's workspace (unless held already), and two graphs' scratch and scalars. */
            @Override
            public long trainingExtraBytes(long largestScratch) {
                if (!cudaGraphs()) {
                    return 0;
                }
                long workspace = cublasWorkspace != null ? 0 : CachingAllocator.roundUp(cublasWorkspaceBytesFor());
                // a graph's scalars: 32 bytes per optimizer update, bounded here by 256 parameter tensors
                return workspace + 2 * (largestScratch + CachingAllocator.roundUp(256L * StepGraphs.SLOT_BYTES));
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
            notInCapturedStep("an upload");
            CUdeviceptr d = ptr(dst, "upload destination");
            long n = dst.size();
            Checks.range(src, srcOffset, n, "upload source");
            StagingRing ring = uploads();
            long chunk = ring.slotBytes() / Float.BYTES;
            for (long done = 0; done < n; done += chunk) {
                int count = (int) Math.min(chunk, n - done);
                StagingRing.Slot slot = ring.acquire(); // waits, if at all, for this buffer's last copy only
                slot.buffer().buffer().asFloatBuffer().put(src, srcOffset + (int) done, count);
                Cu.check(JCudaDriver.cuMemcpyHtoDAsync(d.withByteOffset(done * Float.BYTES), slot.buffer().pointer(),
                        (long) count * Float.BYTES, stream.handle()), "cuMemcpyHtoDAsync");
                slot.copied().record(stream);
            }
        }
    }

    @Override
    public void download(Tensor src, float[] dst, int dstOffset) {
        try (BackendGuard.Call c = enter()) {
            notInCapturedStep("a download");
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
            checkDeferred();
        }
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        try (BackendGuard.Call c = enter()) {
            CUdeviceptr s = ptr(src, "copy source");
            CUdeviceptr d = ptr(dst, "copy destination");
            Checks.copy(src, dst);
            if (src != dst) {
                long bytes = src.size() * Float.BYTES;
                queue(() -> Cu.check(JCudaDriver.cuMemcpyDtoDAsync(d, s, bytes, stream.handle()), "cuMemcpyDtoDAsync"),
                        "copy", d, s, bytes);
            }
        }
    }

    @Override
    public void fill(Tensor x, float value) {
        try (BackendGuard.Call c = enter()) {
            CUdeviceptr p = ptr(x, "fill");
            memset(p, Float.floatToRawIntBits(value), x.size());
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
            int lda = a.cols();
            int ldb = b.cols();
            queue(() -> Cublas.check(JCublas2.cublasSgemm(cublas,
                    transB ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N,
                    transA ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N,
                    n, m, k, Pointer.to(new float[] {alpha}), B, ldb, A, lda,
                    Pointer.to(new float[] {beta}), C, n), "cublasSgemm"),
                    "cublasSgemm", transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, precision);
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
            CUdeviceptr A16 = a16.ptr();
            CUdeviceptr B16 = b16.ptr();
            int lda = a.cols();
            int ldb = b.cols();
            queue(() -> Cublas.check(JCublas2.cublasGemmEx_new(cublas,
                    transB ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N,
                    transA ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N,
                    n, m, k, Pointer.to(new float[] {alpha}), B16, cudaDataType.CUDA_R_16BF, ldb,
                    A16, cudaDataType.CUDA_R_16BF, lda, Pointer.to(new float[] {beta}), C,
                    cudaDataType.CUDA_R_32F, n, cublasComputeType.CUBLAS_COMPUTE_32F,
                    cublasGemmAlgo.CUBLAS_GEMM_DEFAULT), "cublasGemmEx(bf16 operands, compute 32F)"),
                    "cublasGemmEx", transA, transB, m, n, k, alpha, A16, lda, B16, ldb, beta, C);
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
            long rowsPerChunk = columnSumsRowsPerChunk(rows);
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
     * Rows per chunk of the column sums' first pass (at least 256, at most 1024 chunks): shared by columnSums, the
     * fused activationBackwardColumnSums, whose bits must equal it, and the memory model.
     */
    private static long columnSumsRowsPerChunk(long rows) {
        return Math.max(256, ceilDiv(rows, 1024));
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
            long rowsPerChunk = columnSumsRowsPerChunk(rows);
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
            // Class indices are checked on the device. Inside a training step (a step runner's) the first bad row goes
            // to the runner's flag, read at the next wait for the device: a step never waits. Elsewhere it is read
            // back here (4 bytes, one wait), so that a bad label fails here, as on the CPU.
            if (activeRunner != null && activeRunner.inStep()) {
                launch(Kernels.SOFTMAX_CROSS_ENTROPY_ROWS, rows(logits), Z, T, G, L, gradScale, rows, cols,
                        activeRunner.badRowFlag(cols));
                return;
            }
            int bad;
            try (DeviceBuffer badRow = newBuffer(Integer.BYTES)) {
                memset(badRow.ptr(), NO_BAD_ROW, 1);
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
        notInCapturedStep("a dot product or norm (it waits for its result)");
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
            Grid grid = elements(n);
            int nest = nesterov ? 1 : 0;
            Kernel byValue = kernels.get(Kernels.SGD_UPDATE);
            Kernel fromMemory = kernels.get(Kernels.SGD_UPDATE_STEP_SCALARS);
            queueUpdate(() -> byValue.launch(stream, grid, P, G, V, lr, momentum, nest, n),
                    s -> () -> fromMemory.launch(stream, grid, P, G, V, s, momentum, nest, n), new double[] {lr},
                    "sgd_update", grid, P, G, V, momentum, nest, n);
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
            Grid grid = elements(n);
            Kernel byValue = kernels.get(Kernels.ADAM_UPDATE);
            Kernel fromMemory = kernels.get(Kernels.ADAM_UPDATE_STEP_SCALARS);
            queueUpdate(() -> byValue.launch(stream, grid, P, G, M, V, lr, beta1, beta2, eps, weightDecay, c1, c2, n),
                    s -> () -> fromMemory.launch(stream, grid, P, G, M, V, s, beta1, beta2, eps, weightDecay, n),
                    new double[] {lr, c1, c2}, "adam_update", grid, P, G, M, V, beta1, beta2, eps, weightDecay, n);
        }
    }

    @Override
    public void synchronize() {
        try (BackendGuard.Call c = enter()) {
            notInCapturedStep("a wait for the device");
            stream.synchronize();
            checkDeferred();
        }
    }

    // ---- training steps: CUDA graphs ----

    /**
     * A runner whose steps never wait for the device (the class-index check of softmax cross-entropy is read at the
     * next wait) and, with {@link #cudaGraphs()} on, are captured in CUDA graphs per batch size and replayed
     * ({@link StepGraphs}).
     */
    @Override
    public StepRunner stepRunner() {
        try (BackendGuard.Call c = enter()) {
            if (cudaGraphs) {
                prepareCublasForCapture(); // before the warm-up step, so that every step runs with the same workspace
            }
            StepGraphs r = new StepGraphs(this, cudaGraphs);
            runners.add(r);
            return r;
        }
    }

    /**
     * Whether step runners created from now on capture CUDA graphs. Off by default: not yet measured faster on a GPU;
     * {@value #GRAPHS_PROPERTY}{@code =true} turns it on for every CUDA backend that opens.
     */
    public void setCudaGraphs(boolean on) {
        try (BackendGuard.Call c = enter()) {
            cudaGraphs = on;
        }
    }

    /** Whether step runners created now capture CUDA graphs. */
    public boolean cudaGraphs() {
        return cudaGraphs;
    }

    /** Runs a runner's step inside the backend's lock, with the runner active. */
    void runStep(StepGraphs runner, Runnable body) {
        try (BackendGuard.Call c = enter()) {
            StepGraphs was = activeRunner;
            activeRunner = runner;
            try {
                body.run();
            } finally {
                activeRunner = was;
            }
        }
    }

    /** Called by {@link StepGraphs#close()}: its graphs and blocks go (nothing to do once the backend closed). */
    void closeRunner(StepGraphs runner) {
        guard.ifOpen(() -> {
            try {
                context.makeCurrent();
                stream.synchronize(); // no launched graph still runs when it is destroyed and its blocks reused
                if (runner.badRowFlagOrNull() != null) {
                    checkDeferred();
                }
            } catch (RuntimeException e) { // close never throws: what the last steps found is logged
                LOG.log(Level.WARNING, instanceName() + ": closing a step runner: " + e.getMessage());
            }
            releaseRunner(runner);
        });
    }

    private void releaseRunner(StepGraphs runner) {
        runner.release();
        CUdeviceptr flag = runner.badRowFlagOrNull();
        if (flag != null && runners.contains(runner)) {
            allocator.release(flag, Integer.BYTES);
        }
        runners.remove(runner);
    }

    Stream stream() {
        return stream;
    }

    boolean isLive(CUdeviceptr block) {
        return live.contains(block);
    }

    boolean wouldHit(long bytes) {
        return allocator.wouldHit(bytes);
    }

    /** Takes a scratch block out of the cache for a graph (see {@link CachingAllocator#reserve}). */
    boolean reserveBlock(CUdeviceptr block, long bytes) {
        return allocator.reserve(block, bytes);
    }

    /** A block held outside any tensor (a graph's scalars, a flag); give it back with {@link CachingAllocator}. */
    CUdeviceptr allocateOwned(long bytes) {
        return allocator.allocate(bytes);
    }

    /** Gives a destroyed graph's blocks back to the cache. */
    void releaseGraphBlocks(List<StepGraphs.Op> scratch, CUdeviceptr scalarBlock, long scalarBytes) {
        for (StepGraphs.Op op : scratch) {
            allocator.release(op.block, op.bytes);
        }
        if (scalarBlock != null) {
            allocator.release(scalarBlock, scalarBytes);
        }
    }

    /**
     * Before the first capture: a workspace of cuBLAS's own (cublasSetWorkspace, after cublasSetStream, which resets
     * it), so that cuBLAS allocates nothing during a capture; 32 MiB on compute capability 9.0 and newer, 4 MiB below,
     * as cuBLAS's documentation recommends. It stays until the backend closes.
     */
    private long cublasWorkspaceBytesFor() {
        return ccMajor >= 9 ? 32L << 20 : 4L << 20;
    }

    void prepareCublasForCapture() {
        if (cublasWorkspace != null) {
            return;
        }
        long bytes = cublasWorkspaceBytesFor();
        CUdeviceptr w = allocator.allocate(bytes);
        int status = JCublas2.cublasSetWorkspace(cublas, w, bytes);
        if (status != jcuda.jcublas.cublasStatus.CUBLAS_STATUS_SUCCESS) {
            allocator.release(w, bytes);
            Cublas.check(status, "cublasSetWorkspace(" + bytes + ")");
        }
        cublasWorkspace = w;
        cublasWorkspaceBytes = bytes;
    }

    /** Copies {@code bytes} to device memory through the upload ring, without waiting for the stream. */
    void uploadBytes(byte[] bytes, CUdeviceptr dst) {
        StagingRing ring = uploads();
        for (int done = 0; done < bytes.length; done += (int) ring.slotBytes()) {
            int count = (int) Math.min(ring.slotBytes(), bytes.length - done);
            StagingRing.Slot slot = ring.acquire();
            slot.buffer().buffer().put(bytes, done, count);
            Cu.check(JCudaDriver.cuMemcpyHtoDAsync(dst.withByteOffset(done), slot.buffer().pointer(), count,
                    stream.handle()), "cuMemcpyHtoDAsync");
            slot.copied().record(stream);
        }
    }

    void launchGraph(jcuda.driver.CUgraphExec exec) {
        Cu.check(JCudaDriver.cuGraphLaunch(exec, stream.handle()), "cuGraphLaunch");
    }

    /** A 4-byte device flag set to "no bad row", for a runner's deferred class-index check. */
    CUdeviceptr newFlag() {
        CUdeviceptr f = allocator.allocate(Integer.BYTES);
        Cu.check(JCudaDriver.cuMemsetD32Async(f, NO_BAD_ROW, 1, stream.handle()), "cuMemsetD32Async");
        return f;
    }

    /**
     * After a wait for the stream: the runners' class-index flags, copied back and checked; a bad row found in a step
     * is reported here (the flag is reset) as the exception softmax cross-entropy throws on the spot elsewhere.
     */
    private void checkDeferred() {
        for (StepGraphs r : runners) {
            CUdeviceptr f = r.badRowFlagOrNull();
            if (f == null) {
                continue;
            }
            if (flags == null) {
                flags = new PinnedBuffer(64);
            }
            Cu.check(JCudaDriver.cuMemcpyDtoHAsync(flags.pointer(), f, Integer.BYTES, stream.handle()),
                    "cuMemcpyDtoHAsync");
            stream.synchronize();
            int bad = flags.buffer().getInt(0);
            if (bad != NO_BAD_ROW) {
                Cu.check(JCudaDriver.cuMemsetD32Async(f, NO_BAD_ROW, 1, stream.handle()), "cuMemsetD32Async");
                throw new IllegalArgumentException("a class index in row " + bad + " of a training step's batch is "
                        + "not an integer in [0, " + r.badRowClasses() + ") (found on " + instanceName()
                        + " during a step, reported at the next wait for the device)");
            }
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
            guard.quietly("cuGraphExecDestroy", () -> {
                for (StepGraphs r : new ArrayList<>(runners)) {
                    releaseRunner(r);
                }
                if (cublasWorkspace != null) {
                    allocator.release(cublasWorkspace, cublasWorkspaceBytes);
                    cublasWorkspace = null;
                }
            });
            guard.quietly("cuMemFreeHost", () -> {
                if (scalars != null) {
                    scalars.close();
                }
                if (staging != null) {
                    staging.close();
                }
                if (uploads != null) {
                    uploads.close();
                }
                if (flags != null) {
                    flags.close();
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
        Kernel k = kernels.get(kernel);
        StepGraphs r = activeRunner;
        if (r == null || !r.intercepting()) {
            k.launch(stream, grid, args);
            return;
        }
        Object[] signature = new Object[args.length + 2];
        signature[0] = kernel;
        signature[1] = grid;
        System.arraycopy(args, 0, signature, 2, args.length);
        r.submit(new StepGraphs.Op(signature, () -> k.launch(stream, grid, args), null, null));
    }

    /**
     * Queues device work: now, or, during a step a runner records or checks, through the runner (see
     * {@link StepGraphs}). {@code signature} names the operation and every argument that decides what it does.
     */
    private void queue(Runnable work, Object... signature) {
        StepGraphs r = activeRunner;
        if (r == null || !r.intercepting()) {
            work.run();
        } else {
            r.submit(new StepGraphs.Op(signature, work, null, null));
        }
    }

    /**
     * An optimizer update: {@code byValue} now; in a CUDA graph the launch that reads {@code scalars} from device
     * memory, where the runner writes this step's values before each launch of the graph.
     */
    private void queueUpdate(Runnable byValue, java.util.function.Function<CUdeviceptr, Runnable> fromMemory,
                             double[] scalars, Object... signature) {
        StepGraphs r = activeRunner;
        if (r == null || !r.intercepting()) {
            byValue.run();
        } else {
            r.submit(new StepGraphs.Op(signature, byValue, fromMemory, scalars));
        }
    }

    private void memset(CUdeviceptr p, int value, long n) {
        queue(() -> Cu.check(JCudaDriver.cuMemsetD32Async(p, value, n, stream.handle()), "cuMemsetD32Async"),
                "memset", p, value, n);
    }

    /** Inside a step a runner records or checks: what follows waits or reads, so the step runs call by call. */
    private void notInCapturedStep(String what) {
        StepGraphs r = activeRunner;
        if (r != null && r.intercepting()) {
            r.divert(what + " inside the step");
        }
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
        StepGraphs r = activeRunner;
        if (r != null && r.intercepting()) {
            CUdeviceptr kept = r.allocation(bytes);
            if (kept != null) {
                return new DeviceBuffer(this, kept, bytes); // the graph's block: not live, closing it is a no-op
            }
        }
        CUdeviceptr p = allocator.allocate(bytes);
        live.add(p);
        if (r != null && r.intercepting()) {
            r.allocated(p, bytes);
        }
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

    private StagingRing uploads() {
        if (uploads == null) {
            uploads = new StagingRing(UPLOAD_SLOT_BYTES, UPLOAD_SLOTS);
        }
        return uploads;
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
        checkDeferred();
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
            notInCapturedStep("memory given back to the driver");
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
