// The device formulas of LogitNet, written once for both GPU backends: the OpenCL programs (the OpenCL backend puts
// this file in front of every .cl source) and the CUDA kernels (logitnet.cu includes it) evaluate the activations,
// their gradients, the losses and the optimizer updates with these functions, and only the indexing and the
// reductions differ between the two. Each function is the formula io.logitnet.cpu.CpuBackend writes in plain Java,
// in the same form and the same order of operations, so that results agree with that reference to the last bit
// where the arithmetic is the same.
//
// Types: acc_t is the type transcendental functions and sums are evaluated in: double, as the CPU reference does,
// except on an OpenCL device without cl_khr_fp64, where it is float (ACC_IS_FLOAT). The float arithmetic of the
// optimizer updates must not be contracted into fused multiply-adds, which the reference does not do: the OpenCL
// sources switch contraction off with the pragma below, the CUDA build with nvcc -fmad=false.
//
// Non-finite values follow IEEE arithmetic, as in PyTorch: a NaN is never dropped (max_nan keeps it where fmax would
// not), and ±Inf give whatever the formula gives (inf - inf = NaN).
//
// Requires logitnet_codes.h (the activation and loss codes, generated from the Java enums).
#ifndef LOGITNET_FORMULAS_H
#define LOGITNET_FORMULAS_H

#ifdef __OPENCL_VERSION__
#pragma OPENCL FP_CONTRACT OFF
#define LN_FN inline
#ifdef USE_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double acc_t;
#else
typedef float acc_t;
#define ACC_IS_FLOAT
#endif
#else // CUDA, and the CPU emulation of it in cuda-backend/src/test/c
#define LN_FN __device__ __forceinline__
typedef double acc_t;
#endif

// ---- maximum ----

// The larger of a and b, NaN if either is NaN (Java's Math.max; fmax would return the other argument).
LN_FN acc_t max_nan(const acc_t a, const acc_t b) {
    return (a > b || a != a) ? a : b;
}

// ---- activations (CpuBackend.activationForward / activationBackward) ----

// 1/(1+e^-z) in the form where neither branch overflows; a NaN takes the second branch and stays NaN.
LN_FN acc_t sigmoid_of(const acc_t z) {
    if (z >= 0) {
        return (acc_t) 1 / ((acc_t) 1 + exp(-z));
    }
    const acc_t e = exp(z);
    return e / ((acc_t) 1 + e);
}

LN_FN acc_t tanh_of(const acc_t z) {
#ifdef ACC_IS_FLOAT
    // tanh(z) rounds to ±1 in float beyond |z| = 9.02; OpenCL's float tanh may return 1 - ulp there.
    return fabs(z) > 9.1f ? copysign(1.0f, z) : tanh(z);
#else
    return tanh(z);
#endif
}

// y = f(z). ReLU is max(z, 0) as Math.max computes it: NaN stays NaN, -0 becomes +0.
LN_FN acc_t activation_of(const int f, const acc_t z) {
    switch (f) {
        case ACTIVATION_SIGMOID:
            return sigmoid_of(z);
        case ACTIVATION_TANH:
            return tanh_of(z);
        case ACTIVATION_RELU:
            return max_nan(z, (acc_t) 0);
        case ACTIVATION_EXP:
            return exp(z);
        default: // ACTIVATION_IDENTITY
            return z;
    }
}

// 1 - y², with one rounding in float, where 1 - y*y cancels badly when |y| is near 1.
LN_FN acc_t one_minus_square(const acc_t y) {
#ifdef ACC_IS_FLOAT
    return fma(-y, y, 1.0f);
#else
    return (acc_t) 1 - y * y;
#endif
}

// dz = dy · f'(z), written through y = f(z). ReLU's is a select, as PyTorch's: 0 where y <= 0 (even for a NaN dy),
// dy elsewhere (also where y is NaN).
LN_FN acc_t activation_grad(const int f, const acc_t y, const acc_t dy) {
    switch (f) {
        case ACTIVATION_SIGMOID:
            return dy * (y * ((acc_t) 1 - y));
        case ACTIVATION_TANH:
            return dy * one_minus_square(y);
        case ACTIVATION_RELU:
            return y <= 0 ? (acc_t) 0 : dy;
        case ACTIVATION_EXP:
            return dy * y;
        default: // ACTIVATION_IDENTITY
            return dy;
    }
}

// ---- losses fused with their output activation (CpuBackend.lossForwardBackward) ----

// f(z), the loss's output activation: the gradient with respect to the logit is gradScale · (f(z) - t).
LN_FN acc_t loss_output(const int loss, const acc_t z) {
    switch (loss) {
        case LOSS_SIGMOID_BINARY_CROSS_ENTROPY:
            return sigmoid_of(z);
        case LOSS_POISSON:
            return exp(z);
        default: // LOSS_SQUARED_ERROR
            return z;
    }
}

// One element's loss in the form io.logitnet.backend.Loss documents: binary cross-entropy from the logit as
// max(z,0) - z·t + log(1+e^-|z|), the Poisson negative log-likelihood e^z - t·z, half the squared error.
LN_FN acc_t loss_value(const int loss, const acc_t z, const acc_t t) {
    switch (loss) {
        case LOSS_SIGMOID_BINARY_CROSS_ENTROPY:
            return max_nan(z, (acc_t) 0) - z * t + log1p(exp(-fabs(z)));
        case LOSS_POISSON:
            return exp(z) - t * z;
        default: // LOSS_SQUARED_ERROR
            return (acc_t) 0.5 * (z - t) * (z - t);
    }
}

// Whether a softmax cross-entropy target t is a class index in [0, cols), tested before any conversion to int.
LN_FN int class_index_valid(const float t, const int cols) {
    return t >= 0.0f && t < (float) cols && (float) (int) t == t;
}

// Softmax cross-entropy of a row from its maximum and log Σ e^(z - max): logsumexp(z) - z[target], as
// (max - z[target]) + log_sum: the two large terms cancel first, so log_sum is not lost when |max| is large.
LN_FN acc_t softmax_ce_loss(const acc_t max, const acc_t log_sum, const acc_t z_target) {
    return (max - z_target) + log_sum;
}

// Its gradient at one logit: scale · (softmax(z) - [this is the target]).
LN_FN acc_t softmax_ce_grad(const acc_t scale, const acc_t z, const acc_t max, const acc_t log_sum,
                            const int is_target) {
    return scale * (exp(z - max - log_sum) - (is_target ? (acc_t) 1 : (acc_t) 0));
}

// ---- fused optimizer updates, as PyTorch's (CpuBackend.sgdUpdate / adamUpdate) ----

// SGD velocity (dampening 0): v = momentum·v + g.
LN_FN float sgd_velocity(const float v, const float g, const float momentum) {
    return momentum * v + g;
}

// SGD step: p - lr·g without momentum; p - lr·(nesterov ? g + momentum·v : v) with it (v already updated).
LN_FN float sgd_param(const float p, const float g, const float v, const float lr, const float momentum,
                      const int nesterov) {
    const float step = momentum == 0.0f ? g : (nesterov ? g + momentum * v : v);
    return p - lr * step;
}

// Adam's first moment: m = β1·m + (1-β1)·g.
LN_FN float adam_moment1(const float m, const float g, const float beta1) {
    return beta1 * m + (1.0f - beta1) * g;
}

// Adam's second moment: v = β2·v + (1-β2)·g².
LN_FN float adam_moment2(const float v, const float g, const float beta2) {
    return beta2 * v + (1.0f - beta2) * g * g;
}

// Adam/AdamW's parameter: decoupled weight decay, then the bias-corrected step, in acc_t. c1 = 1 - β1^t and
// c2 = 1 - β2^t come from the host, computed there in double.
LN_FN float adam_param(const float p, const float m, const float v, const float lr, const float eps,
                       const float weight_decay, const acc_t c1, const acc_t c2) {
    acc_t q = p;
    q -= (acc_t) lr * weight_decay * q;
    q -= lr * (m / c1) / (sqrt(v / c2) + eps);
    return (float) q;
}

#endif
