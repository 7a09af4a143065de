#!/usr/bin/env python3
"""PyTorch side of LogitNet's training-step benchmark (bench/README.md).

Times the step that io.logitnet.bench.StepBench times, on the same shapes and in the same precision:
nn.Sequential of nn.Linear layers with sigmoid between them, softmax cross-entropy (F.cross_entropy, mean over the
batch) on the logits, backward, and a plain SGD update (lr 0.01, no momentum). Inputs are uniform in [-1, 1),
targets random class indices; nothing is copied between host and device inside the timed step.

Every step is synchronized (torch.cuda.synchronize on CUDA) and timed on its own after warm-up steps; the median
is reported. Output: a JSON array, one object per (shape, precision), with the fields LogitNet's harness uses
(backend, precision, batch, layers, step_ms, tflops = 6 * batch * sum(in*out) / step time, ...).

Two modes:
  python3 bench.py --shapes 1024x784-256-10,1024x784-4096-10 [--device cpu|cuda] [--precision fp32,tf32]
      prints the JSON array for the given shapes;
  python3 bench.py --serve
      reads one JSON request per line on stdin and answers one JSON line per request on stdout
      (used by StepBench to interleave PyTorch with LogitNet's backends, shape by shape).
"""

import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def parse_shape(text):
    batch, widths = text.lower().split("x", 1)
    return int(batch), [int(w) for w in widths.split("-")]


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def set_precision(device, precision):
    if device.type == "cuda":
        tf32 = precision == "tf32"
        try:  # PyTorch 2.9 and newer: the per-backend setting that replaces allow_tf32
            torch.backends.cuda.matmul.fp32_precision = "tf32" if tf32 else "ieee"
        except (AttributeError, RuntimeError, TypeError, ValueError):
            torch.backends.cuda.matmul.allow_tf32 = tf32
    elif precision != "fp32":
        raise ValueError("precision %s is only measured on CUDA" % precision)


def build(layers, device, seed):
    torch.manual_seed(seed)
    mods = []
    for i in range(len(layers) - 1):
        mods.append(torch.nn.Linear(layers[i], layers[i + 1]))
        if i + 2 < len(layers):
            mods.append(torch.nn.Sigmoid())
    return torch.nn.Sequential(*mods).to(device)


def flops_per_step(batch, layers):
    return 6.0 * batch * sum(layers[i] * layers[i + 1] for i in range(len(layers) - 1))


def measure_step(req):
    """One shape in one precision. With "threads": [a, b, ...] (CPU), times it with each thread count and keeps the
    fastest; a later count is skipped when the first one's steps already took over half the budget."""
    threads = req.get("threads") or [torch.get_num_threads()]
    best = None
    tried = []
    for n in threads:
        torch.set_num_threads(int(n))
        res = measure_step_once(req)
        tried.append({"threads": int(n), "step_ms": res["step_ms"]})
        if best is None or res["step_ms"] < best["step_ms"]:
            best = res
        warm_and_min = int(req.get("warmup", 3)) + int(req.get("min_reps", 3))
        if res["step_ms"] / 1000.0 * warm_and_min > float(req.get("budget_s", 30.0)) / 2:
            break
    best["threads_tried"] = tried
    torch.set_num_threads(best["threads"])
    return best


def measure_step_once(req):
    """One shape in one precision: warm-up, then timed steps until `reps` or the time budget (at least min_reps)."""
    device = torch.device(req.get("device", "cpu"))
    precision = req.get("precision", "fp32")
    batch = int(req["batch"])
    layers = [int(w) for w in req["layers"]]
    warmup = int(req.get("warmup", 3))
    reps = int(req.get("reps", 10))
    min_reps = int(req.get("min_reps", 3))
    budget = float(req.get("budget_s", 30.0))
    min_time = float(req.get("min_time_s", 0.0))
    set_precision(device, precision)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    model = build(layers, device, int(req.get("seed", 42)))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    g = torch.Generator().manual_seed(7)
    x = (torch.rand(batch, layers[0], generator=g) * 2 - 1).to(device)
    y = torch.randint(0, layers[-1], (batch,), generator=g).to(device)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    for _ in range(warmup):
        step()
    sync(device)
    times = []
    start = time.perf_counter()
    while len(times) < reps or (time.perf_counter() - start < min_time and len(times) < 200):
        t0 = time.perf_counter()
        step()
        sync(device)
        times.append((time.perf_counter() - t0) * 1000.0)
        if len(times) >= min_reps and time.perf_counter() - start > budget:
            break
    median = statistics.median(times)
    out = {
        "backend": "pytorch",
        "device": device_name(device),
        "pytorch_device": device.type,
        "precision": precision,
        "batch": batch,
        "layers": layers,
        "steps": len(times),
        "step_ms": median,
        "step_ms_min": min(times),
        "step_ms_max": max(times),
        "tflops": flops_per_step(batch, layers) / (median / 1000.0) / 1e12,
        "examples_per_s": batch / (median / 1000.0),
        "threads": torch.get_num_threads(),
        "torch_version": torch.__version__,
    }
    if device.type == "cuda":
        out["peak_memory_bytes"] = torch.cuda.max_memory_allocated(device)
    del model, opt, x, y
    return out


def profile_step(req):
    """Where PyTorch's step time goes: the profiler's self CPU time per operator, per step, on the CPU; on CUDA the
    device time per kernel (which GEMM kernels cuBLAS chose, and what the element-wise work costs)."""
    device = torch.device(req.get("device", "cpu"))
    batch = int(req["batch"])
    layers = [int(w) for w in req["layers"]]
    reps = int(req.get("reps", 5))
    set_precision(device, req.get("precision", "fp32"))
    model = build(layers, device, 42)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    g = torch.Generator().manual_seed(7)
    x = (torch.rand(batch, layers[0], generator=g) * 2 - 1).to(device)
    y = torch.randint(0, layers[-1], (batch,), generator=g).to(device)

    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()

    for _ in range(2):
        step()
    sync(device)
    cuda = device.type == "cuda"
    activities = [torch.profiler.ProfilerActivity.CPU]
    if cuda:
        activities.append(torch.profiler.ProfilerActivity.CUDA)
    with torch.profiler.profile(activities=activities) as prof:
        for _ in range(reps):
            step()
        sync(device)

    def self_us(e):
        if not cuda:
            return e.self_cpu_time_total
        t = getattr(e, "self_device_time_total", None)  # PyTorch 2.4 and newer
        return t if t is not None else e.self_cuda_time_total

    ops = [{"name": e.key[:120], "ms": self_us(e) / 1000.0 / reps, "calls": e.count / reps}
           for e in prof.key_averages()]
    ops.sort(key=lambda o: -o["ms"])
    keep = 0.001 if cuda else 0.01
    return {"backend": "pytorch", "device": device_name(device), "batch": batch, "layers": layers,
            "measure": "self CUDA time per kernel" if cuda else "self CPU time per operator",
            "ops": [o for o in ops if o["ms"] >= keep][:15]}


def measure_gemm(req):
    """The best of a few n×n×n products in the three orientations of a training step (NN, NT, TN): the device's
    achievable GEMM rate in this precision."""
    device = torch.device(req.get("device", "cpu"))
    precision = req.get("precision", "fp32")
    n = int(req.get("n", 2048))
    reps = int(req.get("reps", 5))
    if req.get("threads"):
        torch.set_num_threads(int(req["threads"]))
    set_precision(device, precision)
    g = torch.Generator().manual_seed(3)
    a = torch.rand(n, n, generator=g).to(device)
    b = torch.rand(n, n, generator=g).to(device)
    best = float("inf")
    for op in (lambda: a @ b, lambda: a @ b.t(), lambda: a.t() @ b):
        c = op()
        sync(device)
        for _ in range(reps):
            t0 = time.perf_counter()
            c = op()
            sync(device)
            best = min(best, time.perf_counter() - t0)
    del a, b, c
    return {"backend": "pytorch", "device": device_name(device), "precision": precision, "n": n,
            "gemm_ms": best * 1000.0, "gemm_peak_tflops": 2.0 * n ** 3 / best / 1e12,
            "threads": torch.get_num_threads()}


def device_name(device):
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return "CPU (%d threads)" % torch.get_num_threads()


def info():
    d = {"torch_version": torch.__version__, "threads": torch.get_num_threads(),
         "cuda_available": torch.cuda.is_available(), "python": sys.version.split()[0]}
    cfg = torch.__config__.show()
    for part in cfg.replace("\n", ",").split(","):
        part = part.strip()
        if part.startswith("BLAS_INFO="):
            d["blas"] = part.split("=", 1)[1]
    d["mkldnn"] = torch.backends.mkldnn.is_available()
    if torch.cuda.is_available():
        d["cuda_device"] = torch.cuda.get_device_name(0)
        d["cuda_version"] = torch.version.cuda
    return d


def handle(req):
    op = req.get("op", "step")
    if op == "step":
        return measure_step(req)
    if op == "gemm":
        return measure_gemm(req)
    if op == "profile":
        return profile_step(req)
    if op == "info":
        return info()
    raise ValueError("unknown op %r" % op)


def serve():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            res = handle(json.loads(line))
        except Exception as e:  # reported to the harness, which records it as a note
            res = {"error": "%s: %s" % (type(e).__name__, e)}
        sys.stdout.write(json.dumps(res) + "\n")
        sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--serve", action="store_true", help="answer JSON requests on stdin, one per line")
    ap.add_argument("--shapes", default="1024x784-256-10,1024x784-4096-10",
                    help="comma-separated BATCHxIN-H1-...-OUT")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--precision", default=None, help="comma-separated: fp32 (default), tf32 on CUDA")
    ap.add_argument("--threads", type=int, default=0,
                    help="CPU threads for PyTorch (default: every core this process may use, as LogitNet)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--budget-s", type=float, default=30.0, help="stop timing a shape after this long (>= 3 steps)")
    ap.add_argument("--quick", action="store_true", help="1 warm-up step, 3 timed steps")
    args = ap.parse_args()
    if args.serve:
        # the harness says how many threads each request uses; PyTorch's own default stays visible in "info"
        if args.threads:
            torch.set_num_threads(args.threads)
        serve()
        return
    torch.set_num_threads(args.threads or len(os.sched_getaffinity(0)))
    if args.quick:
        args.warmup, args.reps = 1, 3
    precisions = (args.precision or ("fp32,tf32" if args.device.startswith("cuda") else "fp32")).split(",")
    results = []
    for text in args.shapes.split(","):
        batch, layers = parse_shape(text)
        for p in precisions:
            results.append(measure_step({"device": args.device, "precision": p.strip(), "batch": batch,
                                         "layers": layers, "warmup": args.warmup, "reps": args.reps,
                                         "budget_s": args.budget_s}))
    json.dump(results, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
