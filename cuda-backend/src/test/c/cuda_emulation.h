// A minimal CPU emulation of the CUDA execution model, enough to run kernels/src/main/cuda/logitnet.cu on a machine
// without a GPU. The threads of a block run as coroutines (ucontext fibers) on the calling thread: __syncthreads
// switches to the next thread of the block, so a barrier is passed only when every thread has reached it, exactly as
// on the device, and warp shuffles are built on it. Blocks run one after another, so function-scope __shared__
// arrays can be plain statics. It checks indexing, reductions and formulas; it says nothing about the device's
// timing, memory model or libm accuracy.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <ucontext.h>
#include <vector>

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
};

inline thread_local dim3 threadIdx;
inline thread_local dim3 blockIdx;
inline dim3 blockDim;
inline dim3 gridDim;
#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static

using std::min;

// The fibers of the block being run.
struct EmuBlock {
    ucontext_t scheduler;
    std::vector<ucontext_t> fibers;
    std::vector<char> stacks;
    std::vector<bool> done;
    std::vector<dim3> index;
    const std::function<void()> *body = nullptr;
    int current = 0;
};

inline EmuBlock &emu_block() {
    static EmuBlock *b = new EmuBlock();
    return *b;
}

inline void __syncthreads() {
    EmuBlock &b = emu_block();
    swapcontext(&b.fibers[b.current], &b.scheduler);
}

inline int emu_flat_thread() {
    return (int) (threadIdx.y * blockDim.x + threadIdx.x);
}

// Every thread of the block calls the shuffles uniformly in these kernels, so a block-wide exchange is exact.
inline double __shfl_down_sync(unsigned, double v, int offset) {
    static double slots[1024];
    int t = emu_flat_thread();
    slots[t] = v;
    __syncthreads();
    int lane = t & 31;
    double r = lane + offset < 32 ? slots[t + offset] : v;
    __syncthreads();
    return r;
}

inline int atomicMin(int *address, int value) {
    static std::mutex m;
    std::lock_guard<std::mutex> g(m);
    int old = *address;
    *address = std::min(old, value);
    return old;
}

inline unsigned int __float_as_uint(float x) {
    unsigned int u;
    std::memcpy(&u, &x, sizeof u);
    return u;
}
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }

inline void emu_fiber_entry() {
    EmuBlock &b = emu_block();
    (*b.body)();
    b.done[b.current] = true; // returning resumes the scheduler (uc_link)
}

// Runs kernel<<<grid, block>>>(args...) to completion.
template <class... P, class... A>
void emu_launch(void (*kernel)(P...), dim3 grid, dim3 block, A... args) {
    const size_t stackSize = 64 * 1024;
    gridDim = grid;
    blockDim = block;
    int threads = (int) (block.x * block.y);
    EmuBlock &b = emu_block();
    b.fibers.resize(threads);
    b.stacks.resize((size_t) threads * stackSize);
    std::function<void()> body = [&] { kernel(((P) args)...); };
    b.body = &body;
    for (unsigned by = 0; by < grid.y; by++) {
        for (unsigned bx = 0; bx < grid.x; bx++) {
            blockIdx = dim3{bx, by, 0};
            b.done.assign(threads, false);
            b.index.assign(threads, dim3{});
            for (int t = 0; t < threads; t++) {
                b.index[t] = dim3{(unsigned) t % block.x, (unsigned) t / block.x, 0};
                getcontext(&b.fibers[t]);
                b.fibers[t].uc_stack.ss_sp = &b.stacks[(size_t) t * stackSize];
                b.fibers[t].uc_stack.ss_size = stackSize;
                b.fibers[t].uc_link = &b.scheduler;
                makecontext(&b.fibers[t], emu_fiber_entry, 0);
            }
            int remaining = threads;
            while (remaining > 0) { // one pass: every live thread runs to its next barrier or to its end
                for (int t = 0; t < threads; t++) {
                    if (!b.done[t]) {
                        b.current = t;
                        threadIdx = b.index[t];
                        swapcontext(&b.scheduler, &b.fibers[t]);
                        if (b.done[t]) {
                            remaining--;
                        }
                    }
                }
            }
        }
    }
}

// Runs a kernel that has no __syncthreads or shuffles on the calling thread, thread after thread.
template <class... P, class... A>
void emu_launch_serial(void (*kernel)(P...), dim3 grid, dim3 block, A... args) {
    gridDim = grid;
    blockDim = block;
    for (unsigned by = 0; by < grid.y; by++) {
        for (unsigned bx = 0; bx < grid.x; bx++) {
            blockIdx = dim3{bx, by, 0};
            for (unsigned ty = 0; ty < block.y; ty++) {
                for (unsigned tx = 0; tx < block.x; tx++) {
                    threadIdx = dim3{tx, ty, 0};
                    kernel(((P) args)...);
                }
            }
        }
    }
}
