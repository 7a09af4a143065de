// Element-wise kernels: bias add, activations and their gradients, axpy/scale, fused optimizer updates. The formulas
// are ../common/logitnet_formulas.h's, shared with the CUDA kernels; names and argument orders are the CUDA
// kernels' (kernels/src/main/cuda/logitnet.cu). One work-item per element; n is a 64-bit element count.

// x[i, j] += bias[j]; x has n elements in rows of cols.
__kernel void add_row_vector(__global float* x, const __global float* bias, const long n, const int cols) {
    const long i = get_global_id(0);
    if (i < n) {
        x[i] = x[i] + bias[i % cols];
    }
}

// y[i, j] = f(z[i, j] + bias[j]), the sum rounded to float first (as add_row_vector then activation_forward); y may
// be z. z and y have n elements in rows of cols.
__kernel void bias_activation(const int f, const __global float* z, const __global float* bias, __global float* y,
                              const long n, const int cols) {
    const long i = get_global_id(0);
    if (i < n) {
        const float s = z[i] + bias[i % cols];
        y[i] = (float) activation_of(f, (acc_t) s);
    }
}

// y = f(z); y may be z.
__kernel void activation_forward(const int f, const __global float* z, __global float* y, const long n) {
    const long i = get_global_id(0);
    if (i < n) {
        y[i] = (float) activation_of(f, (acc_t) z[i]);
    }
}

// dz = dy * f'(z) through y = f(z); dz may be dy.
__kernel void activation_backward(const int f, const __global float* y, const __global float* dy, __global float* dz,
                                  const long n) {
    const long i = get_global_id(0);
    if (i < n) {
        dz[i] = (float) activation_grad(f, (acc_t) y[i], (acc_t) dy[i]);
    }
}

// y = alpha * x + y.
__kernel void axpy(const float alpha, const __global float* x, __global float* y, const long n) {
    const long i = get_global_id(0);
    if (i < n) {
        y[i] = alpha * x[i] + y[i];
    }
}

// x = alpha * x.
__kernel void scale(const float alpha, __global float* x, const long n) {
    const long i = get_global_id(0);
    if (i < n) {
        x[i] = alpha * x[i];
    }
}

// SGD with momentum (dampening 0); with momentum 0 the velocity is not touched (it may be null).
__kernel void sgd_update(__global float* p, const __global float* g, __global float* v, const float lr,
                         const float momentum, const int nesterov, const long n) {
    const long i = get_global_id(0);
    if (i < n) {
        const float gi = g[i];
        float vi = 0.0f;
        if (momentum != 0.0f) {
            vi = sgd_velocity(v[i], gi, momentum);
            v[i] = vi;
        }
        p[i] = sgd_param(p[i], gi, vi, lr, momentum, nesterov);
    }
}

// Adam / AdamW; c1 = 1 - beta1^t and c2 = 1 - beta2^t from the host.
__kernel void adam_update(__global float* p, const __global float* g, __global float* m, __global float* v,
                          const float lr, const float beta1, const float beta2, const float eps,
                          const float weight_decay, const acc_t c1, const acc_t c2, const long n) {
    const long i = get_global_id(0);
    if (i < n) {
        const float gi = g[i];
        const float mi = adam_moment1(m[i], gi, beta1);
        const float vi = adam_moment2(v[i], gi, beta2);
        m[i] = mi;
        v[i] = vi;
        p[i] = adam_param(p[i], mi, vi, lr, eps, weight_decay, c1, c2);
    }
}
