// Prepended by OpenClBackend to every LogitNet OpenCL program.
// acc_t is the accumulator of reductions and the type element-wise transcendentals are computed in: double where
// the device has cl_khr_fp64 (as the CPU reference computes in double), float otherwise. The backend passes
// -DUSE_FP64 when the device reports double-precision support. Never built with -cl-fast-relaxed-math.
#ifdef USE_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double acc_t;
#else
typedef float acc_t;
#endif

// Sum of v over the work-group (dimension 0, a power-of-two size); every work-item gets the result.
inline acc_t wg_sum(__local acc_t* s, const acc_t v) {
    const int lid = get_local_id(0);
    s[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int off = (int) get_local_size(0) / 2; off > 0; off >>= 1) {
        if (lid < off) {
            s[lid] += s[lid + off];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const acc_t r = s[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

// Maximum of v over the work-group (dimension 0, a power-of-two size); every work-item gets the result.
inline acc_t wg_max(__local acc_t* s, const acc_t v) {
    const int lid = get_local_id(0);
    s[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int off = (int) get_local_size(0) / 2; off > 0; off >>= 1) {
        if (lid < off) {
            s[lid] = fmax(s[lid], s[lid + off]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const acc_t r = s[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}
