// Reductions: column sums (bias gradients) and dot products (dot, norm2). Both are two-stage parallel reductions
// accumulated in acc_t: stage one writes one partial per work-group, stage two adds the partials.
// Requires common.cl (acc_t, wg_sum). Column-sum tile: CS_TX columns x CS_TY rows per work-group (-D defines).
#pragma OPENCL FP_CONTRACT OFF
#ifndef CS_TX
#define CS_TX 32
#endif
#ifndef CS_TY
#define CS_TY 8
#endif

// partial[g, j] = sum of x[i, j] over the rows of block g (rows_per_group rows). Work-group: CS_TX x CS_TY.
__kernel __attribute__((reqd_work_group_size(CS_TX, CS_TY, 1)))
void column_sums_partial(const int rows, const int n, const int rows_per_group, const __global float* x,
                         __global acc_t* partial) {
    __local acc_t sh[CS_TY][CS_TX];
    const int lx = get_local_id(0);
    const int ly = get_local_id(1);
    const int j = get_group_id(0) * CS_TX + lx;
    const int g = get_group_id(1);
    const int r0 = g * rows_per_group;
    const int r1 = min(rows, r0 + rows_per_group);
    acc_t s = 0;
    if (j < n) {
        for (int i = r0 + ly; i < r1; i += CS_TY) {
            s += x[i * n + j];
        }
    }
    sh[ly][lx] = s;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int off = CS_TY / 2; off > 0; off >>= 1) {
        if (ly < off) {
            sh[ly][lx] += sh[ly + off][lx];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (ly == 0 && j < n) {
        partial[g * n + j] = sh[0][lx];
    }
}

// out[j] = sum over g of partial[g, j].
__kernel void column_sums_final(const int groups, const int n, const __global acc_t* partial, __global float* out) {
    const int j = get_global_id(0);
    if (j < n) {
        acc_t s = 0;
        for (int g = 0; g < groups; g++) {
            s += partial[g * n + j];
        }
        out[j] = (float) s;
    }
}

// partial[group] = sum of x[i] * y[i] over a grid-stride slice. Products of floats are exact in double; in float
// (devices without fp64) each work-item's running sum is compensated (Kahan) before the tree.
__kernel void dot_partial(const int count, const __global float* x, const __global float* y,
                          __global acc_t* partial, __local acc_t* scratch) {
    const int stride = get_global_size(0);
    acc_t s = 0;
#ifdef USE_FP64
    for (int i = get_global_id(0); i < count; i += stride) {
        s += (acc_t) x[i] * (acc_t) y[i];
    }
#else
    float c = 0.0f;
    for (int i = get_global_id(0); i < count; i += stride) {
        const float term = x[i] * y[i] - c;
        const float t = s + term;
        c = (t - s) - term;
        s = t;
    }
#endif
    s = wg_sum(scratch, s);
    if (get_local_id(0) == 0) {
        partial[get_group_id(0)] = s;
    }
}

// out[0] = sum of partial[0 .. count); one work-group.
__kernel void sum_final(const int count, const __global acc_t* partial, __global acc_t* out,
                        __local acc_t* scratch) {
    acc_t s = 0;
    for (int i = get_local_id(0); i < count; i += get_local_size(0)) {
        s += partial[i];
    }
    s = wg_sum(scratch, s);
    if (get_local_id(0) == 0) {
        out[0] = s;
    }
}
