// Reductions: column sums (bias gradients) and dot products (dot, norm2), both in two stages accumulated in acc_t:
// stage one writes one partial per work-group, stage two adds the partials. Names and argument orders are the CUDA
// kernels'. Column-sum tile: CS_TX columns x CS_TY rows per work-group; vector reductions: work-groups of REDUCE_WG
// (-D defines). Every index that can pass 2^31 is 64-bit.
#ifndef CS_TX
#define CS_TX 32
#endif
#ifndef CS_TY
#define CS_TY 8
#endif
#ifndef REDUCE_WG
#define REDUCE_WG 256
#endif

// Column sums, stage one: partial[g, j] = sum of x[i, j] over the rows of chunk g (rows_per_chunk rows).
// Work-group: CS_TX x CS_TY.
__kernel __attribute__((reqd_work_group_size(CS_TX, CS_TY, 1)))
void column_sums_partial(const __global float* x, __global acc_t* partial, const int rows, const int cols,
                         const int rows_per_chunk) {
    __local acc_t sh[CS_TY][CS_TX];
    const int lx = get_local_id(0);
    const int ly = get_local_id(1);
    const long j = (long) get_group_id(0) * CS_TX + lx;
    const long g = get_group_id(1);
    const long r0 = g * rows_per_chunk;
    const long r1 = min((long) rows, r0 + rows_per_chunk);
    acc_t s = 0;
    if (j < cols) {
        for (long i = r0 + ly; i < r1; i += CS_TY) {
            s += x[i * cols + j];
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
    if (ly == 0 && j < cols) {
        partial[g * cols + j] = sh[0][lx];
    }
}

// Column sums, stage two: out[j] = sum over chunks of partial[chunk, j].
__kernel void column_sums_finish(const __global acc_t* partial, __global float* out, const int chunks,
                                 const int cols) {
    const long j = get_global_id(0);
    if (j < cols) {
        acc_t s = 0;
        for (int g = 0; g < chunks; g++) {
            s += partial[(long) g * cols + j];
        }
        out[j] = (float) s;
    }
}

// Dot product, stage one: partial[group] = sum of x[i] * y[i] over a grid-stride slice. Products of floats are exact
// in double; in float (devices without fp64) each work-item's running sum is compensated (Kahan) while it is finite.
__kernel void dot_partial(const __global float* x, const __global float* y, __global acc_t* partial, const long n) {
    __local acc_t scratch[REDUCE_WG];
    const long stride = get_global_size(0);
    acc_t s = 0;
#ifdef ACC_IS_FLOAT
    float c = 0.0f;
    for (long i = get_global_id(0); i < n; i += stride) {
        const float term = x[i] * y[i] - c;
        const float t = s + term;
        c = isfinite(t) ? (t - s) - term : 0.0f; // inf - inf would turn an infinite sum into NaN
        s = t;
    }
#else
    for (long i = get_global_id(0); i < n; i += stride) {
        s += (acc_t) x[i] * (acc_t) y[i];
    }
#endif
    s = wg_sum(scratch, s);
    if (get_local_id(0) == 0) {
        partial[get_group_id(0)] = s;
    }
}

// Dot product, stage two (one work-group): result[0] = sum of partial[0 .. count).
__kernel void sum_partials(const __global acc_t* partial, __global acc_t* result, const int count) {
    __local acc_t scratch[REDUCE_WG];
    acc_t s = 0;
    for (int i = get_local_id(0); i < count; i += get_local_size(0)) {
        s += partial[i];
    }
    s = wg_sum(scratch, s);
    if (get_local_id(0) == 0) {
        result[0] = s;
    }
}
