package io.logitnet.cpu;

import dev.ludovic.netlib.blas.BLAS;
import io.logitnet.DeviceOutOfMemoryException;
import io.logitnet.backend.Activation;
import io.logitnet.backend.Backend;
import io.logitnet.backend.BackendGuard;
import io.logitnet.backend.Checks;
import io.logitnet.backend.DeviceInfo;
import io.logitnet.backend.Loss;
import io.logitnet.backend.Precision;
import io.logitnet.backend.Tensor;

import java.util.EnumSet;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * The reference backend: the written specification of every operation, which the GPU backends are checked
 * against. Element-wise work is plain Java loops, computed in double and stored in float, with nothing clever in
 * them; rows are split across threads only when a call is large enough for that to pay. Matrix products go to a
 * real BLAS through netlib-java ({@code dev.ludovic.netlib}): the system's OpenBLAS when it is installed
 * ({@code apt-get install libopenblas0}), a pure-Java BLAS otherwise.
 *
 * <p>Threads and closing follow {@link BackendGuard}: any thread may call; there is no state shared between calls,
 * so calls on different tensors may run at the same time, and calls that write a tensor must not overlap other calls
 * that use it (as with any array). After {@link #close()} every call fails and the tensors are closed.
 *
 * <p>Memory: tensors live on the Java heap. A tensor larger than the heap can ever hold, or one the heap cannot hold
 * now, is refused with {@link DeviceOutOfMemoryException} (requested, free and maximum heap bytes), never a bare
 * {@link OutOfMemoryError}; the backend stays usable.
 */
public final class CpuBackend implements Backend {
    /** Below this many elements a call runs on the calling thread. */
    private static final long PARALLEL_THRESHOLD = 1 << 15;

    private final BLAS blas;
    private final BackendGuard guard = new BackendGuard("cpu");

    public CpuBackend() {
        this.blas = Netlib.blas();
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
                Runtime.getRuntime().availableProcessors() + " threads, " + blasNote);
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
        return EnumSet.of(Precision.FP32);
    }

    @Override
    public Precision precision() {
        return Precision.FP32;
    }

    @Override
    public void setPrecision(Precision precision) {
        guard.checkOpen();
        if (precision != Precision.FP32) {
            throw new IllegalArgumentException("the cpu backend supports only fp32, not " + precision);
        }
    }

    // ---- memory ----

    @Override
    public Tensor allocate(int rows, int cols) {
        guard.checkOpen();
        Checks.dims(rows, cols);
        long bytes = (long) rows * cols * Float.BYTES;
        if (bytes > Runtime.getRuntime().maxMemory()) { // could never fit, whatever the garbage collector frees
            throw outOfMemory(bytes);
        }
        return new CpuTensor(this, rows, cols, newArray(rows * cols));
    }

    /** A zero-filled array of n floats; the heap running out is a {@link DeviceOutOfMemoryException}. */
    float[] newArray(int n) {
        try {
            return new float[n];
        } catch (OutOfMemoryError e) {
            throw outOfMemory((long) n * Float.BYTES);
        }
    }

    /** What the heap could still give: its maximum less what is in use now (garbage included: an estimate). */
    private DeviceOutOfMemoryException outOfMemory(long bytes) {
        Runtime rt = Runtime.getRuntime();
        long max = rt.maxMemory();
        long free = max - (rt.totalMemory() - rt.freeMemory());
        return new DeviceOutOfMemoryException("the Java heap of " + instanceName() + " (raise it with -Xmx, e.g. "
                + "java -Xmx" + suggestedHeap(bytes, max) + ", or use a smaller layer width or batch)", bytes, free, max);
    }

    /** A heap that holds {@code bytes} more than {@code max} does, in whole gigabytes. */
    private static String suggestedHeap(long bytes, long max) {
        return ((max + bytes + (1L << 30) - 1) >> 30) + "g";
    }

    @Override
    public void upload(float[] src, int srcOffset, Tensor dst) {
        float[] d = data(dst, "upload destination");
        Checks.range(src, srcOffset, d.length, "upload source");
        System.arraycopy(src, srcOffset, d, 0, d.length);
    }

    @Override
    public void download(Tensor src, float[] dst, int dstOffset) {
        float[] s = data(src, "download source");
        Checks.range(dst, dstOffset, s.length, "download destination");
        System.arraycopy(s, 0, dst, dstOffset, s.length);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        Checks.copy(src, dst);
        System.arraycopy(data(src, "copy source"), 0, data(dst, "copy destination"), 0, (int) src.size());
    }

    @Override
    public void fill(Tensor x, float value) {
        java.util.Arrays.fill(data(x, "fill"), value);
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
            java.util.Arrays.fill(C, 0f); // BLAS ignores C when beta = 0, but make it explicit: NaN never leaks in
        }
        // Row-major C = op(A)·op(B) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: swap the operands, keep the flags.
        blas.sgemm(transB ? "T" : "N", transA ? "T" : "N", n, m, k, alpha,
                B, 0, b.cols(), A, 0, a.cols(), beta, C, 0, n);
    }

    @Override
    public void addRowVector(Tensor x, Tensor bias) {
        float[] X = data(x, "addRowVector x");
        float[] bb = data(bias, "addRowVector bias");
        Checks.addRowVector(x, bias);
        int n = x.cols();
        rows(x.rows(), n, (r0, r1) -> {
            for (int i = r0; i < r1; i++) {
                int o = i * n;
                for (int j = 0; j < n; j++) {
                    X[o + j] += bb[j];
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
        // Each column is summed in double, top to bottom; columns are split across threads.
        IntStream cols = IntStream.range(0, blocks(n, 64));
        if (x.size() >= PARALLEL_THRESHOLD) {
            cols = cols.parallel();
        }
        cols.forEach(block -> {
            int j0 = block * 64;
            int j1 = end(j0, 64, n);
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
        elements(Z.length, (from, to) -> {
            switch (f) {
                case IDENTITY -> System.arraycopy(Z, from, Y, from, to - from);
                case SIGMOID -> {
                    for (int i = from; i < to; i++) {
                        Y[i] = (float) sigmoid(Z[i]);
                    }
                }
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

    /** 1/(1+e^-z): for z → -∞ e^-z overflows to +∞ and the quotient is exactly 0, never NaN. */
    static double sigmoid(double z) {
        return 1.0 / (1.0 + Math.exp(-z));
    }

    @Override
    public void activationBackward(Activation f, Tensor y, Tensor dy, Tensor dz) {
        Checks.activationBackward(y, dy, dz);
        float[] Y = data(y, "activationBackward y");
        float[] DY = data(dy, "activationBackward dy");
        float[] DZ = data(dz, "activationBackward dz");
        elements(Y.length, (from, to) -> {
            switch (f) {
                case IDENTITY -> System.arraycopy(DY, from, DZ, from, to - from);
                case SIGMOID -> {
                    for (int i = from; i < to; i++) {
                        double yi = Y[i];
                        DZ[i] = (float) (DY[i] * (yi * (1.0 - yi)));
                    }
                }
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
        });
    }

    @Override
    public void softmaxRows(Tensor z, Tensor y) {
        Checks.softmaxRows(z, y);
        float[] Z = data(z, "softmaxRows z");
        float[] Y = data(y, "softmaxRows y");
        int n = z.cols();
        rows(z.rows(), n, (r0, r1) -> {
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
        rows(logits.rows(), n, (r0, r1) -> {
            for (int i = r0; i < r1; i++) {
                L[i] = (float) lossRow(loss, Z, T, G, i, n, gradScale);
            }
        });
    }

    /** One row's loss, and its gradient into G when G is not null. */
    private static double lossRow(Loss loss, float[] Z, float[] T, float[] G, int i, int n, float gradScale) {
        int o = i * n;
        if (loss == Loss.SOFTMAX_CROSS_ENTROPY) {
            return softmaxCrossEntropyRow(Z, o, n, classIndex(T[i], i, n), G, gradScale);
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

    /** logsumexp(z) - z[c], and gradScale·(softmax(z) - onehot(c)) into G when G is not null. */
    private static double softmaxCrossEntropyRow(float[] Z, int o, int n, int c, float[] G, float gradScale) {
        double max = rowMax(Z, o, n);
        double logSum = Math.log(sumExp(Z, o, n, max));
        if (G != null) {
            for (int j = 0; j < n; j++) {
                double p = Math.exp(Z[o + j] - max - logSum);
                G[o + j] = (float) (gradScale * (p - (j == c ? 1.0 : 0.0)));
            }
        }
        return (max + logSum) - Z[o + c];
    }

    @Override
    public void axpy(float alpha, Tensor x, Tensor y) {
        Checks.axpy(x, y);
        float[] X = data(x, "axpy x");
        float[] Y = data(y, "axpy y");
        elements(X.length, (from, to) -> {
            for (int i = from; i < to; i++) {
                Y[i] = alpha * X[i] + Y[i];
            }
        });
    }

    @Override
    public void scale(float alpha, Tensor x) {
        float[] X = data(x, "scale");
        elements(X.length, (from, to) -> {
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
        for (int i = 0; i < X.length; i++) {
            s += (double) X[i] * Y[i];
        }
        return s;
    }

    @Override
    public double norm2(Tensor x) {
        float[] X = data(x, "norm2");
        double s = 0;
        for (float v : X) {
            s += (double) v * v;
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
            elements(P.length, (from, to) -> {
                for (int i = from; i < to; i++) {
                    P[i] -= lr * G[i];
                }
            });
            return;
        }
        float[] V = data(velocity, "sgd velocity");
        elements(P.length, (from, to) -> {
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
        elements(P.length, (from, to) -> {
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

    /** Work on the index range [from, to): the loop lives in the body so that it compiles to one tight loop. */
    @FunctionalInterface
    private interface RangeBody {
        void run(int from, int to);
    }

    /** Rows [0, rows) in blocks, split across threads when rows × cols is large enough. */
    private static void rows(int rows, int cols, RangeBody body) {
        long work = (long) rows * cols;
        if (work < PARALLEL_THRESHOLD || rows == 1) {
            body.run(0, rows);
            return;
        }
        int block = (int) Math.max(1, Math.min(rows, (1 << 14) / Math.max(1, cols)));
        IntStream.range(0, blocks(rows, block)).parallel()
                .forEach(b -> body.run(b * block, end(b * block, block, rows)));
    }

    /** Elements [0, n) in chunks, split across threads when n is large enough. */
    private static void elements(int n, RangeBody body) {
        if (n < PARALLEL_THRESHOLD) {
            body.run(0, n);
            return;
        }
        int chunk = 1 << 14;
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
