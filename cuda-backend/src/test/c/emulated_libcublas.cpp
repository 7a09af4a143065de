// An emulated libcublas.so.12 (or .13, EMULATED_CUBLAS=13) for run-with-emulated-gpu.sh: the few cuBLAS calls CudaBackend makes, with a plain
// column-major SGEMM accumulating in float as a GPU does. Exported with the version node libcublas.so.12 that
// JCublas2's native library asks for. Products are queued on the handle's stream of the emulated driver
// (emulated_libcuda.cpp's emu_enqueue, found in the libcuda.so.1 already loaded), so they run in stream order with the
// kernels and are recorded into a graph while the stream captures; the scalars alpha and beta are read when the call is
// made (CUBLAS_POINTER_MODE_HOST), as cuBLAS does. Stricter than cuBLAS: a product captured into a graph needs a
// workspace set with cublasSetWorkspace after cublasSetStream (which resets it), the way to keep cuBLAS from
// allocating during a capture; without one the call returns CUBLAS_STATUS_NOT_SUPPORTED.
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <functional>

namespace {
// A handle's state: the stream its calls go to, and the workspace set for it.
struct Handle {
    void *stream = nullptr;
    void *workspace = nullptr;
    size_t workspaceBytes = 0;
    int mathMode = -1;
};

using EnqueueFn = int (*)(void *, void (*)(void *), void *, void (*)(void *));
using IsCapturingFn = int (*)(void *, int *);

void *driver() {
    static void *h = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_NOLOAD);
    return h;
}

// Runs work on the handle's stream of the emulated driver (now, without one), as a cuBLAS kernel would run.
int submit(void *handle, std::function<void()> *work) {
    Handle *h = static_cast<Handle *>(handle);
    static EnqueueFn enqueue = driver() ? (EnqueueFn) dlsym(driver(), "emu_enqueue") : nullptr;
    static IsCapturingFn capturing = driver() ? (IsCapturingFn) dlsym(driver(), "cuStreamIsCapturing") : nullptr;
    if (enqueue == nullptr) {
        (*work)();
        delete work;
        return 0;
    }
    int status = 0;
    if (capturing != nullptr && capturing(h->stream, &status) == 0 && status != 0 && h->workspace == nullptr) {
        delete work;
        return 15; // CUBLAS_STATUS_NOT_SUPPORTED: see the header
    }
    int r = enqueue(h->stream, [](void *w) { (*static_cast<std::function<void()> *>(w))(); }, work,
                    [](void *w) { delete static_cast<std::function<void()> *>(w); });
    return r == 0 ? 0 : 13; // CUBLAS_STATUS_EXECUTION_FAILED
}
}

extern "C" {

int cublasCreate_v2(void **h) { *h = new Handle(); return 0; }
int cublasDestroy_v2(void *h) { delete static_cast<Handle *>(h); return 0; }
int cublasSetStream_v2(void *handle, void *s) {
    Handle *h = static_cast<Handle *>(handle);
    h->stream = s;
    h->workspace = nullptr; // as cuBLAS: setting the stream resets the workspace to the library's own
    h->workspaceBytes = 0;
    return 0;
}
int cublasSetWorkspace_v2(void *handle, void *w, size_t bytes) {
    if (w == nullptr && bytes != 0) {
        return 7;
    }
    Handle *h = static_cast<Handle *>(handle);
    h->workspace = w;
    h->workspaceBytes = bytes;
    return 0;
}
int cublasSetMathMode(void *h, int mode) { static_cast<Handle *>(h)->mathMode = mode; return 0; }

static void sgemm(int transa, int transb, int m, int n, int k, float alpha, const float *A, int lda, const float *B,
                  int ldb, float beta, float *C, int ldc) {
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
            c = beta == 0.0f ? alpha * s : alpha * s + beta * c; // beta = 0: C is not read
        }
    }
}

int cublasSgemm_v2(void *handle, int transa, int transb, int m, int n, int k, const float *alpha, const float *A, int lda,
                   const float *B, int ldb, const float *beta, float *C, int ldc) {
    if (m < 0 || n < 0 || k < 0 || lda < (transa ? k : m) || ldb < (transb ? n : k) || ldc < m) {
        return 7; // CUBLAS_STATUS_INVALID_VALUE
    }
    float al = *alpha, be = *beta;
    return submit(handle, new std::function<void()>([=] { sgemm(transa, transb, m, n, k, al, A, lda, B, ldb, be, C, ldc); }));
}

// cublasGemmEx for the one case CudaBackend uses: bfloat16 A and B (CUDA_R_16BF = 14, their 16 bits are a float's
// upper half, so each converts exactly), float C (CUDA_R_32F = 0), CUBLAS_COMPUTE_32F (68): products of the operands
// summed in float, as the SGEMM above. Anything else is CUBLAS_STATUS_NOT_SUPPORTED (15).
int cublasGemmEx(void *handle, int transa, int transb, int m, int n, int k, const void *alpha, const void *A, int atype,
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
    float al = *static_cast<const float *>(alpha);
    float be = *static_cast<const float *>(beta);
    float *c32 = static_cast<float *>(C);
    return submit(handle, new std::function<void()>([=] {
        auto widen = [](unsigned short h) {
            unsigned int bits = (unsigned int) h << 16;
            float f;
            std::memcpy(&f, &bits, sizeof f);
            return f;
        };
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
    }));
}

} // extern "C"
