// An emulated libcuda.so.1: the CUDA driver API calls CudaBackend makes, on the CPU. Device memory is host memory
// (a CUdeviceptr is a host address), streams are synchronous, and cuLaunchKernel runs the kernels of
// kernels/src/main/cuda/logitnet.cu under cuda_emulation.h. With emulated_libcublas.cpp it lets the whole CUDA test
// suite run through JCuda on a machine without a GPU (run-with-emulated-gpu.sh). Not a driver: nothing here is
// device-accurate except the arithmetic of the kernels themselves.
#include "cuda_emulation.h"
#include "../../../../kernels/src/main/cuda/logitnet.cu"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <utility>

namespace {

const size_t TOTAL = (size_t) 512 << 20; // the pretend device's memory: small, so out of memory is cheap to reach
size_t used = 0;
std::map<uintptr_t, size_t> blocks;
std::mutex memory;
int contextToken, streamToken, moduleToken;
int primaryRetains = 0; // the primary context is reset (its handle stops working) when this falls back to 0

using Launcher = void (*)(void **params, dim3 grid, dim3 block);

template <bool Parallel, class... P, size_t... I>
void invoke(void (*kernel)(P...), void **params, dim3 grid, dim3 block, std::index_sequence<I...>) {
    if constexpr (Parallel) {
        emu_launch(kernel, grid, block, *static_cast<P *>(params[I])...);
    } else {
        emu_launch_serial(kernel, grid, block, *static_cast<P *>(params[I])...);
    }
}


template <class... P>
constexpr size_t arity(void (*)(P...)) {
    return sizeof...(P);
}

#define KERNEL(name, parallel)                                                                               \
    {#name, [](void **params, dim3 grid, dim3 block) {                                                       \
         invoke<parallel>(name, params, grid, block, std::make_index_sequence<arity(name)>{});               \
     }}

// Every kernel of logitnet.cu; true where it synchronizes its block (fibers), false where threads run one by one.
const std::map<std::string, Launcher> kernels = {
    KERNEL(add_row_vector, false),      KERNEL(activation_forward, false), KERNEL(activation_backward, false),
    KERNEL(softmax_rows, true),         KERNEL(loss_rows, true),           KERNEL(softmax_cross_entropy_rows, true),
    KERNEL(column_sums_partial, true),  KERNEL(column_sums_finish, false), KERNEL(dot_partial, true),
    KERNEL(sum_partials, true),         KERNEL(axpy, false),               KERNEL(scale, false),
    KERNEL(sgd_update, false),          KERNEL(adam_update, false),        KERNEL(round_bf16, false),
    KERNEL(bias_activation, false),     KERNEL(activation_backward_column_sums_partial, true),
};

struct Function {
    std::string name;
    Launcher launch;
};

} // namespace

extern "C" {

int cuDriverGetVersion(int *v) { *v = 12040; return 0; }
int cuInit(unsigned) { return 0; }
int cuDeviceGetCount(int *c) { *c = 1; return 0; }
int cuDeviceGet(int *d, int ordinal) { *d = ordinal; return ordinal == 0 ? 0 : 101; }
int cuDeviceGetName(char *name, int len, int) { std::snprintf(name, (size_t) len, "Emulated GPU (CPU)"); return 0; }
int cuDeviceTotalMem_v2(size_t *bytes, int) { *bytes = TOTAL; return 0; }
int cuDeviceGetAttribute(int *value, int attribute, int) {
    switch (attribute) {
        case 16: *value = 2; return 0;
        case 75: *value = 8; return 0;
        case 76: *value = 0; return 0;
        default: *value = 0; return 1;
    }
}
int cuDevicePrimaryCtxRetain(void **ctx, int) { primaryRetains++; *ctx = &contextToken; return 0; }
int cuDevicePrimaryCtxRelease_v2(int) {
    if (primaryRetains == 0) {
        return 201; // CUDA_ERROR_INVALID_CONTEXT
    }
    primaryRetains--;
    return 0;
}
int cuDevicePrimaryCtxGetState(int, unsigned *flags, int *active) {
    *flags = 0;
    *active = primaryRetains > 0 ? 1 : 0;
    return 0;
}
int cuCtxSetCurrent(void *ctx) {
    if (ctx != &contextToken) {
        return 201; // CUDA_ERROR_INVALID_CONTEXT
    }
    return primaryRetains > 0 ? 0 : 709; // CUDA_ERROR_CONTEXT_IS_DESTROYED: released to 0, the context was reset
}
int cuStreamCreate(void **s, unsigned) { *s = &streamToken; return 0; }
int cuStreamSynchronize(void *) { return 0; }
int cuStreamDestroy_v2(void *) { return 0; }

int cuMemAlloc_v2(uintptr_t *p, size_t bytes) {
    std::lock_guard<std::mutex> g(memory);
    if (bytes > TOTAL - used) {
        return 2; // CUDA_ERROR_OUT_OF_MEMORY
    }
    void *m = std::malloc(bytes);
    if (m == nullptr) {
        return 2;
    }
    std::memset(m, 0x7f, bytes); // garbage: allocate must zero-fill by itself
    used += bytes;
    blocks[(uintptr_t) m] = bytes;
    *p = (uintptr_t) m;
    return 0;
}
int cuMemFree_v2(uintptr_t p) {
    std::lock_guard<std::mutex> g(memory);
    auto it = blocks.find(p);
    if (it == blocks.end()) {
        return 1;
    }
    used -= it->second;
    blocks.erase(it);
    std::free((void *) p);
    return 0;
}
int cuMemGetInfo_v2(size_t *free, size_t *total) {
    std::lock_guard<std::mutex> g(memory);
    *free = TOTAL - used;
    *total = TOTAL;
    return 0;
}
int cuMemAllocHost_v2(void **p, size_t bytes) { *p = std::malloc(bytes); return *p ? 0 : 2; }
int cuMemFreeHost(void *p) { std::free(p); return 0; }
int cuMemsetD32Async(uintptr_t d, unsigned value, size_t n, void *) {
    unsigned *u = (unsigned *) d;
    for (size_t i = 0; i < n; i++) {
        u[i] = value;
    }
    return 0;
}
int cuMemcpyHtoDAsync_v2(uintptr_t d, const void *h, size_t bytes, void *) { std::memcpy((void *) d, h, bytes); return 0; }
int cuMemcpyDtoHAsync_v2(void *h, uintptr_t d, size_t bytes, void *) { std::memcpy(h, (void *) d, bytes); return 0; }
int cuMemcpyDtoDAsync_v2(uintptr_t d, uintptr_t s, size_t bytes, void *) {
    std::memmove((void *) d, (void *) s, bytes);
    return 0;
}

int cuModuleLoadData(void **m, const void *image) {
    const unsigned char *b = (const unsigned char *) image;
    bool fatbin = b[0] == 0x50 && b[1] == 0xED && b[2] == 0x55 && b[3] == 0xBA;
    if (!fatbin) {
        return 200; // CUDA_ERROR_INVALID_IMAGE: the backend hands the fatbin first
    }
    *m = &moduleToken;
    return 0;
}
int cuModuleUnload(void *) { return 0; }
int cuModuleGetFunction(void **f, void *, const char *name) {
    auto it = kernels.find(name);
    if (it == kernels.end()) {
        return 500; // CUDA_ERROR_NOT_FOUND
    }
    *f = new Function{name, it->second};
    return 0;
}
int cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                   unsigned shared, void *, void **params, void **extra) {
    if (gz != 1 || bz != 1 || shared != 0 || extra != nullptr || bx * by > 1024 || bx * by % 32 != 0) {
        return 1; // CUDA_ERROR_INVALID_VALUE: shapes the backend never uses
    }
    static_cast<Function *>(f)->launch(params, dim3{gx, gy, 1}, dim3{bx, by, 1});
    return 0;
}

} // extern "C"
