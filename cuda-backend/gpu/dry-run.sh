#!/usr/bin/env bash
# run.sh end to end on a machine without a GPU, with what prepare.sh put into .gpu/: CUDA through the emulated
# driver and cuBLAS of cuda-backend/src/test/c (a CUDA 13-only host: libcublas.so.13 alone, so the backend goes through
# its compatibility library), OpenCL through PoCL on the CPU, PyTorch on the CPU, small bench shapes.
# Where it can (root, unshare), it hides the host's OpenCL ICD loader and vendors folder in a private mount namespace,
# so that the OpenCL steps can only work through the carried ocl-icd-libopencl1 .deb and the run's own vendors file,
# as on a GPU host without a loader; the host itself is left as it was.
# Usage: cuda-backend/gpu/dry-run.sh OUTDIR [STEP ...]   (needs g++ >= 11 and PoCL; takes the shared build lock)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
emu="$here/../src/test/c"
lib="$(mktemp -d)"
trap 'rm -rf "$lib"' EXIT
printf 'libcublas.so.13 {\n    global: cublas*;\n    local: *;\n};\n' > "$lib/cublas.map"
g++ -std=c++20 -O2 -ffp-contract=off -fPIC -shared -Wall -Wno-unused-function -Wno-sign-compare \
    -Wl,-soname,libcuda.so.1 -o "$lib/libcuda.so.1" "$emu/emulated_libcuda.cpp"
g++ -std=c++17 -O2 -ffp-contract=off -fPIC -shared -Wall -Wl,-soname,libcublas.so.13 \
    -Wl,--version-script,"$lib/cublas.map" -o "$lib/libcublas.so.13" "$emu/emulated_libcublas.cpp" -ldl

icd="$(cat /etc/OpenCL/vendors/pocl.icd 2>/dev/null || true)"
if [ -z "$icd" ]; then
    echo "dry-run.sh: no PoCL (/etc/OpenCL/vendors/pocl.icd): apt-get install pocl-opencl-icd" >&2
    exit 1
fi
export GPU_RUN_LD_LIBRARY_PATH="$lib" GPU_RUN_OPENCL_ICD="$icd" GPU_RUN_SMALL=1 GPU_RUN_NAME=emulated
export GPU_RUN_TIMEOUT_SCALE="${GPU_RUN_TIMEOUT_SCALE:-16}" GPU_RUN_BUDGET_S="${GPU_RUN_BUDGET_S:-5400}"
export GPU_RUN_BENCH_RESERVE_S="${GPU_RUN_BENCH_RESERVE_S:-900}"
hide=""
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
    hide='empty="$(mktemp -d)"; mount --bind "$empty" /etc/OpenCL/vendors
        for f in $(ldconfig -p | awk '\''$1 == "libOpenCL.so.1" { print $NF }'\''); do
            mount --bind /dev/null "$(readlink -f "$f")"; done
        echo "dry-run: this namespace has no usable system ICD loader and an empty /etc/OpenCL/vendors"'
else
    export GPU_RUN_CARRIED_ICD_LOADER=1
    echo "dry-run: no private mount namespace here; run.sh is told to use the carried ICD loader anyway"
fi
if [ -n "$hide" ]; then
    flock /tmp/mvn.lock unshare -m bash -c "$hide"'
        exec "$0" "$@"' "$here/run.sh" "$@"
else
    flock /tmp/mvn.lock "$here/run.sh" "$@"
fi
