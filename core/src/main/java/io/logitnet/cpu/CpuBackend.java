package io.logitnet.cpu;

import dev.ludovic.netlib.blas.BLAS;
import io.logitnet.DeviceOutOfMemoryException;
import io.logitnet.backend.Activation;
import io.logitnet.backend.Backend;
import io.logitnet.backend.BackendGuard;
import io.logitnet.backend.Bf16;
import io.logitnet.backend.Checks;
import io.logitnet.backend.DeviceInfo;
import io.logitnet.backend.DeviceMemory;
import io.logitnet.backend.Loss;
import io.logitnet.backend.MemoryModel;
import io.logitnet.backend.Precision;
import io.logitnet.backend.Tensor;

import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * The reference backend: the written specification of every operation, which the GPU backends are checked
 * against. Element-wise work is plain Java loops, computed in double and stored in float, with nothing clever in
 * them — except the sigmoid and its gradient, the hot loops of a sigmoid network, which {@link FastSigmoid}
 * computes in float arithmetic that the JIT vectorizes, within 1 ulp of the correctly rounded double formulas
 * written here ({@link #sigmoid}); rows are split across threads only when a call is large enough for that to pay.
 * Matrix products go to a real BLAS through netlib-java ({@code dev.ludovic.netlib}): the system's OpenBLAS when it
 * is installed ({@code apt-get install libopenblas0}), a pure-Java BLAS otherwise.
 *
 * <p>Precisions: FP32, and BF16 as the reference for tensor cores: each operand of a product rounded to bfloat16
 * ({@link Bf16}, to nearest even), the products (exact in float32) summed by the same BLAS in float32.
 *
 * <p>Threads and closing follow {@link BackendGuard}: any thread may call; there is no state shared between calls,
 * so calls on different tensors may run at the same time, and calls that write a tensor must not overlap other calls
 * that use it (as with any array). After {@link #close()} every call fails and the tensors are closed.
 *
 * <p>Memory: tensors live on the Java heap. A tensor larger than the heap can ever hold, or one the heap cannot hold
 * now, or one past the cap of {@link #setMemoryLimit}, is refused with {@link DeviceOutOfMemoryException}
 * (requested, free and maximum bytes), never a bare {@link OutOfMemoryError}; the backend stays usable.
 */
public final class CpuBackend implements Backend {
    /**
     * Below this much estimated work (nanoseconds on one thread) a call runs on the calling thread, and a call gets
     * one thread per this much work. High, because inside a training step OpenBLAS's worker threads keep spinning for
     * a while after each product and take the cores that the fork-join pool's workers would use: on the 2-core build
     * machine a 1024×1024 bias + sigmoid right after a 1024×784·784×1024 product took 2.4 ms split across two threads
     * and 1.9 ms on one (on its own, 0.86 and 1.45 ms), and the step 1024 × 784 → 1024 → 10 26 ms instead of 42.
     */
    private static final double PARALLEL_WORK_NS = 4_000_000;
    /** Estimated nanoseconds per element: a pass that streams memory, one with a transcendental function. */
    private static final double COST_STREAM = 0.5;
    private static final double COST_SIGMOID = 1.5;
    private static final double COST_TRANSCENDENTAL = 12;
    /** BF16 products round operands in panels of at most these rows, columns and depth. */
    private static final int PANEL_M = 512;
    private static final int PANEL_N = 2048;
    private static final int PANEL_K = 256;
    /** The largest Java array of floats, in elements. */
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final BLAS blas;
    private final BlasThreads blasThreads;
    private final BackendGuard guard = new BackendGuard("cpu");
    private volatile Precision precision = Precision.FP32;
    private final AtomicLong used = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();
    private volatile long limit = DeviceMemory.limitFromProperty();

    /** The split of element-wise calls across threads: {@link #PARALLEL_WORK_NS}, or 0 in tests (always split). */
    private final double parallelWorkNs;

    public CpuBackend() {
        this(PARALLEL_WORK_NS);
    }

    /** A backend that splits element-wise calls from {@code parallelWorkNs} of estimated work (tests: 0). */
    CpuBackend(double parallelWorkNs) {
        this.blas = Netlib.blas();
        this.blasThreads = BlasThreads.get();
        this.parallelWorkNs = parallelWorkNs;
    }

    /** The BLAS in use, e.g. {@code NativeSystemBLAS} (fast) or {@code VectorBLAS}/{@code F2jBLAS} (pure Java). */
    public String blasName() {
        return blas.getClass().getSimpleName();
    }

    /** Whether GEMM runs in a native BLAS (OpenBLAS, MKL... through netlib's JNI binding). */
    public boolean nativeBlas() {
        return isNative(Netlib.blas());
    }

    private static boolean isNative(BLAS blas) {
        String n = blas.getClass().getSimpleName();
        return !(n.contains("Java") || n.contains("F2j") || n.contains("Vector"));
    }

    /** The CPU as a device: the Java heap's maximum as its memory, the threads and the BLAS as its details. */
    static DeviceInfo describe() {
        BLAS blas = Netlib.blas();
        String name = blas.getClass().getSimpleName();
        String blasNote = isNative(blas) ? "native BLAS " + name
                : "pure-Java BLAS " + name + " (install OpenBLAS, e.g. apt-get install libopenblas0, for speed)";
        return new DeviceInfo("cpu", "CPU (" + System.getProperty("os.arch") + ")", Runtime.getRuntime().maxMemory(),
                Runtime.getRuntime().availableProcessors() + " threads, " + blasNote + " (" + BlasThreads.get().describe()
                        + "), precisions FP32, BF16");
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String instanceName() {
        return guard.instanceName();
    }

    @Override
    public String deviceName() {
        return "CPU, " + Runtime.getRuntime().availableProcessors() + " threads, BLAS " + blasName();
    }

    @Override
    public DeviceInfo device() {
        return describe();
    }

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
        guard.checkOpen();
        if (!supportedPrecisions().contains(p)) {
            throw new IllegalArgumentException("the cpu backend supports " + supportedPrecisions() + ", not " + p
                    + " (TF32 is a tensor-core format of NVIDIA GPUs)");
        }
        precision = p;
    }

    // ---- memory ----

    @Override
    public Tensor allocate(int rows, int cols) {
        guard.checkOpen();
        Checks.dims(rows, cols);
        long n = (long) rows * cols;
        if (n > MAX_ARRAY) {
            throw outOfMemory(4 * n);
        }
        long bytes = MODEL.tensorBytes(n);
        reserve(bytes);
        try {
            return new CpuTensor(this, rows, cols, newArray((int) n), bytes);
        } catch (RuntimeException e) {
            released(bytes);
            throw e;
        }
    }

    @Override
    public Tensor prefixRows(Tensor t, int rows) {
        guard.checkOpen();
        Checks.owned(this, t, "prefixRows tensor");
        Checks.prefixRows(t, rows);
        return new CpuTensor((CpuTensor) t, rows);
    }

    /** Accounts {@code bytes} more as held, within the cap and what the heap can ever hold. */
    private void reserve(long bytes) {
        long max = Math.min(limit, Runtime.getRuntime().maxMemory());
        long now = used.addAndGet(bytes);
        if (now > max) {
            used.addAndGet(-bytes);
            throw outOfMemory(bytes);
        }
        peak.accumulateAndGet(now, Math::max);
    }

    /** Called when a tensor (or scratch) of {@code bytes} is given back. */
    void released(long bytes) {
        used.addAndGet(-bytes);
    }

    /** A zero-filled array of n floats; the heap running out is a {@link DeviceOutOfMemoryException}. */
    float[] newArray(int n) {
        try {
            return new float[n];
        } catch (OutOfMemoryError e) {
            throw outOfMemory((long) n * Float.BYTES);
        }
    }

    /** What the heap could still give, within the cap: the bytes free now (garbage counts as used: an estimate). */
    private DeviceOutOfMemoryException outOfMemory(long bytes) {
        DeviceMemory m = memory();
        String where = limit != DeviceMemory.NO_LIMIT ? instanceName() + " (capped at " + DeviceMemory.format(limit)
                + ")" : "the Java heap of " + instanceName() + " (raise it with -Xmx, e.g. java -Xmx"
                + suggestedHeap(bytes, Runtime.getRuntime().maxMemory()) + ", or use a smaller layer width or batch)";
        return new DeviceOutOfMemoryException(where, bytes, m.freeBytes(), m.totalBytes());
    }

    /** A heap that holds {@code bytes} more than {@code max} does, in whole gigabytes. */
    private static String suggestedHeap(long bytes, long max) {
        return ((max + bytes + (1L << 30) - 1) >> 30) + "g";
    }

    /** The heap's free bytes now (its maximum less what is in use, garbage included) and its maximum, within the cap. */
    @Override
    public DeviceMemory memory() {
        Runtime rt = Runtime.getRuntime();
        long max = rt.maxMemory();
        long heapFree = max - (rt.totalMemory() - rt.freeMemory());
        long u = used.get();
        long free = Math.min(heapFree, limit == DeviceMemory.NO_LIMIT ? Long.MAX_VALUE : limit - u);
        long total = Math.min(max, limit);
        return new DeviceMemory(Math.max(0, free), total, Math.min(total, 4L * MAX_ARRAY), u, peak.get(), limit,
                limit == DeviceMemory.NO_LIMIT ? "Java heap (-Xmx), less what is in use now"
                        : "the cap of " + DeviceMemory.format(limit) + " less what this backend holds, within the "
                        + "Java heap's free memory");
    }

    @Override
    public void setMemoryLimit(long bytes) {
        guard.checkOpen();
        if (bytes <= 0) {
            throw new IllegalArgumentException("memory limit must be positive, got " + bytes);
        }
        limit = bytes;
    }

    @Override
    public MemoryModel memoryModel() {
        return MODEL;
    }

    /** A float array's header and elements, padded to 8 bytes; BF16 products borrow rounded operand panels. */
    private static final MemoryModel MODEL = new MemoryModel() {
        @Override
        public long tensorBytes(long elements) {
            return 16 + (4 * elements + 7) / 8 * 8;
        }

        @Override
        public long columnSumsScratchBytes(long rows, long cols) {
            // activationBackwardColumnSums: per block of rows, two rows of float sums (a two-sum's high and low
            // parts) in chunks of FastSigmoid.CHUNK columns, and a chunk of gradients
            long chunks = (cols + FastSigmoid.CHUNK - 1) / FastSigmoid.CHUNK;
            return Math.min(rows, 2L * Runtime.getRuntime().availableProcessors())
                    * ((2 * chunks + 1) * (16 + 4L * FastSigmoid.CHUNK) + 2 * (16 + 8 * chunks));
        }

        @Override
        public long gemmScratchBytes(Precision p, long m, long n, long k) {
            if (p != Precision.BF16) {
                return 0;
            }
            return tensorBytes(Math.min(m, PANEL_M) * Math.min(k, PANEL_K))
                    + tensorBytes(Math.min(k, PANEL_K) * Math.min(n, PANEL_N));
        }
    };

    @Override
    public void upload(float[] src, int srcOffset, Tensor dst) {
        float[] d = data(dst, "upload destination");
        int n = n(dst);
        Checks.range(src, srcOffset, n, "upload source");
        System.arraycopy(src, srcOffset, d, 0, n);
    }

    @Override
    public void download(Tensor src, float[] dst, int dstOffset) {
        float[] s = data(src, "download source");
        int n = n(src);
        Checks.range(dst, dstOffset, n, "download destination");
        System.arraycopy(s, 0, dst, dstOffset, n);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        Checks.copy(src, dst);
        System.arraycopy(data(src, "copy source"), 0, data(dst, "copy destination"), 0, n(src));
    }

    @Override
    public void fill(Tensor x, float value) {
        java.util.Arrays.fill(data(x, "fill"), 0, n(x), value);
    }

    // ---- dense algebra ----

    @Override
    public void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        float[] A = data(a, "gemm A");
        float[] B = data(b, "gemm B");
        float[] C = data(c, "gemm C");
        int[] mnk = Checks.gemm(transA, transB, a, b, c);
        int m = mnk[0];
        int n = mnk[1];
        int k = mnk[2];
        if (beta == 0f) {
            java.util.Arrays.fill(C, 0, m * n, 0f); // BLAS ignores C when beta = 0, but make it explicit: NaN never leaks in
        }
        if (precision == Precision.BF16) {
            gemmBf16(transA, transB, m, n, k, alpha, A, a.cols(), B, b.cols(), beta, C);
            return;
        }
        // Row-major C = op(A)·op(B) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: swap the operands, keep the flags.
        blasThreads.run(m, n, k, () -> blas.sgemm(transB ? "T" : "N", transA ? "T" : "N", n, m, k,
                alpha, B, 0, b.cols(), A, 0, a.cols(), beta, C, 0, n));
    }

    /**
     * C = alpha·op(A)·op(B) + beta·C with every operand rounded to bfloat16 and the products summed in float32: the
     * operands are rounded panel by panel (at most PANEL_M × PANEL_K of op(A) and PANEL_K × PANEL_N of op(B)) into
     * row-major scratch, and each panel product is added into C by the BLAS (beta for the first panel of depth).
     */
    private void gemmBf16(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] A, int lda, float[] B,
                          int ldb, float beta, float[] C) {
        long scratch = MODEL.gemmScratchBytes(Precision.BF16, m, n, k);
        reserve(scratch);
        try {
            float[] ap = newArray(Math.min(m, PANEL_M) * Math.min(k, PANEL_K));
            float[] bp = newArray(Math.min(k, PANEL_K) * Math.min(n, PANEL_N));
            for (int i0 = 0; i0 < m; i0 += PANEL_M) {
                int mb = Math.min(PANEL_M, m - i0);
                for (int p0 = 0; p0 < k; p0 += PANEL_K) {
                    int kb = Math.min(PANEL_K, k - p0);
                    for (int i = 0; i < mb; i++) { // ap[i, p] = bf16(op(A)[i0 + i, p0 + p])
                        for (int p = 0; p < kb; p++) {
                            ap[i * kb + p] = Bf16.round(ta ? A[(p0 + p) * lda + i0 + i] : A[(i0 + i) * lda + p0 + p]);
                        }
                    }
                    for (int j0 = 0; j0 < n; j0 += PANEL_N) {
                        int nb = Math.min(PANEL_N, n - j0);
                        for (int p = 0; p < kb; p++) { // bp[p, j] = bf16(op(B)[p0 + p, j0 + j])
                            for (int j = 0; j < nb; j++) {
                                bp[p * nb + j] = Bf16.round(tb ? B[(j0 + j) * ldb + p0 + p] : B[(p0 + p) * ldb + j0 + j]);
                            }
                        }
                        // row-major C[i0.., j0..] += ap·bp is column-major Cᵀ = bpᵀ·apᵀ
                        float b0 = p0 == 0 ? beta : 1f;
                        int c0 = i0 * n + j0;
                        blasThreads.run(mb, nb, kb, () -> blas.sgemm("N", "N", nb, mb, kb, alpha, bp,
                                0, nb, ap, 0, kb, b0, C, c0, n));
                    }
                }
            }
        } finally {
            released(scratch);
        }
    }

    @Override
    public void addRowVector(Tensor x, Tensor bias) {
        float[] X = data(x, "addRowVector x");
        float[] bb = data(bias, "addRowVector bias");
        Checks.addRowVector(x, bias);
        int n = x.cols();
        rows(x.rows(), n, COST_STREAM, (r0, r1) -> {
            for (int i = r0; i < r1; i++) {
                int o = i * n;
                for (int j = 0; j < n; j++) {
                    X[o + j] += bb[j];
                }
            }
        });
    }

    /** y = f(z + bias): the bias add of {@link #addRowVector} and the activation of {@link #activationForward}, one pass. */
    @Override
    public void biasActivation(Activation f, Tensor z, Tensor bias, Tensor y) {
        Checks.biasActivation(z, bias, y);
        float[] Z = data(z, "biasActivation z");
        float[] bb = data(bias, "biasActivation bias");
        float[] Y = data(y, "biasActivation y");
        int n = z.cols();
        rows(z.rows(), n, cost(f), (r0, r1) -> {
            if (f == Activation.SIGMOID) {
                FastSigmoid.apply(Z, r0 * n, bb, n, Y, r0 * n, (r1 - r0) * n);
                return;
            }
            for (int i = r0; i < r1; i++) {
                int o = i * n;
                switch (f) {
                    case IDENTITY -> {
                        for (int j = 0; j < n; j++) {
                            Y[o + j] = Z[o + j] + bb[j];
                        }
                    }
                    case TANH -> {
                        for (int j = 0; j < n; j++) {
                            Y[o + j] = (float) Math.tanh(Z[o + j] + bb[j]);
                        }
                    }
                    case RELU -> {
                        for (int j = 0; j < n; j++) {
                            Y[o + j] = Math.max(Z[o + j] + bb[j], 0f);
                        }
                    }
                    case EXP -> {
                        for (int j = 0; j < n; j++) {
                            Y[o + j] = (float) Math.exp(Z[o + j] + bb[j]);
                        }
                    }
                    default -> throw new AssertionError(f);
                }
            }
        });
    }

    @Override
    public void columnSums(Tensor x, Tensor out) {
        float[] X = data(x, "columnSums x");
        float[] O = data(out, "columnSums out");
        Checks.columnSums(x, out);
        int n = x.cols();
        int rows = x.rows();
        // Each column is summed in double, top to bottom; blocks of columns are split across threads.
        columnBlocks(rows, n, COST_STREAM, (j0, j1) -> {
            double[] acc = new double[j1 - j0];
            for (int i = 0; i < rows; i++) {
                int o = i * n;
                for (int j = j0; j < j1; j++) {
                    acc[j - j0] += X[o + j];
                }
            }
            for (int j = j0; j < j1; j++) {
                O[j] = (float) acc[j - j0];
            }
        });
    }

    // ---- element-wise ----

    @Override
    public void activationForward(Activation f, Tensor z, Tensor y) {
        Checks.activationForward(z, y);
        float[] Z = data(z, "activationForward z");
        float[] Y = data(y, "activationForward y");
        elements(n(z), cost(f), (from, to) -> {
            switch (f) {
                case IDENTITY -> System.arraycopy(Z, from, Y, from, to - from);
                case SIGMOID -> FastSigmoid.apply(Z, from, null, 0, Y, from, to - from);
                case TANH -> {
                    for (int i = from; i < to; i++) {
                        Y[i] = (float) Math.tanh(Z[i]);
                    }
                }
                case RELU -> {
                    for (int i = from; i < to; i++) {
                        Y[i] = Math.max(Z[i], 0f); // NaN stays NaN; no branch to mispredict on random-signed inputs
                    }
                }
                case EXP -> {
                    for (int i = from; i < to; i++) {
                        Y[i] = (float) Math.exp(Z[i]);
                    }
                }
                default -> throw new AssertionError(f);
            }
        });
    }

    /**
     * 1/(1+e^-z): for z → -∞ e^-z overflows to +∞ and the quotient is exactly 0, never NaN. The formula the sigmoid
     * is specified by; {@link FastSigmoid} computes its float, within 1 ulp of this formula's correctly rounded one.
     */
    static double sigmoid(double z) {
        return 1.0 / (1.0 + Math.exp(-z));
    }

    private static double cost(Activation f) {
        return switch (f) {
            case IDENTITY, RELU -> COST_STREAM;
            case SIGMOID -> COST_SIGMOID;
            default -> COST_TRANSCENDENTAL;
        };
    }

    @Override
    public void activationBackward(Activation f, Tensor y, Tensor dy, Tensor dz) {
        Checks.activationBackward(y, dy, dz);
        float[] Y = data(y, "activationBackward y");
        float[] DY = data(dy, "activationBackward dy");
        float[] DZ = data(dz, "activationBackward dz");
        elements(n(y), COST_STREAM, (from, to) -> activationGrad(f, Y, DY, DZ, from, to));
    }

    /** DZ[i] = DY[i] · f'(z) through Y[i] = f(z), for i in [from, to). */
    private static void activationGrad(Activation f, float[] Y, float[] DY, float[] DZ, int from, int to) {
        switch (f) {
            case IDENTITY -> System.arraycopy(DY, from, DZ, from, to - from);
            case SIGMOID -> FastSigmoid.backward(Y, DY, DZ, from, to - from);
            case TANH -> {
                for (int i = from; i < to; i++) {
                    double yi = Y[i];
                    DZ[i] = (float) (DY[i] * (1.0 - yi * yi));
                }
            }
            case RELU -> {
                for (int i = from; i < to; i++) {
                    DZ[i] = Y[i] <= 0f ? 0f : DY[i]; // a select, as PyTorch: y = NaN passes dy on
                }
            }
            case EXP -> {
                for (int i = from; i < to; i++) {
                    DZ[i] = (float) ((double) DY[i] * Y[i]);
                }
            }
            default -> throw new AssertionError(f);
        }
    }

    /**
     * {@link #activationBackward} and {@link #columnSums} of its result in one pass: each block of rows writes its dz
     * (the same floats as activationBackward) and sums its columns top to bottom in two floats per column (Knuth's
     * two-sum: the sum to about 2⁻⁴⁴, in loops that Java's JIT vectorizes, where a double accumulator would need a
     * float-to-double conversion that it does not); the blocks' sums are added in double in block order. A column
     * with a NaN or an infinity sums to what float additions give (NaN, or the infinity).
     */
    @Override
    public void activationBackwardColumnSums(Activation f, Tensor y, Tensor dy, Tensor dz, Tensor sums) {
        Checks.activationBackward(y, dy, dz);
        Checks.columnSums(y, sums);
        float[] Y = data(y, "activationBackwardColumnSums y");
        float[] DY = data(dy, "activationBackwardColumnSums dy");
        float[] DZ = data(dz, "activationBackwardColumnSums dz");
        float[] S = data(sums, "activationBackwardColumnSums sums");
        int n = y.cols();
        int rows = y.rows();
        int blocks = rowBlocks(rows, n, COST_STREAM);
        int per = (rows + blocks - 1) / blocks;
        long scratch = MODEL.columnSumsScratchBytes(blocks, n);
        reserve(scratch);
        try {
            int chunks = blocks(n, FastSigmoid.CHUNK);
            float[][][] hi = new float[blocks][chunks][FastSigmoid.CHUNK];
            float[][][] lo = new float[blocks][chunks][FastSigmoid.CHUNK];
            IntStream range = IntStream.range(0, blocks);
            // Rows of half a chunk or more: the sigmoid's gradient a chunk of a row at a time, summed from the chunk
            // before it is stored. Narrower rows in groups of about 4 chunks: their dz computed in one call (chunks
            // across rows), then summed while still in cache.
            boolean byChunk = f == Activation.SIGMOID && 2 * n >= FastSigmoid.CHUNK;
            int group = Math.max(1, 4 * FastSigmoid.CHUNK / Math.max(1, n));
            (blocks > 1 ? range.parallel() : range).forEach(b -> {
                float[] g = new float[FastSigmoid.CHUNK];
                int end = Math.min(rows, (b + 1) * per);
                for (int i = b * per; byChunk && i < end; i++) {
                    for (int c = 0; c < chunks; c++) {
                        int at = i * n + c * FastSigmoid.CHUNK;
                        int m = Math.min(FastSigmoid.CHUNK, n - c * FastSigmoid.CHUNK);
                        FastSigmoid.gradient(Y, DY, at, g, m);
                        System.arraycopy(g, 0, DZ, at, m);
                        addTwoSum(g, hi[b][c], lo[b][c], m);
                    }
                }
                for (int i0 = b * per; !byChunk && i0 < end; i0 += group) {
                    int i1 = Math.min(end, i0 + group);
                    activationGrad(f, Y, DY, DZ, i0 * n, i1 * n);
                    for (int i = i0; i < i1; i++) {
                        for (int c = 0; c < chunks; c++) {
                            int m = Math.min(FastSigmoid.CHUNK, n - c * FastSigmoid.CHUNK);
                            System.arraycopy(DZ, i * n + c * FastSigmoid.CHUNK, g, 0, m);
                            addTwoSum(g, hi[b][c], lo[b][c], m);
                        }
                    }
                }
            });
            for (int j = 0; j < n; j++) {
                int c = j / FastSigmoid.CHUNK;
                int k = j % FastSigmoid.CHUNK;
                double s = 0;
                for (int b = 0; b < blocks; b++) {
                    float h = hi[b][c][k];
                    s += Float.isFinite(h) ? (double) h + lo[b][c][k] : h;
                }
                S[j] = (float) s;
            }
        } catch (OutOfMemoryError e) {
            throw outOfMemory(scratch);
        } finally {
            released(scratch);
        }
    }

    /**
     * (hi + lo)[j] += x[j] for j in [0, n), the rounding error of each float addition kept in lo (indexed from 0, as
     * Java 17 vectorizes only such loops; see {@link FastSigmoid}).
     */
    private static void addTwoSum(float[] x, float[] hi, float[] lo, int n) {
        for (int j = 0; j < n; j++) {
            float h = hi[j];
            float v = x[j];
            float s = h + v;
            float bv = s - h;
            lo[j] += (h - (s - bv)) + (v - bv);
            hi[j] = s;
        }
    }

    @Override
    public void softmaxRows(Tensor z, Tensor y) {
        Checks.softmaxRows(z, y);
        float[] Z = data(z, "softmaxRows z");
        float[] Y = data(y, "softmaxRows y");
        int n = z.cols();
        rows(z.rows(), n, COST_TRANSCENDENTAL, (r0, r1) -> {
            for (int i = r0; i < r1; i++) {
                softmaxRow(Z, Y, i * n, n);
            }
        });
    }

    /** One row, with its maximum subtracted: a row holding a NaN is NaN throughout. */
    private static void softmaxRow(float[] Z, float[] Y, int o, int n) {
        double max = rowMax(Z, o, n);
        double sum = sumExp(Z, o, n, max);
        for (int j = 0; j < n; j++) {
            Y[o + j] = (float) (Math.exp(Z[o + j] - max) / sum);
        }
    }

    /** The largest of Z[o .. o+n), NaN if any is NaN (as Math.max). */
    private static double rowMax(float[] Z, int o, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            max = Math.max(max, Z[o + j]);
        }
        return max;
    }

    /** Σ e^(Z[j] - max) over Z[o .. o+n). */
    private static double sumExp(float[] Z, int o, int n, double max) {
        double sum = 0;
        for (int j = 0; j < n; j++) {
            sum += Math.exp(Z[o + j] - max);
        }
        return sum;
    }

    @Override
    public void lossForwardBackward(Loss loss, Tensor logits, Tensor targets, Tensor grad, Tensor rowLoss,
                                    float gradScale) {
        Checks.loss(loss, logits, targets, grad, rowLoss);
        float[] Z = data(logits, "loss logits");
        float[] T = data(targets, "loss targets");
        float[] G = grad == null ? null : data(grad, "loss gradient");
        float[] L = data(rowLoss, "row losses");
        int n = logits.cols();
        rows(logits.rows(), n, COST_TRANSCENDENTAL, (r0, r1) -> {
            double[] e = loss == Loss.SOFTMAX_CROSS_ENTROPY ? new double[n] : null;
            for (int i = r0; i < r1; i++) {
                L[i] = (float) lossRow(loss, Z, T, G, i, n, gradScale, e);
            }
        });
    }

    /** One row's loss, and its gradient into G when G is not null; e: scratch of n doubles for softmax. */
    private static double lossRow(Loss loss, float[] Z, float[] T, float[] G, int i, int n, float gradScale,
                                  double[] e) {
        int o = i * n;
        if (loss == Loss.SOFTMAX_CROSS_ENTROPY) {
            return softmaxCrossEntropyRow(Z, o, n, classIndex(T[i], i, n), G, gradScale, e);
        }
        double rowSum = 0;
        for (int j = 0; j < n; j++) {
            double z = Z[o + j];
            double t = T[o + j];
            double value;
            double p;
            switch (loss) {
                case SIGMOID_BINARY_CROSS_ENTROPY -> {
                    value = Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z)));
                    p = sigmoid(z);
                }
                case SQUARED_ERROR -> {
                    value = 0.5 * (z - t) * (z - t);
                    p = z;
                }
                case POISSON -> {
                    p = Math.exp(z);
                    value = p - t * z;
                }
                default -> throw new AssertionError(loss);
            }
            rowSum += value;
            if (G != null) {
                G[o + j] = (float) (gradScale * (p - t));
            }
        }
        return rowSum;
    }

    private static int classIndex(float t, int row, int classes) {
        int c = (int) t;
        if (c != t || c < 0 || c >= classes) {
            throw new IllegalArgumentException("class index " + t + " in row " + row + " is not an integer in [0, "
                    + classes + ")");
        }
        return c;
    }

    /**
     * logsumexp(z) - z[c] as (max - z[c]) + log Σ e^(z - max), and gradScale·(softmax(z) - onehot(c)) into G when G is not null, with softmax(z)_j =
     * e^(z_j - max) / Σ e^(z - max): each exponential computed once.
     */
    private static double softmaxCrossEntropyRow(float[] Z, int o, int n, int c, float[] G, float gradScale,
                                                 double[] e) {
        double max = rowMax(Z, o, n);
        double sum = 0;
        for (int j = 0; j < n; j++) {
            e[j] = Math.exp(Z[o + j] - max);
            sum += e[j];
        }
        if (G != null) {
            for (int j = 0; j < n; j++) {
                G[o + j] = (float) (gradScale * (e[j] / sum - (j == c ? 1.0 : 0.0)));
            }
        }
        return (max - Z[o + c]) + Math.log(sum); // the large terms cancel first: log Σ is not lost to |max|
    }

    @Override
    public void axpy(float alpha, Tensor x, Tensor y) {
        Checks.axpy(x, y);
        float[] X = data(x, "axpy x");
        float[] Y = data(y, "axpy y");
        elements(n(x), COST_STREAM, (from, to) -> {
            for (int i = from; i < to; i++) {
                Y[i] = alpha * X[i] + Y[i];
            }
        });
    }

    @Override
    public void scale(float alpha, Tensor x) {
        float[] X = data(x, "scale");
        elements(n(x), COST_STREAM, (from, to) -> {
            for (int i = from; i < to; i++) {
                X[i] = alpha * X[i];
            }
        });
    }

    @Override
    public double dot(Tensor x, Tensor y) {
        Checks.dot(x, y);
        float[] X = data(x, "dot x");
        float[] Y = data(y, "dot y");
        double s = 0;
        for (int i = 0, n = n(x); i < n; i++) {
            s += (double) X[i] * Y[i];
        }
        return s;
    }

    @Override
    public double norm2(Tensor x) {
        float[] X = data(x, "norm2");
        double s = 0;
        for (int i = 0, n = n(x); i < n; i++) {
            s += (double) X[i] * X[i];
        }
        return Math.sqrt(s);
    }

    // ---- optimizers ----

    @Override
    public void sgdUpdate(Tensor param, Tensor grad, Tensor velocity, float lr, float momentum, boolean nesterov) {
        Checks.sgdUpdate(param, grad, velocity, momentum);
        float[] P = data(param, "sgd param");
        float[] G = data(grad, "sgd grad");
        if (momentum == 0f) {
            elements(n(param), COST_STREAM, (from, to) -> {
                for (int i = from; i < to; i++) {
                    P[i] -= lr * G[i];
                }
            });
            return;
        }
        float[] V = data(velocity, "sgd velocity");
        elements(n(param), COST_STREAM, (from, to) -> {
            for (int i = from; i < to; i++) {
                float v = momentum * V[i] + G[i];
                V[i] = v;
                float step = nesterov ? G[i] + momentum * v : v;
                P[i] -= lr * step;
            }
        });
    }

    @Override
    public void adamUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                           float eps, float weightDecay, long step) {
        Checks.adamUpdate(param, grad, m, v, step);
        float[] P = data(param, "adam param");
        float[] G = data(grad, "adam grad");
        float[] M = data(m, "adam m");
        float[] V = data(v, "adam v");
        double c1 = 1.0 - Math.pow(beta1, step);
        double c2 = 1.0 - Math.pow(beta2, step);
        elements(n(param), 4 * COST_STREAM, (from, to) -> {
            for (int i = from; i < to; i++) {
                float g = G[i];
                float mi = beta1 * M[i] + (1 - beta1) * g;
                float vi = beta2 * V[i] + (1 - beta2) * g * g;
                M[i] = mi;
                V[i] = vi;
                double p = P[i];
                p -= (double) lr * weightDecay * p;
                p -= lr * (mi / c1) / (Math.sqrt(vi / c2) + eps);
                P[i] = (float) p;
            }
        });
    }

    @Override
    public void synchronize() {
        guard.checkOpen(); // everything ran on the calling thread (or finished before the call returned)
    }

    /** Marks the backend closed: later calls fail, its tensors report closed. Nothing native to release. */
    @Override
    public void close() {
        guard.close(() -> { });
    }

    boolean isClosed() {
        return guard.isClosed();
    }

    @Override
    public String toString() {
        return "CpuBackend[" + guard + "]";
    }

    // ---- helpers ----

    private float[] data(Tensor t, String what) {
        guard.checkOpen();
        Checks.owned(this, t, what);
        return ((CpuTensor) t).data();
    }

    /** The elements a tensor spans: rows × cols (a view's array is its parent's, longer). */
    private static int n(Tensor t) {
        return ((CpuTensor) t).n();
    }

    /** Work on the index range [from, to): the loop lives in the body so that it compiles to one tight loop. */
    @FunctionalInterface
    private interface RangeBody {
        void run(int from, int to);
    }

    /** Threads worth using for {@code elements} of work at {@code cost} ns each: 1 unless it pays. */
    private int threadsFor(long elements, double cost) {
        if (elements * cost < parallelWorkNs) {
            return 1;
        }
        double worth = parallelWorkNs > 0 ? elements * cost / parallelWorkNs : Double.POSITIVE_INFINITY;
        return (int) Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), worth));
    }

    /** Rows [0, rows) in blocks, split across threads when rows × cols × cost is enough work for that to pay. */
    private void rows(int rows, int cols, double cost, RangeBody body) {
        int blocks = rowBlocks(rows, cols, cost);
        if (blocks == 1) {
            body.run(0, rows);
            return;
        }
        int per = (rows + blocks - 1) / blocks;
        IntStream.range(0, blocks).parallel().forEach(b -> body.run(b * per, end(b * per, per, rows)));
    }

    /** How many blocks of rows to split a [rows, cols] pass into: 1, or two per thread worth using. */
    private int rowBlocks(int rows, int cols, double cost) {
        int threads = threadsFor((long) rows * cols, cost);
        return threads == 1 ? 1 : Math.max(1, Math.min(rows, 2 * threads));
    }

    /** Blocks of at most 64 columns [j0, j1) of a [rows, cols] pass, split across threads when it pays. */
    private void columnBlocks(int rows, int cols, double cost, RangeBody body) {
        int blocks = blocks(cols, 64);
        IntStream range = IntStream.range(0, blocks);
        if (blocks > 1 && threadsFor((long) rows * cols, cost) > 1) {
            range = range.parallel();
        }
        range.forEach(b -> body.run(b * 64, end(b * 64, 64, cols)));
    }

    /** Elements [0, n) in chunks, split across threads when n × cost is enough work for that to pay. */
    private void elements(int n, double cost, RangeBody body) {
        int threads = threadsFor(n, cost);
        if (threads == 1) {
            body.run(0, n);
            return;
        }
        int chunk = (int) Math.max(4096, ((long) n + 2L * threads - 1) / (2L * threads));
        IntStream.range(0, blocks(n, chunk)).parallel()
                .forEach(c -> body.run(c * chunk, end(c * chunk, chunk, n)));
    }

    /** How many blocks of {@code size} cover n, in 64 bits: n may be close to 2^31. */
    private static int blocks(int n, int size) {
        return (int) ((n + (long) size - 1) / size);
    }

    /** The end of the block starting at {@code start}: start + size, or n if that is smaller (no int overflow). */
    private static int end(int start, int size, int n) {
        return (int) Math.min(n, (long) start + size);
    }
}
