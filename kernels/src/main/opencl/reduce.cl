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

// The end of a column-sum stage one, shared by its two kernels: the CS_TY running sums of each of the tile's columns
// (sh holds CS_TY x CS_TX), combined in local memory in a fixed tree order, to partial[g, j].
inline void column_tile_sum(__local acc_t* sh, const acc_t s, __global acc_t* partial, const long g, const long j,
                            const int cols) {
    const int lx = get_local_id(0);
    const int ly = get_local_id(1);
    sh[ly * CS_TX + lx] = s;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int off = CS_TY / 2; off > 0; off >>= 1) {
        if (ly < off) {
            sh[ly * CS_TX + lx] += sh[(ly + off) * CS_TX + lx];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (ly == 0 && j < cols) {
        partial[g * cols + j] = sh[lx];
    }
}

// Column sums, stage one: partial[g, j] = sum of x[i, j] over the rows of chunk g (rows_per_chunk rows).
// Work-group: CS_TX x CS_TY.
__kernel __attribute__((reqd_work_group_size(CS_TX, CS_TY, 1)))
void column_sums_partial(const __global float* x, __global acc_t* partial, const int rows, const int cols,
                         const int rows_per_chunk) {
    __local acc_t sh[CS_TY * CS_TX];
    const long j = (long) get_group_id(0) * CS_TX + get_local_id(0);
    const long g = get_group_id(1);
    const long r0 = g * rows_per_chunk;
    const long r1 = min((long) rows, r0 + rows_per_chunk);
    acc_t s = 0;
    if (j < cols) {
        for (long i = r0 + get_local_id(1); i < r1; i += CS_TY) {
            s += x[i * cols + j];
        }
    }
    column_tile_sum(sh, s, partial, g, j, cols);
}

// activation_backward and column_sums_partial in one pass (a hidden layer's bias gradient): dz[i, j] = dy[i, j] ·
// f'(z) through y = f(z), rounded to float and stored as activation_backward stores it, and those floats summed as
// column_sums_partial sums x: the same rows in the same order, the same tile reduction. column_sums_finish completes
// the sums, so the results are the bits of activation_backward then column_sums. dz may be dy. Work-group: CS_TX x
// CS_TY.
__kernel __attribute__((reqd_work_group_size(CS_TX, CS_TY, 1)))
void activation_backward_column_sums_partial(const int f, const __global float* y, const __global float* dy,
                                             __global float* dz, __global acc_t* partial, const int rows,
                                             const int cols, const int rows_per_chunk) {
    __local acc_t sh[CS_TY * CS_TX];
    const long j = (long) get_group_id(0) * CS_TX + get_local_id(0);
    const long g = get_group_id(1);
    const long r0 = g * rows_per_chunk;
    const long r1 = min((long) rows, r0 + rows_per_chunk);
    acc_t s = 0;
    if (j < cols) {
        for (long i = r0 + get_local_id(1); i < r1; i += CS_TY) {
            const long k = i * cols + j;
            const float d = (float) activation_grad(f, (acc_t) y[k], (acc_t) dy[k]);
            dz[k] = d;
            s += d;
        }
    }
    column_tile_sum(sh, s, partial, g, j, cols);
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
