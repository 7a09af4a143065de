#!/usr/bin/env bash
# Compiles kernels/src/main/cuda/logitnet.cu for the CPU under cuda_emulation.h and checks every kernel against the
# CpuBackend formulas, with CudaBackend's launch shapes. For machines without a GPU: it catches indexing, reduction
# and formula mistakes, not device-specific ones (the CUDA conformance suite does that on a GPU). Needs g++ >= 11.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
g++ -std=c++20 -O1 -ffp-contract=off -pthread -Wall -Wno-unused-function -o "$out/kernel_emulation" \
    "$here/kernel_emulation.cpp"
"$out/kernel_emulation"
