// An emulated libcublas.so.12 (or .13, EMULATED_CUBLAS=13) for run-with-emulated-gpu.sh: the few cuBLAS calls CudaBackend makes, with a plain
// column-major SGEMM accumulating in float as a GPU does. Exported with the version node libcublas.so.12 that
// JCublas2's native library asks for.
#include <cstddef>
#include <cstdlib>
#include <cstring>

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

// cublasGemmEx for the one case CudaBackend uses: bfloat16 A and B (CUDA_R_16BF = 14, their 16 bits are a float's
// upper half, so each converts exactly), float C (CUDA_R_32F = 0), CUBLAS_COMPUTE_32F (68): products of the operands
// summed in float, as the SGEMM above. Anything else is CUBLAS_STATUS_NOT_SUPPORTED (15).
int cublasGemmEx(void *, int transa, int transb, int m, int n, int k, const void *alpha, const void *A, int atype,
                 int lda, const void *B, int btype, int ldb, const void *beta, void *C, int ctype, int ldc,
                 int compute, int) {
    if (atype != 14 || btype != 14 || ctype != 0 || compute != 68) {
        return 15;
    }
    if (m < 0 || n < 0 || k < 0 || lda < (transa ? k : m) || ldb < (transb ? n : k) || ldc < m) {
        return 7;
    }
    const unsigned short *a16 = static_cast<const unsigned short *>(A);
    const unsigned short *b16 = static_cast<const unsigned short *>(B);
    auto widen = [](unsigned short h) {
        unsigned int bits = (unsigned int) h << 16;
        float f;
        std::memcpy(&f, &bits, sizeof f);
        return f;
    };
    float al = *static_cast<const float *>(alpha);
    float be = *static_cast<const float *>(beta);
    float *c32 = static_cast<float *>(C);
    for (int j = 0; j < n; j++) {
        for (int i = 0; i < m; i++) {
            float s = 0;
            for (int l = 0; l < k; l++) {
                float a = widen(transa ? a16[l + (size_t) i * lda] : a16[i + (size_t) l * lda]);
                float b = widen(transb ? b16[j + (size_t) l * ldb] : b16[l + (size_t) j * ldb]);
                s += a * b;
            }
            float &c = c32[i + (size_t) j * ldc];
            c = be == 0.0f ? al * s : al * s + be * c;
        }
    }
    return 0;
}

} // extern "C"
