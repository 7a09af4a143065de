// A minimal CPU emulation of the CUDA execution model, enough to run kernels/src/main/cuda/logitnet.cu on a machine
// without a GPU: each block's threads run as real threads (so __syncthreads and warp shuffles synchronize as on the
// device), blocks run one after another (so function-scope __shared__ arrays can be plain statics). It checks
// indexing, reductions and formulas; it says nothing about the device's timing, memory model or libm accuracy.
#pragma once
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cmath>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
};

inline thread_local dim3 threadIdx;
inline thread_local dim3 blockIdx;
inline dim3 blockDim;
inline dim3 gridDim;
// A blocking barrier (no spinning: hundreds of threads share a few cores).
class EmuBarrier {
public:
    explicit EmuBarrier(int count) : count_(count), waiting_(0), generation_(0) {}

    void arrive_and_wait() {
        std::unique_lock<std::mutex> lock(m_);
        long gen = generation_;
        if (++waiting_ == count_) {
            waiting_ = 0;
            generation_++;
            cv_.notify_all();
            return;
        }
        cv_.wait(lock, [&] { return gen != generation_; });
    }

private:
    std::mutex m_;
    std::condition_variable cv_;
    int count_;
    int waiting_;
    long generation_;
};

inline EmuBarrier *emu_barrier = nullptr;

#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static

using std::min;

inline void __syncthreads() {
    emu_barrier->arrive_and_wait();
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

inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }

// Threads that play the threads of one block at a time; created once (thread creation dominates otherwise).
class EmuPool {
public:
    static EmuPool &instance() {
        static EmuPool *pool = new EmuPool(); // never destroyed: its workers stay parked until the process exits
        return *pool;
    }

    // Runs body(t) for t in [0, threads) concurrently, one worker per t, and waits for all of them.
    void run(int threads, const std::function<void(int)> &body) {
        while ((int) workers_.size() < threads) {
            int index = (int) workers_.size();
            workers_.emplace_back([this, index] { loop(index); });
        }
        std::unique_lock<std::mutex> lock(m_);
        body_ = &body;
        active_ = threads;
        remaining_ = threads;
        generation_++;
        start_.notify_all();
        done_.wait(lock, [&] { return remaining_ == 0; });
    }

private:
    void loop(int index) {
        long seen = 0;
        for (;;) {
            const std::function<void(int)> *body;
            {
                std::unique_lock<std::mutex> lock(m_);
                start_.wait(lock, [&] { return generation_ != seen && index < active_; });
                seen = generation_;
                body = body_;
            }
            (*body)(index);
            std::unique_lock<std::mutex> lock(m_);
            if (--remaining_ == 0) {
                done_.notify_all();
            }
        }
    }

    std::vector<std::thread> workers_;
    std::mutex m_;
    std::condition_variable start_;
    std::condition_variable done_;
    const std::function<void(int)> *body_ = nullptr;
    int active_ = 0;
    int remaining_ = 0;
    long generation_ = 0;
};

// Runs kernel<<<grid, block>>>(args...) to completion.
template <class... P, class... A>
void emu_launch(void (*kernel)(P...), dim3 grid, dim3 block, A... args) {
    gridDim = grid;
    blockDim = block;
    int threads = (int) (block.x * block.y);
    for (unsigned by = 0; by < grid.y; by++) {
        for (unsigned bx = 0; bx < grid.x; bx++) {
            EmuBarrier bar(threads);
            emu_barrier = &bar;
            std::function<void(int)> body = [&](int t) {
                threadIdx = dim3{(unsigned) t % block.x, (unsigned) t / block.x, 0};
                blockIdx = dim3{bx, by, 0};
                kernel(((P) args)...);
            };
            EmuPool::instance().run(threads, body);
        }
    }
}
