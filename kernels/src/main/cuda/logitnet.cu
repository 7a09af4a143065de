// LogitNet CUDA kernels: the element-wise, row and reduction operations of io.logitnet.backend.Backend that
// cuBLAS does not provide. Each kernel computes what io.logitnet.cpu.CpuBackend computes, in the same numerically
// stable form: transcendental functions and every sum are evaluated in double and the result is stored in float,
// exactly as the reference does. Compiled at build time (kernels/build-cuda.sh) into logitnet.fatbin; never with
// --use_fast_math, since results are checked against the CPU to a few ulps.
//
// Conventions: tensors are dense row-major float arrays; n is the element count, rows x cols the shape.
// Element-wise kernels use a grid-stride loop, so any grid size is correct. Activation and loss codes are
// io.logitnet.backend.Activation.code() and io.logitnet.backend.Loss.code().

#include <math.h>

#define ACT_IDENTITY 0
#define ACT_SIGMOID 1
#define ACT_TANH 2
#define ACT_RELU 3
#define ACT_EXP 4

#define LOSS_SIGMOID_BCE 0
#define LOSS_SOFTMAX_CE 1
#define LOSS_SQUARED_ERROR 2
#define LOSS_POISSON 3

// Row kernels and reductions are launched with a block size that is a multiple of 32 and at most this.
#define MAX_BLOCK 256

// ---- helpers ----

// 1/(1+e^-z) written so that neither branch overflows (CpuBackend.sigmoid).
__device__ __forceinline__ double sigmoid_d(double z) {
    if (z >= 0.0) {
        return 1.0 / (1.0 + exp(-z));
    }
    double e = exp(z);
    return e / (1.0 + e);
}

__device__ __forceinline__ double activation_d(int f, double z) {
    switch (f) {
        case ACT_SIGMOID: return sigmoid_d(z);
        case ACT_TANH: return tanh(z);
        case ACT_RELU: return z > 0.0 ? z : 0.0;
        case ACT_EXP: return exp(z);
        default: return z;
    }
}

// f'(z) written through y = f(z) (CpuBackend.derivative).
__device__ __forceinline__ double derivative_d(int f, double y) {
    switch (f) {
        case ACT_SIGMOID: return y * (1.0 - y);
        case ACT_TANH: return 1.0 - y * y;
        case ACT_RELU: return y > 0.0 ? 1.0 : 0.0;
        case ACT_EXP: return y;
        default: return 1.0;
    }
}

__device__ __forceinline__ double warp_sum(double v) {
    for (int offset = 16; offset > 0; offset >>= 1) {
        v += __shfl_down_sync(0xffffffffu, v, offset);
    }
    return v;
}

__device__ __forceinline__ double warp_max(double v) {
    for (int offset = 16; offset > 0; offset >>= 1) {
        v = fmax(v, __shfl_down_sync(0xffffffffu, v, offset));
    }
    return v;
}

// Sum over the block (blockDim.x a multiple of 32); every thread gets the result. `scratch` holds MAX_BLOCK/32.
__device__ double block_sum(double v, double *scratch) {
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    int warps = blockDim.x >> 5;
    v = warp_sum(v);
    __syncthreads(); // scratch may still be read by a previous reduction
    if (lane == 0) {
        scratch[warp] = v;
    }
    __syncthreads();
    double total = 0.0;
    for (int w = 0; w < warps; w++) { // fixed order: the result does not depend on scheduling
        total += scratch[w];
    }
    return total;
}

__device__ double block_max(double v, double *scratch) {
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    int warps = blockDim.x >> 5;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) {
        scratch[warp] = v;
    }
    __syncthreads();
    double m = -INFINITY;
    for (int w = 0; w < warps; w++) {
        m = fmax(m, scratch[w]);
    }
    return m;
}

#define GRID_STRIDE(i, n) for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
                               i += (long long) gridDim.x * blockDim.x)

// ---- bias, activations ----

// x[i, j] += bias[j]; x: [rows, cols].
extern "C" __global__ void add_row_vector(float *x, const float *bias, long long n, int cols) {
    GRID_STRIDE(i, n) {
        x[i] = __fadd_rn(x[i], bias[i % cols]);
    }
}

// y = f(z); y may be z.
extern "C" __global__ void activation_forward(int f, const float *z, float *y, long long n) {
    GRID_STRIDE(i, n) {
        y[i] = (float) activation_d(f, (double) z[i]);
    }
}

// dz = dy * f'(z) through y = f(z); dz may be dy.
extern "C" __global__ void activation_backward(int f, const float *y, const float *dy, float *dz, long long n) {
    GRID_STRIDE(i, n) {
        dz[i] = (float) ((double) dy[i] * derivative_d(f, (double) y[i]));
    }
}

// ---- row operations: one block per row ----

// y[r, :] = softmax(z[r, :]) with the row maximum subtracted; y may be z.
extern "C" __global__ void softmax_rows(const float *z, float *y, int rows, int cols) {
    __shared__ double scratch[MAX_BLOCK / 32];
    const float *zr = z + (long long) blockIdx.x * cols;
    float *yr = y + (long long) blockIdx.x * cols;
    double max = -INFINITY;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        max = fmax(max, (double) zr[j]);
    }
    max = block_max(max, scratch);
    double sum = 0.0;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        sum += exp((double) zr[j] - max);
    }
    sum = block_sum(sum, scratch);
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        yr[j] = (float) (exp((double) zr[j] - max) / sum);
    }
}

// The fused output activation + loss of one row per block (CpuBackend.lossForwardBackward):
// rowLoss[r] = sum of the row's losses; grad (may be null) = gradScale * (f(z) - y).
// For softmax cross-entropy, targets is [rows, 1] of class indices; a row whose index is not an integer in
// [0, cols) gets a NaN loss and its index is recorded in *badRow (the smallest such row wins).
extern "C" __global__ void loss_forward_backward(int loss, const float *logits, const float *targets, float *grad,
                                                 float *rowLoss, float gradScale, int rows, int cols, int *badRow) {
    __shared__ double scratch[MAX_BLOCK / 32];
    int r = blockIdx.x;
    long long o = (long long) r * cols;
    const float *zr = logits + o;
    if (loss == LOSS_SOFTMAX_CE) {
        float t = targets[r];
        int c = (int) t;
        bool valid = (float) c == t && c >= 0 && c < cols;
        double max = -INFINITY;
        for (int j = threadIdx.x; j < cols; j += blockDim.x) {
            max = fmax(max, (double) zr[j]);
        }
        max = block_max(max, scratch);
        double sum = 0.0;
        for (int j = threadIdx.x; j < cols; j += blockDim.x) {
            sum += exp((double) zr[j] - max);
        }
        sum = block_sum(sum, scratch);
        double logSum = log(sum);
        if (grad != nullptr) {
            for (int j = threadIdx.x; j < cols; j += blockDim.x) {
                double p = exp((double) zr[j] - max - logSum);
                grad[o + j] = valid ? (float) ((double) gradScale * (p - (j == c ? 1.0 : 0.0))) : NAN;
            }
        }
        if (threadIdx.x == 0) {
            if (valid) {
                rowLoss[r] = (float) ((max + logSum) - (double) zr[c]);
            } else {
                rowLoss[r] = NAN;
                atomicMin(badRow, r);
            }
        }
        return;
    }
    const float *tr = targets + o;
    double rowSum = 0.0;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        double z = zr[j];
        double t = tr[j];
        double value;
        double p;
        if (loss == LOSS_SIGMOID_BCE) {
            value = fmax(z, 0.0) - z * t + log1p(exp(-fabs(z)));
            p = sigmoid_d(z);
        } else if (loss == LOSS_SQUARED_ERROR) {
            value = 0.5 * (z - t) * (z - t);
            p = z;
        } else { // LOSS_POISSON
            p = exp(z);
            value = p - t * z;
        }
        rowSum += value;
        if (grad != nullptr) {
            grad[o + j] = (float) ((double) gradScale * (p - t));
        }
    }
    rowSum = block_sum(rowSum, scratch);
    if (threadIdx.x == 0) {
        rowLoss[r] = (float) rowSum;
    }
}

// ---- reductions ----

// Column sums, pass 1: block (32, ty) sums 32 columns over one chunk of rows in double; the ty threads of a column
// are combined in shared memory in a fixed order. partial: [chunks, cols] doubles, chunk = blockIdx.y.
extern "C" __global__ void column_sums_partial(const float *x, double *partial, int rows, int cols,
                                               int rowsPerChunk) {
    __shared__ double acc[MAX_BLOCK];
    int col = blockIdx.x * 32 + threadIdx.x;
    int r0 = blockIdx.y * rowsPerChunk;
    int r1 = min(rows, r0 + rowsPerChunk);
    double s = 0.0;
    if (col < cols) {
        for (int r = r0 + threadIdx.y; r < r1; r += blockDim.y) {
            s += x[(long long) r * cols + col];
        }
    }
    acc[threadIdx.y * 32 + threadIdx.x] = s;
    __syncthreads();
    if (threadIdx.y == 0 && col < cols) {
        double total = 0.0;
        for (int k = 0; k < (int) blockDim.y; k++) {
            total += acc[k * 32 + threadIdx.x];
        }
        partial[(long long) blockIdx.y * cols + col] = total;
    }
}

// Column sums, pass 2: out[j] = sum over chunks of partial[chunk, j].
extern "C" __global__ void column_sums_finish(const double *partial, float *out, int chunks, int cols) {
    int col = blockIdx.x * blockDim.x + threadIdx.x;
    if (col < cols) {
        double s = 0.0;
        for (int c = 0; c < chunks; c++) {
            s += partial[(long long) c * cols + col];
        }
        out[col] = (float) s;
    }
}

// Dot product, pass 1: each block writes the double sum of its grid-stride share of x*y to partial[blockIdx.x].
// norm2 calls it with y = x.
extern "C" __global__ void dot_partial(const float *x, const float *y, double *partial, long long n) {
    __shared__ double scratch[MAX_BLOCK / 32];
    double s = 0.0;
    GRID_STRIDE(i, n) {
        s += (double) x[i] * (double) y[i];
    }
    s = block_sum(s, scratch);
    if (threadIdx.x == 0) {
        partial[blockIdx.x] = s;
    }
}

// Dot product, pass 2 (one block): result[0] = sum of the partials.
extern "C" __global__ void sum_partials(const double *partial, double *result, int count) {
    __shared__ double scratch[MAX_BLOCK / 32];
    double s = 0.0;
    for (int i = threadIdx.x; i < count; i += blockDim.x) {
        s += partial[i];
    }
    s = block_sum(s, scratch);
    if (threadIdx.x == 0) {
        result[0] = s;
    }
}

// ---- vector algebra ----

// y = alpha * x + y.
extern "C" __global__ void axpy(float alpha, const float *x, float *y, long long n) {
    GRID_STRIDE(i, n) {
        y[i] = __fadd_rn(__fmul_rn(alpha, x[i]), y[i]); // two roundings, as the reference
    }
}

// x = alpha * x.
extern "C" __global__ void scale(float alpha, float *x, long long n) {
    GRID_STRIDE(i, n) {
        x[i] = __fmul_rn(alpha, x[i]);
    }
}

// ---- fused optimizer updates (as PyTorch's, see Backend.sgdUpdate / adamUpdate) ----

// SGD with momentum (dampening 0): v = momentum*v + g; step = nesterov ? g + momentum*v : v; p -= lr*step.
// With momentum 0 the velocity is not touched (it may be null).
extern "C" __global__ void sgd_update(float *p, const float *g, float *v, float lr, float momentum, int nesterov,
                                      long long n) {
    GRID_STRIDE(i, n) {
        float gi = g[i];
        if (momentum == 0.0f) {
            p[i] = __fsub_rn(p[i], __fmul_rn(lr, gi));
        } else {
            float vi = __fadd_rn(__fmul_rn(momentum, v[i]), gi);
            v[i] = vi;
            float step = nesterov ? __fadd_rn(gi, __fmul_rn(momentum, vi)) : vi;
            p[i] = __fsub_rn(p[i], __fmul_rn(lr, step));
        }
    }
}

// Adam / AdamW: p -= lr*wd*p (decoupled); m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
// p -= lr * (m / c1) / (sqrt(v / c2) + eps) with c1 = 1-b1^t, c2 = 1-b2^t computed by the caller in double.
extern "C" __global__ void adam_update(float *p, const float *g, float *m, float *v, float lr, float beta1,
                                       float beta2, float eps, float weightDecay, double c1, double c2,
                                       long long n) {
    GRID_STRIDE(i, n) {
        float gi = g[i];
        float mi = __fadd_rn(__fmul_rn(beta1, m[i]), __fmul_rn(__fsub_rn(1.0f, beta1), gi));
        float vi = __fadd_rn(__fmul_rn(beta2, v[i]), __fmul_rn(__fmul_rn(__fsub_rn(1.0f, beta2), gi), gi));
        m[i] = mi;
        v[i] = vi;
        double pi = p[i];
        pi -= (double) lr * (double) weightDecay * pi;
        pi -= (double) lr * ((double) mi / c1) / (sqrt((double) vi / c2) + (double) eps);
        p[i] = (float) pi;
    }
}
