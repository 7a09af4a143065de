// Row-wise kernels, one work-group per row: softmax and the fused output activation + loss + gradient.
// Same formulas as CpuBackend, in acc_t: softmax with the row maximum subtracted; BCE from logits as
// max(z,0) - z y + log1p(exp(-|z|)); softmax cross-entropy via log-sum-exp; squared error (z-y)^2/2;
// Poisson exp(z) - y z. Requires common.cl (acc_t, wg_sum, wg_max). Work-group sizes are powers of two.
#pragma OPENCL FP_CONTRACT OFF

// y[r, :] = softmax(z[r, :]); y may be z.
__kernel void softmax_rows(const int n, const __global float* z, __global float* y, __local acc_t* scratch) {
    const int row = get_group_id(0);
    const int lid = get_local_id(0);
    const int lsz = get_local_size(0);
    const __global float* zr = z + (size_t) row * n;
    __global float* yr = y + (size_t) row * n;
    acc_t m = -INFINITY;
    for (int j = lid; j < n; j += lsz) {
        m = fmax(m, (acc_t) zr[j]);
    }
    m = wg_max(scratch, m);
    acc_t s = 0;
    for (int j = lid; j < n; j += lsz) {
        s += exp((acc_t) zr[j] - m);
    }
    s = wg_sum(scratch, s);
    for (int j = lid; j < n; j += lsz) {
        yr[j] = (float) (exp((acc_t) zr[j] - m) / s);
    }
}

// Loss codes: io.logitnet.backend.Loss#code().
#define LOSS_BCE 0
#define LOSS_SOFTMAX_CE 1
#define LOSS_SQUARED 2
#define LOSS_POISSON 3

inline acc_t sigmoid_acc(const acc_t z) {
    if (z >= 0) {
        return (acc_t) 1 / ((acc_t) 1 + exp(-z));
    }
    const acc_t e = exp(z);
    return e / ((acc_t) 1 + e);
}

// Softmax cross-entropy from logits: row_loss[r] = logsumexp(z[r, :]) - z[r, c] with c = t[r] a class index;
// grad (when has_grad) = grad_scale * (softmax(z[r, :]) - onehot(c)). An index that is not an integer in [0, n)
// records the smallest such row in status[0] (the host reports it) and makes that row's loss NaN. Barriers are
// reached by every work-item (no early return), which some compilers (PoCL) require.
__kernel void softmax_cross_entropy_rows(const int n, const __global float* z, const __global float* t,
                                         __global float* grad, const int has_grad, __global float* row_loss,
                                         const float grad_scale, __global int* status, __local acc_t* scratch) {
    const int row = get_group_id(0);
    const int lid = get_local_id(0);
    const int lsz = get_local_size(0);
    const size_t o = (size_t) row * n;
    const acc_t scale = grad_scale;
    const float tc = t[row];
    const int valid = tc >= 0.0f && tc < (float) n && (float) (int) tc == tc;
    const int c = valid ? (int) tc : 0;
    acc_t m = -INFINITY;
    for (int j = lid; j < n; j += lsz) {
        m = fmax(m, (acc_t) z[o + j]);
    }
    m = wg_max(scratch, m);
    acc_t s = 0;
    for (int j = lid; j < n; j += lsz) {
        s += exp((acc_t) z[o + j] - m);
    }
    s = wg_sum(scratch, s);
    const acc_t log_sum = log(s);
    if (has_grad && valid) {
        for (int j = lid; j < n; j += lsz) {
            const acc_t p = exp((acc_t) z[o + j] - m - log_sum);
            grad[o + j] = (float) (scale * (p - (j == c ? (acc_t) 1 : (acc_t) 0)));
        }
    }
    if (lid == 0) {
        if (valid) {
            row_loss[row] = (float) ((m + log_sum) - (acc_t) z[o + c]);
        } else {
            row_loss[row] = NAN;
            atomic_min(status, row);
        }
    }
}

// Element-wise losses summed per row: row_loss[r] = sum over j of loss(z[r, j], t[r, j]);
// grad (when has_grad) = grad_scale * (f(z) - t) with f the loss's output activation.
__kernel void loss_rows(const int loss, const int n, const __global float* z, const __global float* t,
                        __global float* grad, const int has_grad, __global float* row_loss, const float grad_scale,
                        __local acc_t* scratch) {
    const int row = get_group_id(0);
    const int lid = get_local_id(0);
    const int lsz = get_local_size(0);
    const size_t o = (size_t) row * n;
    const acc_t scale = grad_scale;
    acc_t sum = 0;
    for (int j = lid; j < n; j += lsz) {
        const acc_t zz = z[o + j];
        const acc_t tt = t[o + j];
        acc_t value;
        acc_t p;
        if (loss == LOSS_BCE) {
            value = fmax(zz, (acc_t) 0) - zz * tt + log1p(exp(-fabs(zz)));
            p = sigmoid_acc(zz);
        } else if (loss == LOSS_SQUARED) {
            value = (acc_t) 0.5 * (zz - tt) * (zz - tt);
            p = zz;
        } else {
            p = exp(zz);
            value = p - tt * zz;
        }
        sum += value;
        if (has_grad) {
            grad[o + j] = (float) (scale * (p - tt));
        }
    }
    sum = wg_sum(scratch, sum);
    if (lid == 0) {
        row_loss[row] = (float) sum;
    }
}
