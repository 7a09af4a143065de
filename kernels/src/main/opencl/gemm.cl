// C = alpha * op(A) * op(B) + beta * C, row-major, op(X) = X or X^T; one kernel per transpose combination.
// Tiled in local memory and register-blocked: a work-group computes a TSM x TSN tile of C, walking K in steps of
// TSK; each work-item computes WPTM x WPTN elements of the tile, strided by the work-group's shape so that
// neighbouring work-items touch neighbouring columns (coalesced on GPUs, vectorizable on CPUs).
// Tile sizes come from the backend as -D defines chosen per device type; the defaults below suit GPUs.
// Sizes need not be multiples of the tiles: loads outside the matrices read zeros, stores are bounds-checked.
//
// Two shapes of the same algorithm, chosen per device type:
//  - GPUs (default): a 2-D work-group of RTSM x RTSN work-items shares the A and B tiles in local memory;
//    each work-item keeps its WPTM x WPTN outputs in registers.
//  - CPUs (-DGEMM_PACKED): one work-item per work-group, like a BLAS macro-kernel: it packs the A and B tiles
//    into local memory (which is cache on a CPU) as micro-panels and runs a register-blocked micro-kernel of
//    WPTM rows x WPTN columns (WPTN/16 float16 vectors per row) over them, accumulating the C tile in local memory.
//    Work-item loops are what CPU OpenCL compilers (PoCL) vectorize poorly when a kernel has inner loops
//    and barriers, so the vector width is made explicit instead.
#ifndef TSM
#define TSM 64
#endif
#ifndef TSN
#define TSN 64
#endif
#ifndef TSK
#define TSK 16
#endif
#ifndef WPTM
#define WPTM 4
#endif
#ifndef WPTN
#define WPTN 4
#endif
#define RTSM (TSM / WPTM)
#define RTSN (TSN / WPTN)
#define THREADS (RTSM * RTSN)
// One float of padding keeps transposed tile stores off a single local-memory bank.
#define LDA_LOCAL (TSM + 1)
#define LDB_LOCAL (TSN + 1)

#ifdef BF16_OPERANDS
// BF16 precision: each operand rounded to the nearest bfloat16 (ties to even) as it is loaded, kept as the float it is
// exactly; products are then exact in float and only the sums round (io.logitnet.backend.Bf16 is the reference).
inline float operand(const float x) {
    const uint bits = as_uint(x);
    if ((bits & 0x7fffffffu) > 0x7f800000u) {
        return x; // NaN: truncating its payload could make it an infinity
    }
    return as_float((bits + 0x7fffu + ((bits >> 16) & 1u)) & 0xffff0000u);
}
#else
#define operand(x) (x)
#endif

// op(A)[i, p] for i < M, p < K, else 0. A is [M, K] (ta = 0) or [K, M] (ta = 1).
inline float load_a(const __global float* A, const int M, const int K, const int ta, const int i, const int p) {
    if (i >= M || p >= K) {
        return 0.0f;
    }
    return operand(ta ? A[p * M + i] : A[i * K + p]);
}

// op(B)[p, j] for p < K, j < N, else 0. B is [K, N] (tb = 0) or [N, K] (tb = 1).
inline float load_b(const __global float* B, const int N, const int K, const int tb, const int p, const int j) {
    if (p >= K || j >= N) {
        return 0.0f;
    }
    return operand(tb ? B[j * K + p] : B[p * N + j]);
}

#ifdef GEMM_PACKED
// Micro-kernel block: WPTM rows x NR columns, NR = WPTN a multiple of 16 held as NV float16 vectors per row.
#define NR WPTN
#define NV (WPTN / 16)

inline void gemm_packed(const int M, const int N, const int K, const float alpha, const float beta,
                        const __global float* A, const __global float* B, __global float* C,
                        const int ta, const int tb, __local float* As, __local float* Bs, __local float* Cs) {
    const int row0 = get_group_id(1) * TSM;
    const int col0 = get_group_id(0) * TSN;
    const int rows = min(TSM, M - row0);
    const int cols = min(TSN, N - col0);
    for (int l = 0; l < TSM * TSN; l++) {
        Cs[l] = 0.0f;
    }
    for (int k0 = 0; k0 < K; k0 += TSK) {
        const int depth = min(TSK, K - k0);
        // Pack A as micro-panels of WPTM rows: As[ib * TSK + p * WPTM + r] holds op(A)[row0 + ib + r, k0 + p]
        // (ib a multiple of WPTM; rows past M are 0). Loops run along the operand's contiguous dimension.
        for (int ib = 0; ib < TSM; ib += WPTM) {
            __local float* panel = As + ib * TSK;
            if (ta) {
                for (int p = 0; p < depth; p++) {
                    for (int r = 0; r < WPTM; r++) {
                        panel[p * WPTM + r] = load_a(A, M, K, ta, row0 + ib + r, k0 + p);
                    }
                }
            } else {
                for (int r = 0; r < WPTM; r++) {
                    for (int p = 0; p < depth; p++) {
                        panel[p * WPTM + r] = load_a(A, M, K, ta, row0 + ib + r, k0 + p);
                    }
                }
            }
        }
        // Pack B as micro-panels of NR columns: Bs[jb * TSK + p * NR + c] holds op(B)[k0 + p, col0 + jb + c]
        // (jb a multiple of NR; columns past N are 0).
        for (int jb = 0; jb < TSN; jb += NR) {
            __local float* panel = Bs + jb * TSK;
            if (tb) {
                for (int c = 0; c < NR; c++) {
                    for (int p = 0; p < depth; p++) {
                        panel[p * NR + c] = load_b(B, N, K, tb, k0 + p, col0 + jb + c);
                    }
                }
            } else {
                for (int p = 0; p < depth; p++) {
                    for (int c = 0; c < NR; c++) {
                        panel[p * NR + c] = load_b(B, N, K, tb, k0 + p, col0 + jb + c);
                    }
                }
            }
        }
        // Micro-kernel: WPTM x NR outputs in registers per (i0, j0) block, over the packed depth.
        for (int i0 = 0; i0 < rows; i0 += WPTM) {
            const __local float* ap = As + i0 * TSK;
            for (int j0 = 0; j0 < cols; j0 += NR) {
                const __local float* bp = Bs + j0 * TSK;
                float16 acc[WPTM][NV];
                for (int r = 0; r < WPTM; r++) {
                    for (int v = 0; v < NV; v++) {
                        acc[r][v] = (float16) (0.0f);
                    }
                }
                for (int p = 0; p < depth; p++) {
                    float16 b[NV];
                    for (int v = 0; v < NV; v++) {
                        b[v] = vload16(p * NV + v, bp);
                    }
                    for (int r = 0; r < WPTM; r++) {
                        const float a = ap[p * WPTM + r];
                        for (int v = 0; v < NV; v++) {
                            acc[r][v] += a * b[v]; // contracted to an FMA where the device has one
                        }
                    }
                }
                for (int r = 0; r < WPTM; r++) {
                    for (int v = 0; v < NV; v++) {
                        __local float* c = Cs + (i0 + r) * TSN + j0 + 16 * v;
                        vstore16(vload16(0, c) + acc[r][v], 0, c);
                    }
                }
            }
        }
    }
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
            const size_t o = (size_t) (row0 + i) * N + col0 + j;
            const float v = alpha * Cs[i * TSN + j];
            // beta = 0 ignores C entirely, so NaN or garbage in C never propagates.
            C[o] = beta == 0.0f ? v : v + beta * C[o];
        }
    }
}

#define GEMM_KERNEL(NAME, TA, TB)                                                                               \
__kernel __attribute__((reqd_work_group_size(1, 1, 1)))                                                         \
void NAME(const int M, const int N, const int K, const float alpha, const float beta,                           \
          const __global float* A, const __global float* B, __global float* C) {                                \
    __local float As[TSM * TSK];                                                                                \
    __local float Bs[TSK * TSN];                                                                                \
    __local float Cs[TSM * TSN];                                                                                \
    gemm_packed(M, N, K, alpha, beta, A, B, C, TA, TB, As, Bs, Cs);                                             \
}

#else
inline void gemm_tile(const int M, const int N, const int K, const float alpha, const float beta,
                      const __global float* A, const __global float* B, __global float* C,
                      const int ta, const int tb, __local float* As, __local float* Bs) {
    const int tx = get_local_id(0);
    const int ty = get_local_id(1);
    const int tid = ty * RTSN + tx;
    const int row0 = get_group_id(1) * TSM;
    const int col0 = get_group_id(0) * TSN;

    float acc[WPTM][WPTN];
    for (int wm = 0; wm < WPTM; wm++) {
        for (int wn = 0; wn < WPTN; wn++) {
            acc[wm][wn] = 0.0f;
        }
    }

    for (int k0 = 0; k0 < K; k0 += TSK) {
        // Load the A tile (TSM x TSK) and B tile (TSK x TSN); consecutive work-items read consecutive addresses
        // of whichever layout the operand has.
        for (int l = tid; l < TSM * TSK; l += THREADS) {
            const int i = ta ? l % TSM : l / TSK;
            const int p = ta ? l / TSM : l % TSK;
            As[p * LDA_LOCAL + i] = load_a(A, M, K, ta, row0 + i, k0 + p);
        }
        for (int l = tid; l < TSK * TSN; l += THREADS) {
            const int j = tb ? l / TSK : l % TSN;
            const int p = tb ? l % TSK : l / TSN;
            Bs[p * LDB_LOCAL + j] = load_b(B, N, K, tb, k0 + p, col0 + j);
        }
        barrier(CLK_LOCAL_MEM_FENCE);

        for (int p = 0; p < TSK; p++) {
            float a[WPTM];
            float b[WPTN];
            for (int wm = 0; wm < WPTM; wm++) {
                a[wm] = As[p * LDA_LOCAL + ty + wm * RTSM];
            }
            for (int wn = 0; wn < WPTN; wn++) {
                b[wn] = Bs[p * LDB_LOCAL + tx + wn * RTSN];
            }
            for (int wm = 0; wm < WPTM; wm++) {
                for (int wn = 0; wn < WPTN; wn++) {
                    acc[wm][wn] += a[wm] * b[wn]; // contracted to an FMA where the device has one
                }
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    for (int wm = 0; wm < WPTM; wm++) {
        const int i = row0 + ty + wm * RTSM;
        if (i >= M) {
            continue;
        }
        for (int wn = 0; wn < WPTN; wn++) {
            const int j = col0 + tx + wn * RTSN;
            if (j < N) {
                // beta = 0 ignores C entirely, so NaN or garbage in C never propagates.
                C[i * N + j] = beta == 0.0f ? alpha * acc[wm][wn] : alpha * acc[wm][wn] + beta * C[i * N + j];
            }
        }
    }
}

#define GEMM_KERNEL(NAME, TA, TB)                                                                               \
__kernel __attribute__((reqd_work_group_size(RTSN, RTSM, 1)))                                                   \
void NAME(const int M, const int N, const int K, const float alpha, const float beta,                           \
          const __global float* A, const __global float* B, __global float* C) {                                \
    __local float As[TSK * LDA_LOCAL];                                                                          \
    __local float Bs[TSK * LDB_LOCAL];                                                                          \
    gemm_tile(M, N, K, alpha, beta, A, B, C, TA, TB, As, Bs);                                                   \
}

#endif

GEMM_KERNEL(gemm_nn, 0, 0)
GEMM_KERNEL(gemm_nt, 0, 1)
GEMM_KERNEL(gemm_tn, 1, 0)
GEMM_KERNEL(gemm_tt, 1, 1)
