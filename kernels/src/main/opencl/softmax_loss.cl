// Row-wise kernels, one work-group per row: softmax and the fused output activation + loss + gradient. The formulas
// are ../common/logitnet_formulas.h's, shared with the CUDA kernels; names and argument orders are the CUDA
// kernels'. Work-group sizes are powers of two, at most REDUCE_WG (a -D define), the size of the local scratch.
// Barriers are reached by every work-item (no early return), which some compilers (PoCL) require.
#ifndef REDUCE_WG
#define REDUCE_WG 256
#endif

// y[r, :] = softmax(z[r, :]) with the row maximum subtracted; y may be z. A row holding a NaN is NaN.
__kernel void softmax_rows(const __global float* z, __global float* y, const int rows, const int cols) {
    __local acc_t scratch[REDUCE_WG];
    const int lid = get_local_id(0);
    const int lsz = get_local_size(0);
    const __global float* zr = z + (long) get_group_id(0) * cols;
    __global float* yr = y + (long) get_group_id(0) * cols;
    acc_t m = -INFINITY;
    for (long j = lid; j < cols; j += lsz) {
        m = max_nan(m, (acc_t) zr[j]);
    }
    m = wg_max(scratch, m);
    acc_t s = 0;
    for (long j = lid; j < cols; j += lsz) {
        s += exp((acc_t) zr[j] - m);
    }
    s = wg_sum(scratch, s);
    for (long j = lid; j < cols; j += lsz) {
        yr[j] = (float) (exp((acc_t) zr[j] - m) / s);
    }
}

// Element-wise losses summed per row: row_loss[r] = sum over j of loss(z[r, j], t[r, j]); grad (may be null) =
// grad_scale * (f(z) - t) with f the loss's output activation.
__kernel void loss_rows(const int loss, const __global float* z, const __global float* t, __global float* grad,
                        __global float* row_loss, const float grad_scale, const int rows, const int cols) {
    __local acc_t scratch[REDUCE_WG];
    const int lid = get_local_id(0);
    const int lsz = get_local_size(0);
    const long o = (long) get_group_id(0) * cols;
    acc_t sum = 0;
    for (long j = lid; j < cols; j += lsz) {
        const acc_t zz = z[o + j];
        const acc_t tt = t[o + j];
        sum += loss_value(loss, zz, tt);
        if (grad != 0) {
            grad[o + j] = (float) ((acc_t) grad_scale * (loss_output(loss, zz) - tt));
        }
    }
    sum = wg_sum(scratch, sum);
    if (lid == 0) {
        row_loss[get_group_id(0)] = (float) sum;
    }
}

// Softmax cross-entropy from logits: row_loss[r] = logsumexp(z[r, :]) - z[r, c] with c = t[r] a class index;
// grad (may be null) = grad_scale * (softmax(z[r, :]) - onehot(c)). A row whose index is not an integer in
// [0, cols) gets a NaN loss and gradient, and the smallest such row is recorded in bad_row[0] (the host reports it).
__kernel void softmax_cross_entropy_rows(const __global float* z, const __global float* t, __global float* grad,
                                         __global float* row_loss, const float grad_scale, const int rows,
                                         const int cols, __global int* bad_row) {
    __local acc_t scratch[REDUCE_WG];
    const int row = get_group_id(0);
    const int lid = get_local_id(0);
    const int lsz = get_local_size(0);
    const long o = (long) row * cols;
    const float tc = t[row];
    const int valid = class_index_valid(tc, cols);
    const int c = valid ? (int) tc : 0;
    acc_t m = -INFINITY;
    for (long j = lid; j < cols; j += lsz) {
        m = max_nan(m, (acc_t) z[o + j]);
    }
    m = wg_max(scratch, m);
    acc_t s = 0;
    for (long j = lid; j < cols; j += lsz) {
        s += exp((acc_t) z[o + j] - m);
    }
    s = wg_sum(scratch, s);
    const acc_t log_sum = log(s);
    if (grad != 0) {
        for (long j = lid; j < cols; j += lsz) {
            grad[o + j] = valid ? (float) softmax_ce_grad(grad_scale, z[o + j], m, log_sum, j == c) : NAN;
        }
    }
    if (lid == 0) {
        if (valid) {
            row_loss[row] = (float) softmax_ce_loss(m, log_sum, z[o + c]);
        } else {
            row_loss[row] = NAN;
            atomic_min(bad_row, row);
        }
    }
}
