// Element-wise kernels: bias add, activations and their gradients, axpy/scale, fused optimizer updates.
// They compute exactly what CpuBackend computes: transcendentals in acc_t (double where the device has it), the
// float arithmetic of axpy and the optimizers in float without contraction, so that results agree with the CPU
// reference to the last bit where the formulas are the same.
#pragma OPENCL FP_CONTRACT OFF

// x[i, j] += bias[j]; x has `count` elements in rows of n.
__kernel void add_row_vector(const int count, const int n, __global float* x, const __global float* bias) {
    const int i = get_global_id(0);
    if (i < count) {
        x[i] += bias[i % n];
    }
}

// Activation codes: io.logitnet.backend.Activation#code().
#define ACT_IDENTITY 0
#define ACT_SIGMOID 1
#define ACT_TANH 2
#define ACT_RELU 3
#define ACT_EXP 4

// sigmoid written so that neither branch overflows.
inline acc_t sigmoid_acc(const acc_t z) {
    if (z >= 0) {
        return (acc_t) 1 / ((acc_t) 1 + exp(-z));
    }
    const acc_t e = exp(z);
    return e / ((acc_t) 1 + e);
}

inline acc_t act_forward(const int f, const acc_t z) {
    switch (f) {
        case ACT_IDENTITY:
            return z;
        case ACT_SIGMOID:
            return sigmoid_acc(z);
        case ACT_TANH:
#ifdef USE_FP64
            return tanh(z);
#else
            // tanh(z) rounds to ±1 in float beyond |z| = 9.02; OpenCL's float tanh may return 1 - ulp there.
            return fabs(z) > 9.1f ? copysign(1.0f, z) : tanh(z);
#endif
        case ACT_RELU:
            return z > 0 ? z : (acc_t) 0;
        default:
            return exp(z);
    }
}

// f'(z) written through y = f(z).
inline acc_t act_derivative(const int f, const acc_t y) {
    switch (f) {
        case ACT_IDENTITY:
            return (acc_t) 1;
        case ACT_SIGMOID:
            return y * ((acc_t) 1 - y);
        case ACT_TANH:
#ifdef USE_FP64
            return (acc_t) 1 - y * y;
#else
            return fma(-y, y, 1.0f); // one rounding: 1 - y*y cancels badly in float when |y| is near 1
#endif
        case ACT_RELU:
            return y > 0 ? (acc_t) 1 : (acc_t) 0;
        default:
            return y;
    }
}

// y = f(z); y may be z.
__kernel void activation_forward(const int count, const int f, const __global float* z, __global float* y) {
    const int i = get_global_id(0);
    if (i < count) {
        y[i] = (float) act_forward(f, (acc_t) z[i]);
    }
}

// dz = dy * f'(z) through y; dz may be dy.
__kernel void activation_backward(const int count, const int f, const __global float* y, const __global float* dy,
                                  __global float* dz) {
    const int i = get_global_id(0);
    if (i < count) {
        dz[i] = (float) ((acc_t) dy[i] * act_derivative(f, (acc_t) y[i]));
    }
}

// y = alpha * x + y.
__kernel void axpy(const int count, const float alpha, const __global float* x, __global float* y) {
    const int i = get_global_id(0);
    if (i < count) {
        y[i] = alpha * x[i] + y[i];
    }
}

// x = alpha * x.
__kernel void scale(const int count, const float alpha, __global float* x) {
    const int i = get_global_id(0);
    if (i < count) {
        x[i] = alpha * x[i];
    }
}

// p -= lr * g (SGD without momentum).
__kernel void sgd(const int count, const float lr, __global float* p, const __global float* g) {
    const int i = get_global_id(0);
    if (i < count) {
        p[i] -= lr * g[i];
    }
}

// PyTorch's SGD with momentum (dampening 0): v = momentum v + g; step = nesterov ? g + momentum v : v; p -= lr step.
__kernel void sgd_momentum(const int count, const float lr, const float momentum, const int nesterov,
                           __global float* p, const __global float* g, __global float* v) {
    const int i = get_global_id(0);
    if (i < count) {
        const float gi = g[i];
        const float vi = momentum * v[i] + gi;
        v[i] = vi;
        const float step = nesterov ? gi + momentum * vi : vi;
        p[i] -= lr * step;
    }
}

// PyTorch's Adam/AdamW: decoupled weight decay, then the bias-corrected step. c1 = 1 - beta1^t and
// c2 = 1 - beta2^t come from the host (computed in double there).
__kernel void adam(const int count, const float lr, const float beta1, const float beta2, const float eps,
                   const float weight_decay, const acc_t c1, const acc_t c2, __global float* p,
                   const __global float* g, __global float* m, __global float* v) {
    const int i = get_global_id(0);
    if (i < count) {
        const float gi = g[i];
        const float mi = beta1 * m[i] + (1 - beta1) * gi;
        const float vi = beta2 * v[i] + (1 - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        acc_t pi = p[i];
        pi -= (acc_t) lr * weight_decay * pi;
        pi -= lr * (mi / c1) / (sqrt(vi / c2) + eps);
        p[i] = (float) pi;
    }
}
