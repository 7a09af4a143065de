// LogitNet CUDA kernels: the element-wise, row and reduction operations of io.logitnet.backend.Backend that cuBLAS
// does not provide. The formulas come from ../common/logitnet_formulas.h, which the OpenCL kernels use too; this file
// holds what is particular to CUDA: the indexing, warp shuffles and block reductions. Transcendental functions and
// every sum are evaluated in double and the result is stored in float, exactly as io.logitnet.cpu.CpuBackend does.
// Compiled at build time (kernels/build-cuda.sh) into logitnet.fatbin, with -fmad=false (no contraction into fused
// multiply-adds, which the reference does not do) and never with --use_fast_math: results are checked against the
// CPU to a few ulps.
//
// Every kernel has the name and the argument order of the OpenCL kernel of the same operation (kernels/src/main/
// opencl) and of its constant in io.logitnet.cuda.Kernels and io.logitnet.opencl.Kernels. Conventions: tensors are
// dense row-major float arrays; n is an element count (64-bit), rows x cols a shape. Element-wise kernels use a
// grid-stride loop, so any grid size is correct; every index that can pass 2^31 is 64-bit.

#include <math.h>

#include "../common/logitnet_codes.h"
#include "../common/logitnet_formulas.h"

// Row kernels and reductions are launched with a block size that is a multiple of 32 and at most this.
#define MAX_BLOCK 256

// ---- reductions over a warp and a block ----

__device__ __forceinline__ double warp_sum(double v) {
    for (int offset = 16; offset > 0; offset >>= 1) {
        v += __shfl_down_sync(0xffffffffu, v, offset);
    }
    return v;
}

__device__ __forceinline__ double warp_max(double v) {
    for (int offset = 16; offset > 0; offset >>= 1) {
        v = max_nan(v, __shfl_down_sync(0xffffffffu, v, offset));
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

// Maximum over the block, NaN if any value is NaN; every thread gets the result.
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
        m = max_nan(m, scratch[w]);
    }
    return m;
}

#define GRID_STRIDE(i, n) for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
                               i += (long long) gridDim.x * blockDim.x)

// ---- bias, activations ----

// x[i, j] += bias[j]; x has n elements in rows of cols.
extern "C" __global__ void add_row_vector(float *x, const float *bias, long long n, int cols) {
    GRID_STRIDE(i, n) {
        x[i] = x[i] + bias[i % cols];
    }
}

// y[i, j] = f(z[i, j] + bias[j]), the sum rounded to float first (as add_row_vector then activation_forward); y may
// be z. z and y have n elements in rows of cols.
extern "C" __global__ void bias_activation(int f, const float *z, const float *bias, float *y, long long n, int cols) {
    GRID_STRIDE(i, n) {
        const float s = z[i] + bias[i % cols];
        y[i] = (float) activation_of(f, (double) s);
    }
}

// y = f(z); y may be z.
extern "C" __global__ void activation_forward(int f, const float *z, float *y, long long n) {
    GRID_STRIDE(i, n) {
        y[i] = (float) activation_of(f, (double) z[i]);
    }
}

// dz = dy * f'(z) through y = f(z); dz may be dy.
extern "C" __global__ void activation_backward(int f, const float *y, const float *dy, float *dz, long long n) {
    GRID_STRIDE(i, n) {
        dz[i] = (float) activation_grad(f, (double) y[i], (double) dy[i]);
    }
}

// ---- row operations: one block per row ----

// y[r, :] = softmax(z[r, :]) with the row maximum subtracted; y may be z. A row holding a NaN is NaN.
extern "C" __global__ void softmax_rows(const float *z, float *y, int rows, int cols) {
    __shared__ double scratch[MAX_BLOCK / 32];
    const float *zr = z + (long long) blockIdx.x * cols;
    float *yr = y + (long long) blockIdx.x * cols;
    double max = -INFINITY;
    for (long long j = threadIdx.x; j < cols; j += blockDim.x) {
        max = max_nan(max, (double) zr[j]);
    }
    max = block_max(max, scratch);
    double sum = 0.0;
    for (long long j = threadIdx.x; j < cols; j += blockDim.x) {
        sum += exp((double) zr[j] - max);
    }
    sum = block_sum(sum, scratch);
    for (long long j = threadIdx.x; j < cols; j += blockDim.x) {
        yr[j] = (float) (exp((double) zr[j] - max) / sum);
    }
}

// Element-wise losses summed per row: row_loss[r] = sum over j of loss(z[r, j], t[r, j]); grad (may be null) =
// grad_scale * (f(z) - t) with f the loss's output activation.
extern "C" __global__ void loss_rows(int loss, const float *z, const float *t, float *grad, float *row_loss,
                                     float grad_scale, int rows, int cols) {
    __shared__ double scratch[MAX_BLOCK / 32];
    long long o = (long long) blockIdx.x * cols;
    double sum = 0.0;
    for (long long j = threadIdx.x; j < cols; j += blockDim.x) {
        double zz = z[o + j];
        double tt = t[o + j];
        sum += loss_value(loss, zz, tt);
        if (grad != nullptr) {
            grad[o + j] = (float) ((double) grad_scale * (loss_output(loss, zz) - tt));
        }
    }
    sum = block_sum(sum, scratch);
    if (threadIdx.x == 0) {
        row_loss[blockIdx.x] = (float) sum;
    }
}

// Softmax cross-entropy from logits: row_loss[r] = logsumexp(z[r, :]) - z[r, c] with c = t[r] a class index;
// grad (may be null) = grad_scale * (softmax(z[r, :]) - onehot(c)). A row whose index is not an integer in
// [0, cols) gets a NaN loss and gradient, and the smallest such row is recorded in *bad_row (the host reports it).
extern "C" __global__ void softmax_cross_entropy_rows(const float *z, const float *t, float *grad, float *row_loss,
                                                      float grad_scale, int rows, int cols, int *bad_row) {
    __shared__ double scratch[MAX_BLOCK / 32];
    int r = blockIdx.x;
    long long o = (long long) r * cols;
    float tc = t[r];
    int valid = class_index_valid(tc, cols);
    int c = valid ? (int) tc : 0;
    double max = -INFINITY;
    for (long long j = threadIdx.x; j < cols; j += blockDim.x) {
        max = max_nan(max, (double) z[o + j]);
    }
    max = block_max(max, scratch);
    double sum = 0.0;
    for (long long j = threadIdx.x; j < cols; j += blockDim.x) {
        sum += exp((double) z[o + j] - max);
    }
    sum = block_sum(sum, scratch);
    double log_sum = log(sum);
    if (grad != nullptr) {
        for (long long j = threadIdx.x; j < cols; j += blockDim.x) {
            grad[o + j] = valid ? (float) softmax_ce_grad(grad_scale, z[o + j], max, log_sum, j == c) : NAN;
        }
    }
    if (threadIdx.x == 0) {
        if (valid) {
            row_loss[r] = (float) softmax_ce_loss(max, log_sum, z[o + c]);
        } else {
            row_loss[r] = NAN;
            atomicMin(bad_row, r);
        }
    }
}

// ---- reductions ----

// Column sums, pass 1: block (32, ty) sums 32 columns over one chunk of rows in double; the ty threads of a column
// are combined in shared memory in a fixed order. partial: [chunks, cols] doubles, chunk = blockIdx.y.
extern "C" __global__ void column_sums_partial(const float *x, double *partial, int rows, int cols,
                                               int rows_per_chunk) {
    __shared__ double acc[MAX_BLOCK];
    long long col = (long long) blockIdx.x * 32 + threadIdx.x;
    long long r0 = (long long) blockIdx.y * rows_per_chunk;
    long long r1 = min((long long) rows, r0 + rows_per_chunk);
    double s = 0.0;
    if (col < cols) {
        for (long long r = r0 + threadIdx.y; r < r1; r += blockDim.y) {
            s += x[r * cols + col];
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
    long long col = (long long) blockIdx.x * blockDim.x + threadIdx.x;
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

// y = alpha * x + y (two roundings, as the reference: -fmad=false).
extern "C" __global__ void axpy(float alpha, const float *x, float *y, long long n) {
    GRID_STRIDE(i, n) {
        y[i] = alpha * x[i] + y[i];
    }
}

// x = alpha * x.
extern "C" __global__ void scale(float alpha, float *x, long long n) {
    GRID_STRIDE(i, n) {
        x[i] = alpha * x[i];
    }
}

// ---- BF16 operands (CUDA only: cublasGemmEx takes them; the OpenCL GEMM rounds as it loads) ----

// y[i] = the bfloat16 nearest to x[i] (ties to even), as its 16 bits; NaN stays NaN (a quiet NaN of its sign), large
// finite values may round to an infinity. io.logitnet.backend.Bf16 is the reference.
extern "C" __global__ void round_bf16(const float *x, unsigned short *y, long long n) {
    GRID_STRIDE(i, n) {
        const unsigned int bits = __float_as_uint(x[i]);
        y[i] = (bits & 0x7fffffffu) > 0x7f800000u ? (unsigned short) ((bits >> 16) | 0x0040u)
                                                   : (unsigned short) ((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
    }
}

// ---- fused optimizer updates (Backend.sgdUpdate / adamUpdate) ----

// SGD with momentum (dampening 0); with momentum 0 the velocity is not touched (it may be null).
extern "C" __global__ void sgd_update(float *p, const float *g, float *v, float lr, float momentum, int nesterov,
                                      long long n) {
    GRID_STRIDE(i, n) {
        float gi = g[i];
        float vi = 0.0f;
        if (momentum != 0.0f) {
            vi = sgd_velocity(v[i], gi, momentum);
            v[i] = vi;
        }
        p[i] = sgd_param(p[i], gi, vi, lr, momentum, nesterov);
    }
}

// sgd_update with the learning rate read from device memory (s[0], a float stored exactly as a double): what a CUDA
// graph replays, the per-step value written into s before each launch instead of baked into the graph. CUDA only.
extern "C" __global__ void sgd_update_step_scalars(float *p, const float *g, float *v, const double *s,
                                                   float momentum, int nesterov, long long n) {
    float lr = (float) s[0];
    GRID_STRIDE(i, n) {
        float gi = g[i];
        float vi = 0.0f;
        if (momentum != 0.0f) {
            vi = sgd_velocity(v[i], gi, momentum);
            v[i] = vi;
        }
        p[i] = sgd_param(p[i], gi, vi, lr, momentum, nesterov);
    }
}

// Adam / AdamW; c1 = 1 - beta1^t and c2 = 1 - beta2^t from the host.
extern "C" __global__ void adam_update(float *p, const float *g, float *m, float *v, float lr, float beta1,
                                       float beta2, float eps, float weight_decay, double c1, double c2,
                                       long long n) {
    GRID_STRIDE(i, n) {
        float gi = g[i];
        float mi = adam_moment1(m[i], gi, beta1);
        float vi = adam_moment2(v[i], gi, beta2);
        m[i] = mi;
        v[i] = vi;
        p[i] = adam_param(p[i], mi, vi, lr, eps, weight_decay, c1, c2);
    }
}

// adam_update with the per-step scalars read from device memory: s[0] the learning rate (a float stored exactly as a
// double), s[1] = c1, s[2] = c2. What a CUDA graph replays (see sgd_update_step_scalars). CUDA only.
extern "C" __global__ void adam_update_step_scalars(float *p, const float *g, float *m, float *v, const double *s,
                                                    float beta1, float beta2, float eps, float weight_decay,
                                                    long long n) {
    float lr = (float) s[0];
    double c1 = s[1];
    double c2 = s[2];
    GRID_STRIDE(i, n) {
        float gi = g[i];
        float mi = adam_moment1(m[i], gi, beta1);
        float vi = adam_moment2(v[i], gi, beta2);
        m[i] = mi;
        v[i] = vi;
        p[i] = adam_param(p[i], mi, vi, lr, eps, weight_decay, c1, c2);
    }
}
