package io.logitnet.backend;

import java.util.Set;

/**
 * The small set of primitive operations dense networks need, the same on every device. Everything a layer,
 * loss or optimizer does is composed from these. All tensors passed to one call must belong to this backend;
 * shapes are checked up front and a mismatch throws {@link io.logitnet.ShapeMismatchException} with both shapes.
 *
 * <p>Operations may run asynchronously on the device; {@link #download}, {@link #dot}, {@link #norm2} and
 * {@link #synchronize} wait for the work queued before them. Threads and closing follow one rule on every backend
 * ({@link BackendGuard}): any thread may call; a GPU backend runs concurrent calls one after another; tensors are
 * like arrays (calls that write one must not overlap other calls that use it); after {@link #close()} every call
 * fails with {@link IllegalStateException} and the backend's tensors are closed.
 *
 * <p>Non-finite values follow IEEE arithmetic through every operation, as in PyTorch: NaN propagates (relu(NaN),
 * a softmax row holding a NaN, a maximum over a NaN are NaN), ±Inf give what the documented formula gives in IEEE
 * arithmetic, and nothing clamps or drops them.
 */
public interface Backend extends AutoCloseable {

    /** Short name used for selection: {@code cpu}, {@code opencl}, {@code cuda}. */
    String name();

    /**
     * This instance's distinct name, e.g. {@code cpu#2} or {@code opencl:0:0#1}: what messages that involve two
     * backends name. The default, {@link #name()}, is for backends outside this project; ours override it.
     */
    default String instanceName() {
        return name();
    }

    /**
     * The device this instance runs on: its selection id ({@code cpu}, {@code opencl:0:1}, {@code cuda:0}), name,
     * memory and, in {@link DeviceInfo#details()}, what a benchmark or a log needs to know about how it is used
     * (BLAS, launch parameters, compute capability). The default knows only the name.
     */
    default DeviceInfo device() {
        return new DeviceInfo(name(), deviceName(), -1, "");
    }

    /** The device in words, for logs and checkpoints (e.g. "NVIDIA H100 80GB HBM3, driver 580.65"). */
    String deviceName();

    /** Precisions this backend can run matrix products in. FP32 is always among them. */
    Set<Precision> supportedPrecisions();

    /** The precision matrix products currently use. */
    Precision precision();

    /**
     * Chooses the precision of later matrix products.
     *
     * @throws IllegalArgumentException if the precision is not in {@link #supportedPrecisions()}
     */
    void setPrecision(Precision precision);

    // ---- memory ----

    /** A new zero-filled tensor {@code [rows, cols]}. */
    Tensor allocate(int rows, int cols);

    /** A new tensor {@code [rows, cols]} holding {@code data} (row-major, exactly rows × cols values). */
    default Tensor upload(float[] data, int rows, int cols) {
        if ((long) rows * cols != data.length) {
            throw new io.logitnet.ShapeMismatchException("upload", new int[] {rows, cols}, new int[] {data.length});
        }
        Tensor t = allocate(rows, cols);
        try {
            upload(data, 0, t);
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
        return t;
    }

    /** Overwrites all of {@code dst} with {@code dst.size()} values of {@code src} starting at {@code srcOffset}. */
    void upload(float[] src, int srcOffset, Tensor dst);

    /** Copies all of {@code src} into {@code dst} starting at {@code dstOffset}; waits for queued work first. */
    void download(Tensor src, float[] dst, int dstOffset);

    /** dst = src (same shape). */
    void copy(Tensor src, Tensor dst);

    /** Every element of {@code x} = value. */
    void fill(Tensor x, float value);

    /**
     * The first {@code rows} rows of {@code t} as a tensor {@code [rows, t.cols]} that shares t's memory (a
     * row-major prefix is contiguous): writing one writes the other. The view owns nothing: closing it releases
     * nothing, and it is closed when t (or the backend) is. A network runs a partial batch in views of its full
     * batch's buffers this way, so that a smaller batch needs no memory of its own.
     *
     * @throws IllegalArgumentException if rows is not in [1, t.rows]
     */
    default Tensor prefixRows(Tensor t, int rows) {
        throw new UnsupportedOperationException("backend " + instanceName() + " has no tensor views");
    }

    // ---- memory accounting ----

    /**
     * What the device's memory allows now: free and total bytes (the Java heap for the CPU backend,
     * {@code cuMemGetInfo} for CUDA, {@code CL_DEVICE_GLOBAL_MEM_SIZE} less what this backend holds for OpenCL), the
     * largest single allocation, and what this instance holds, all within the limit of {@link #setMemoryLimit}.
     * The default knows only the device's memory size, or nothing (then nothing can be checked against it).
     */
    default DeviceMemory memory() {
        long total = device().memoryBytes();
        if (total <= 0) {
            return new DeviceMemory(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, 0, 0, DeviceMemory.NO_LIMIT,
                    "unknown: " + instanceName() + " does not report its memory, so nothing is checked against it");
        }
        return new DeviceMemory(total, total, total, 0, 0, DeviceMemory.NO_LIMIT, "the device's memory size");
    }

    /** How this backend spends device memory: what a tensor takes, what its operations borrow. */
    default MemoryModel memoryModel() {
        return MemoryModel.PLAIN;
    }

    /**
     * Caps the bytes this instance may hold on its device (tensors, scratch, cached blocks): an allocation beyond it
     * fails with {@link io.logitnet.DeviceOutOfMemoryException} as on a device that small, and {@link #memory()}
     * reports the capped figures. {@link DeviceMemory#NO_LIMIT} lifts the cap. Every backend of this project also
     * reads a cap from the system property {@value DeviceMemory#LIMIT_PROPERTY} when it opens (e.g. {@code 512m}).
     *
     * @throws IllegalArgumentException if bytes is not positive
     */
    default void setMemoryLimit(long bytes) {
        throw new UnsupportedOperationException("backend " + instanceName() + " cannot limit its memory");
    }

    // ---- dense algebra ----

    /**
     * C = alpha · op(A) · op(B) + beta · C, with op(X) = X or Xᵀ. Shapes: op(A) {@code [m, k]}, op(B) {@code [k, n]},
     * C {@code [m, n]}. With beta = 0, C's previous contents are ignored (NaN in C does not propagate).
     */
    void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c);

    /** x[i, j] += bias[0, j]. x: {@code [rows, n]}, bias: {@code [1, n]}. */
    void addRowVector(Tensor x, Tensor bias);

    /**
     * y = f(z + bias), the bias row-broadcast as in {@link #addRowVector} and the sum rounded to float before f, in
     * one pass over the data where the backend can: what follows each layer's GEMM. y may be z. z, y:
     * {@code [rows, n]}, bias: {@code [1, n]}. The default composes {@link #copy}, {@link #addRowVector} and
     * {@link #activationForward}.
     */
    default void biasActivation(Activation f, Tensor z, Tensor bias, Tensor y) {
        Checks.biasActivation(z, bias, y);
        if (z != y) {
            copy(z, y);
        }
        addRowVector(y, bias);
        if (f != Activation.IDENTITY) {
            activationForward(f, y, y);
        }
    }

    /** out[0, j] = Σ_i x[i, j] (bias gradients). x: {@code [rows, n]}, out: {@code [1, n]}. */
    void columnSums(Tensor x, Tensor out);

    // ---- element-wise ----

    /** y = f(z), element-wise; y may be z. */
    void activationForward(Activation f, Tensor z, Tensor y);

    /** dz = dy · f'(z), written through y = f(z); dz may be dy. All three {@code [rows, n]}. */
    void activationBackward(Activation f, Tensor y, Tensor dy, Tensor dz);

    /**
     * {@link #activationBackward} and the column sums of its result (a hidden layer's bias gradient) in one pass
     * where the backend can: dz = dy · f'(z) through y = f(z), and sums[0, j] = Σ_i dz[i, j] as
     * {@link #columnSums} computes it. dz may be dy. y, dy, dz: {@code [rows, n]}, sums: {@code [1, n]}. The default
     * composes the two operations.
     */
    default void activationBackwardColumnSums(Activation f, Tensor y, Tensor dy, Tensor dz, Tensor sums) {
        Checks.activationBackward(y, dy, dz);
        Checks.columnSums(y, sums);
        activationBackward(f, y, dy, dz);
        columnSums(dz, sums);
    }

    /** y[i, :] = softmax(z[i, :]), computed with the row maximum subtracted; y may be z. */
    void softmaxRows(Tensor z, Tensor y);

    /**
     * The fused output activation + loss, numerically stable for any finite logits.
     *
     * @param logits   z: {@code [rows, n]}
     * @param targets  y: {@code [rows, n]}, or {@code [rows, 1]} class indices for softmax cross-entropy
     * @param grad     receives gradScale · (f(z) - y) ({@code [rows, n]}); may be null when only the loss is wanted
     * @param rowLoss  receives each row's loss summed over its outputs: {@code [rows, 1]}
     * @param gradScale usually 1/rows, so that grad is the gradient of the mean loss
     * @throws IllegalArgumentException for softmax cross-entropy, if a class index is not an integer in [0, n)
     */
    void lossForwardBackward(Loss loss, Tensor logits, Tensor targets, Tensor grad, Tensor rowLoss, float gradScale);

    /** y = alpha · x + y. */
    void axpy(float alpha, Tensor x, Tensor y);

    /** x = alpha · x. */
    void scale(float alpha, Tensor x);

    /** Σ x·y over all elements, accumulated in double where the device allows; waits for the result. */
    double dot(Tensor x, Tensor y);

    /** Euclidean norm of all elements; waits for the result. */
    double norm2(Tensor x);

    // ---- fused optimizer updates ----

    /**
     * SGD with momentum, as PyTorch's {@code torch.optim.SGD} (dampening 0):
     * v = momentum·v + g; step = nesterov ? g + momentum·v : v; p -= lr·step. With momentum 0, velocity is unused
     * and may be null.
     */
    void sgdUpdate(Tensor param, Tensor grad, Tensor velocity, float lr, float momentum, boolean nesterov);

    /**
     * Adam / AdamW, as PyTorch's: p -= lr·weightDecay·p (decoupled; 0 for Adam); m = β1·m + (1-β1)·g;
     * v = β2·v + (1-β2)·g²; p -= lr · (m / (1-β1^t)) / (sqrt(v / (1-β2^t)) + eps), with t = step ≥ 1.
     */
    void adamUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
                    float weightDecay, long step);

    /** Waits until every queued operation has finished. */
    void synchronize();

    /**
     * What a training loop runs its steps with (see {@link StepRunner}); close it when the loop ends. The default runs
     * each step call by call; the CUDA backend can capture steps in CUDA graphs and replay them.
     */
    default StepRunner stepRunner() {
        return StepRunner.EAGER;
    }

    /** Releases the device and everything this backend still owns; never throws. */
    @Override
    void close();
}
