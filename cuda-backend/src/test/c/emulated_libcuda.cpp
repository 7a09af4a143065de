// An emulated libcuda.so.1: the CUDA driver API calls CudaBackend makes, on the CPU. Device memory is host memory
// (a CUdeviceptr is a host address) and cuLaunchKernel runs the kernels of kernels/src/main/cuda/logitnet.cu under
// cuda_emulation.h. With emulated_libcublas.cpp it lets the whole CUDA test suite run through JCuda on a machine
// without a GPU (run-with-emulated-gpu.sh). Not a driver: nothing here is device-accurate except the arithmetic of the
// kernels themselves.
//
// Streams are asynchronous as on a device: copies, memsets, kernels and cuBLAS calls (emu_enqueue) are queued and run
// only when the host waits (cuStreamSynchronize, cuEventSynchronize up to that event, cuMemFree, cuStreamDestroy), so a
// host that reads pinned memory before waiting, or refills a staging buffer whose copy has not run, gets wrong data
// here too. EMULATED_CUDA_EAGER=1 runs every operation when it is queued instead. Events mark a point of their
// stream's queue. Stream capture (cuStreamBeginCapture .. cuStreamEndCapture) records the queued operations into a
// graph instead of queueing them; cuGraphLaunch queues the recorded operations in order. As on the device, a host
// wait or a cuMemAlloc/cuMemFree while a stream captures is refused (CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED) and
// invalidates the capture. Tests read counters through cuDeviceGetAttribute with attribute numbers from 0x4c4e0001
// (see emu_counter below); a real driver refuses those numbers.
#include "cuda_emulation.h"
#include "../../../../kernels/src/main/cuda/logitnet.cu"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <utility>

namespace {

// One lock for the whole emulated device: the kernels' emulation (cuda_emulation.h) is not re-entrant.
std::recursive_mutex device;

using Op = std::function<void()>;

struct Graph {
    std::vector<Op> ops;
};

struct Stream {
    std::deque<Op> queue;
    Graph *capture = nullptr;  // recording into this graph
    bool invalidated = false;  // a refused call during the capture
};

struct Event {
    Stream *stream = nullptr;
    bool complete = true;      // an event never recorded counts as complete, as on the device
};

const bool eager = std::getenv("EMULATED_CUDA_EAGER") != nullptr;
std::set<Stream *> streams;
long long streamSyncs = 0, eventSyncs = 0, graphLaunches = 0, liveGraphs = 0, liveExecs = 0, capturesEnded = 0,
          launches = 0, pendingOps = 0;

void runOne(Stream *s) {
    Op op = std::move(s->queue.front());
    s->queue.pop_front();
    pendingOps--;
    op();
}

void drain(Stream *s) {
    while (!s->queue.empty()) {
        runOne(s);
    }
}

void drainAll() {
    for (Stream *s : streams) {
        drain(s);
    }
}

Stream *capturing() {
    for (Stream *s : streams) {
        if (s->capture != nullptr) {
            return s;
        }
    }
    return nullptr;
}

// A host wait or allocation while a capture is in progress: refused, and the capture is invalidated.
int refusedDuringCapture() {
    Stream *c = capturing();
    if (c == nullptr) {
        return 0;
    }
    c->invalidated = true;
    return 900; // CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED
}

// Queues op on stream s (recorded into the graph while s captures); runs it now under EMULATED_CUDA_EAGER.
int enqueue(void *stream, Op op) {
    Stream *s = static_cast<Stream *>(stream);
    if (s == nullptr || streams.count(s) == 0) {
        return 400; // CUDA_ERROR_INVALID_HANDLE: the backend never uses the legacy default stream
    }
    if (s->capture != nullptr) {
        s->capture->ops.push_back(std::move(op));
    } else if (eager) {
        op();
    } else {
        s->queue.push_back(std::move(op));
        pendingOps++;
    }
    return 0;
}

const size_t TOTAL = (size_t) 512 << 20; // the pretend device's memory: small, so out of memory is cheap to reach
size_t used = 0;
std::map<uintptr_t, size_t> blocks;
int contextToken, moduleToken;
int primaryRetains = 0; // the primary context is reset (its handle stops working) when this falls back to 0

using Launcher = Op (*)(void **params, dim3 grid, dim3 block);

// The kernel with its arguments copied now (the caller's parameter memory is gone when the launch runs), as an
// operation for a stream's queue.
template <bool Parallel, class... P, size_t... I>
Op invoke(void (*kernel)(P...), void **params, dim3 grid, dim3 block, std::index_sequence<I...>) {
    auto args = std::make_tuple(*static_cast<P *>(params[I])...);
    return [kernel, grid, block, args] {
        if constexpr (Parallel) {
            emu_launch(kernel, grid, block, std::get<I>(args)...);
        } else {
            emu_launch_serial(kernel, grid, block, std::get<I>(args)...);
        }
    };
}


template <class... P>
constexpr size_t arity(void (*)(P...)) {
    return sizeof...(P);
}

#define KERNEL(name, parallel)                                                                               \
    {#name, [](void **params, dim3 grid, dim3 block) {                                                       \
         return invoke<parallel>(name, params, grid, block, std::make_index_sequence<arity(name)>{});        \
     }}

// Every kernel of logitnet.cu; true where it synchronizes its block (fibers), false where threads run one by one.
const std::map<std::string, Launcher> kernels = {
    KERNEL(add_row_vector, false),      KERNEL(activation_forward, false), KERNEL(activation_backward, false),
    KERNEL(softmax_rows, true),         KERNEL(loss_rows, true),           KERNEL(softmax_cross_entropy_rows, true),
    KERNEL(column_sums_partial, true),  KERNEL(column_sums_finish, false), KERNEL(dot_partial, true),
    KERNEL(sum_partials, true),         KERNEL(axpy, false),               KERNEL(scale, false),
    KERNEL(sgd_update, false),          KERNEL(adam_update, false),        KERNEL(round_bf16, false),
    KERNEL(bias_activation, false),     KERNEL(sgd_update_step_scalars, false), KERNEL(adam_update_step_scalars, false),
};

struct Function {
    std::string name;
    Launcher launch;
};

} // namespace

extern "C" {

using Guard = std::lock_guard<std::recursive_mutex>;

// For emulated_libcublas.cpp: queue fn(arg) on a stream as a kernel would be (del(arg) after it ran or was dropped).
int emu_enqueue(void *stream, void (*fn)(void *), void *arg, void (*del)(void *)) {
    Guard g(device);
    std::shared_ptr<void> holder(arg, del);
    return enqueue(stream, [fn, holder] { fn(holder.get()); });
}

// The counters tests read through cuDeviceGetAttribute (attribute numbers 0x4c4e0001 ...).
static bool emu_counter(int attribute, int *value) {
    long long v;
    switch (attribute) {
        case 0x4c4e0001: v = streamSyncs; break;    // cuStreamSynchronize calls
        case 0x4c4e0002: v = pendingOps; break;     // operations queued on streams and not run yet
        case 0x4c4e0003: v = eventSyncs; break;     // cuEventSynchronize calls
        case 0x4c4e0004: v = graphLaunches; break;  // cuGraphLaunch calls
        case 0x4c4e0005: v = liveExecs; break;      // instantiated graphs not destroyed
        case 0x4c4e0006: v = liveGraphs; break;     // graphs (cuStreamEndCapture) not destroyed
        case 0x4c4e0007: v = capturesEnded; break;  // captures ended with a graph
        case 0x4c4e0008: v = launches; break;       // cuLaunchKernel calls (queued, run or recorded)
        default: return false;
    }
    *value = (int) v;
    return true;
}

int cuDriverGetVersion(int *v) { *v = 12040; return 0; }
int cuInit(unsigned) { return 0; }
int cuDeviceGetCount(int *c) { *c = 1; return 0; }
int cuDeviceGet(int *d, int ordinal) { *d = ordinal; return ordinal == 0 ? 0 : 101; }
int cuDeviceGetName(char *name, int len, int) { std::snprintf(name, (size_t) len, "Emulated GPU (CPU)"); return 0; }
int cuDeviceTotalMem_v2(size_t *bytes, int) { *bytes = TOTAL; return 0; }
int cuDeviceGetAttribute(int *value, int attribute, int) {
    Guard g(device);
    if (emu_counter(attribute, value)) {
        return 0;
    }
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
int cuStreamCreate(void **s, unsigned) {
    Guard g(device);
    Stream *stream = new Stream();
    streams.insert(stream);
    *s = stream;
    return 0;
}
int cuStreamSynchronize(void *stream) {
    Guard g(device);
    Stream *s = static_cast<Stream *>(stream);
    if (streams.count(s) == 0) {
        return 400;
    }
    if (int refused = refusedDuringCapture()) {
        return refused;
    }
    streamSyncs++;
    drain(s);
    return 0;
}
int cuStreamDestroy_v2(void *stream) {
    Guard g(device);
    Stream *s = static_cast<Stream *>(stream);
    if (streams.count(s) == 0) {
        return 400;
    }
    drain(s); // the device finishes a destroyed stream's work
    delete s->capture;
    streams.erase(s);
    delete s;
    return 0;
}

int cuEventCreate(void **e, unsigned) {
    *e = new Event();
    return 0;
}
int cuEventRecord(void *event, void *stream) {
    Guard g(device);
    Event *e = static_cast<Event *>(event);
    Stream *s = static_cast<Stream *>(stream);
    if (streams.count(s) == 0) {
        return 400;
    }
    if (s->capture != nullptr) { // the backend never records an event into a graph; flag it if it does
        s->invalidated = true;
        return 900;
    }
    e->stream = s;
    e->complete = false;
    return enqueue(s, [e] { e->complete = true; });
}
int cuEventQuery(void *event) {
    Guard g(device);
    return static_cast<Event *>(event)->complete ? 0 : 600; // CUDA_ERROR_NOT_READY
}
int cuEventSynchronize(void *event) {
    Guard g(device);
    Event *e = static_cast<Event *>(event);
    if (int refused = refusedDuringCapture()) {
        return refused;
    }
    eventSyncs++;
    while (!e->complete && e->stream != nullptr && !e->stream->queue.empty()) { // up to the event, not further
        runOne(e->stream);
    }
    return 0;
}
int cuEventDestroy_v2(void *event) {
    Guard g(device);
    Event *e = static_cast<Event *>(event);
    if (!e->complete && e->stream != nullptr) {
        drain(e->stream); // its marker is still queued: run it before the event goes
    }
    delete e;
    return 0;
}

int cuMemAlloc_v2(uintptr_t *p, size_t bytes) {
    std::lock_guard<std::recursive_mutex> g(device);
    if (int refused = refusedDuringCapture()) {
        return refused;
    }
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
    std::lock_guard<std::recursive_mutex> g(device);
    if (int refused = refusedDuringCapture()) {
        return refused;
    }
    drainAll(); // cuMemFree waits for the device
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
    std::lock_guard<std::recursive_mutex> g(device);
    *free = TOTAL - used;
    *total = TOTAL;
    return 0;
}
int cuMemAllocHost_v2(void **p, size_t bytes) { *p = std::malloc(bytes); return *p ? 0 : 2; }
int cuMemFreeHost(void *p) {
    Guard g(device);
    drainAll(); // as cuMemFree: no queued copy may still read or write it
    std::free(p);
    return 0;
}
int cuMemsetD32Async(uintptr_t d, unsigned value, size_t n, void *stream) {
    Guard g(device);
    return enqueue(stream, [d, value, n] {
        unsigned *u = (unsigned *) d;
        for (size_t i = 0; i < n; i++) {
            u[i] = value;
        }
    });
}
int cuMemcpyHtoDAsync_v2(uintptr_t d, const void *h, size_t bytes, void *stream) {
    Guard g(device);
    return enqueue(stream, [d, h, bytes] { std::memcpy((void *) d, h, bytes); }); // reads the host when it runs
}
int cuMemcpyDtoHAsync_v2(void *h, uintptr_t d, size_t bytes, void *stream) {
    Guard g(device);
    return enqueue(stream, [h, d, bytes] { std::memcpy(h, (void *) d, bytes); });
}
int cuMemcpyDtoDAsync_v2(uintptr_t d, uintptr_t s, size_t bytes, void *stream) {
    Guard g(device);
    return enqueue(stream, [d, s, bytes] { std::memmove((void *) d, (void *) s, bytes); });
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
int cuModuleUnload(void *) {
    Guard g(device);
    drainAll();
    return 0;
}
int cuModuleGetFunction(void **f, void *, const char *name) {
    auto it = kernels.find(name);
    if (it == kernels.end()) {
        return 500; // CUDA_ERROR_NOT_FOUND
    }
    *f = new Function{name, it->second};
    return 0;
}
int cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                   unsigned shared, void *stream, void **params, void **extra) {
    Guard g(device);
    if (gz != 1 || bz != 1 || shared != 0 || extra != nullptr || bx * by > 1024 || bx * by % 32 != 0) {
        return 1; // CUDA_ERROR_INVALID_VALUE: shapes the backend never uses
    }
    launches++;
    return enqueue(stream, static_cast<Function *>(f)->launch(params, dim3{gx, gy, 1}, dim3{bx, by, 1}));
}

// ---- stream capture and graphs ----

int cuStreamBeginCapture_v2(void *stream, int mode) {
    Guard g(device);
    Stream *s = static_cast<Stream *>(stream);
    if (streams.count(s) == 0 || mode < 0 || mode > 2) {
        return 1;
    }
    if (s->capture != nullptr) {
        return 900; // already capturing
    }
    s->capture = new Graph();
    s->invalidated = false;
    return 0;
}
int cuStreamIsCapturing(void *stream, int *status) {
    Guard g(device);
    Stream *s = static_cast<Stream *>(stream);
    if (streams.count(s) == 0) {
        return 400;
    }
    *status = s->capture == nullptr ? 0 : s->invalidated ? 2 : 1;
    return 0;
}
int cuStreamEndCapture(void *stream, void **graph) {
    Guard g(device);
    Stream *s = static_cast<Stream *>(stream);
    if (streams.count(s) == 0 || s->capture == nullptr) {
        return 1;
    }
    Graph *captured = s->capture;
    s->capture = nullptr;
    if (s->invalidated) {
        s->invalidated = false;
        delete captured;
        *graph = nullptr;
        return 901; // CUDA_ERROR_STREAM_CAPTURE_INVALIDATED
    }
    liveGraphs++;
    capturesEnded++;
    *graph = captured;
    return 0;
}
int cuThreadExchangeStreamCaptureMode(int *mode) { (void) mode; return 0; }
int cuGraphInstantiateWithFlags(void **exec, void *graph, unsigned long long) {
    Guard g(device);
    if (graph == nullptr) {
        return 1;
    }
    *exec = new Graph(*static_cast<Graph *>(graph)); // an executable copy: the graph may be destroyed after this
    liveExecs++;
    return 0;
}
int cuGraphLaunch(void *exec, void *stream) {
    Guard g(device);
    Stream *s = static_cast<Stream *>(stream);
    if (exec == nullptr || streams.count(s) == 0) {
        return 400;
    }
    if (s->capture != nullptr) {
        return 900;
    }
    graphLaunches++;
    for (const Op &op : static_cast<Graph *>(exec)->ops) {
        int status = enqueue(s, op);
        if (status != 0) {
            return status;
        }
    }
    return 0;
}
int cuGraphExecDestroy(void *exec) {
    Guard g(device);
    delete static_cast<Graph *>(exec); // launches still queued hold copies of its operations
    liveExecs--;
    return 0;
}
int cuGraphDestroy(void *graph) {
    Guard g(device);
    delete static_cast<Graph *>(graph);
    liveGraphs--;
    return 0;
}

} // extern "C"
