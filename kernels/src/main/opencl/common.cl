// Prepended by OpenClBackend, after ../common/logitnet_codes.h and ../common/logitnet_formulas.h (which define
// acc_t: double where the device has cl_khr_fp64 and the backend passes -DUSE_FP64, float otherwise), to every
// LogitNet OpenCL program: the work-group reductions. Never built with -cl-fast-relaxed-math.

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

// Maximum of v over the work-group (dimension 0, a power-of-two size), NaN if any value is NaN; every work-item gets
// the result.
inline acc_t wg_max(__local acc_t* s, const acc_t v) {
    const int lid = get_local_id(0);
    s[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int off = (int) get_local_size(0) / 2; off > 0; off >>= 1) {
        if (lid < off) {
            s[lid] = max_nan(s[lid], s[lid + off]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const acc_t r = s[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}
