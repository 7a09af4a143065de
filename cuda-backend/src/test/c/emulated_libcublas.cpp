// An emulated libcublas.so.12 (or .13, EMULATED_CUBLAS=13) for run-with-emulated-gpu.sh: the few cuBLAS calls CudaBackend makes, with a plain
// column-major SGEMM accumulating in float as a GPU does. Exported with the version node libcublas.so.12 that
// JCublas2's native library asks for.
#include <cstddef>
#include <cstdlib>

namespace {
int handleToken;
int mathMode = -1;
}

extern "C" {

int cublasCreate_v2(void **h) { *h = &handleToken; return 0; }
int cublasDestroy_v2(void *) { return 0; }
int cublasSetStream_v2(void *, void *) { return 0; }
int cublasSetMathMode(void *, int mode) { mathMode = mode; return 0; }

int cublasSgemm_v2(void *, int transa, int transb, int m, int n, int k, const float *alpha, const float *A, int lda,
                   const float *B, int ldb, const float *beta, float *C, int ldc) {
    if (m < 0 || n < 0 || k < 0 || lda < (transa ? k : m) || ldb < (transb ? n : k) || ldc < m) {
        return 7; // CUBLAS_STATUS_INVALID_VALUE
    }
    // EMULATED_SGEMM_DOUBLE=1 accumulates in double, to tell GEMM round-off from other differences in a failure.
    static const bool inDouble = std::getenv("EMULATED_SGEMM_DOUBLE") != nullptr;
    for (int j = 0; j < n; j++) {
        for (int i = 0; i < m; i++) {
            float s = 0;
            double d = 0;
            for (int l = 0; l < k; l++) {
                float a = transa ? A[l + (size_t) i * lda] : A[i + (size_t) l * lda];
                float b = transb ? B[j + (size_t) l * ldb] : B[l + (size_t) j * ldb];
                s += a * b;
                d += (double) a * b;
            }
            if (inDouble) {
                s = (float) d;
            }
            float &c = C[i + (size_t) j * ldc];
            c = *beta == 0.0f ? *alpha * s : *alpha * s + *beta * c; // beta = 0: C is not read
        }
    }
    return 0;
}

} // extern "C"
