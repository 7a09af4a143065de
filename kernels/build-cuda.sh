#!/usr/bin/env bash
# Compiles every kernels/src/main/cuda/*.cu into a fatbin under
# kernels/src/main/resources/io/logitnet/kernels/cuda/ (SASS for sm_75, sm_80, sm_86, sm_89, sm_90 and PTX for
# compute_90), plus a fallback <name>.cuda12.ptx for drivers older than CUDA 13 (PTX for compute_75 declared as
# PTX ISA 8.0, the CUDA 12.0 level, and checked by ptxas at that level: a CUDA 12 driver cannot load images
# made by CUDA 13's nvcc but JIT-compiles this), and writes a .sha256 sidecar next to each image recording the
# SHA-256 of its source, of every header it can include (kernels/src/main/common/*.h, the formulas shared with the
# OpenCL kernels) and the nvcc flags. The images are committed, so a machine without nvcc builds the project;
# nothing runs nvcc at run time.
#
#   kernels/build-cuda.sh           regenerate every image (needs nvcc: $NVCC, /usr/local/bin/nvcc or on PATH)
#   kernels/build-cuda.sh --check   fail if a source or the flags changed since its image was made; skipped
#                                   (exit 0) when nvcc is absent. The kernels build runs this in its validate phase.
#
# Freshness is decided by content hashes, never by file times (a fresh clone gives files arbitrary mtimes).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src_dir="$here/src/main/cuda"
common_dir="$here/src/main/common"
out_dir="$here/src/main/resources/io/logitnet/kernels/cuda"

# The flags are part of the recorded hash: changing them makes every image stale. No --use_fast_math: results are
# checked against the CPU reference to a few ulps; -fmad=false: no contraction into fused multiply-adds, which the
# reference (and the OpenCL kernels, FP_CONTRACT OFF) does not do either.
FLAGS="-O3 -std=c++17 -fmad=false -fatbin \
-gencode arch=compute_75,code=sm_75 \
-gencode arch=compute_80,code=sm_80 \
-gencode arch=compute_86,code=sm_86 \
-gencode arch=compute_89,code=sm_89 \
-gencode arch=compute_90,code=sm_90 \
-gencode arch=compute_90,code=compute_90"
FLAGS="$(echo "$FLAGS" | tr -s ' ')"
PTX_FLAGS="-O3 -std=c++17 -fmad=false -ptx -arch=compute_75"
PTX_ISA="8.0" # the PTX ISA of CUDA 12.0, the oldest driver JCuda 12.6 supports

find_nvcc() {
    if [[ -n "${NVCC:-}" && -x "${NVCC}" ]]; then
        echo "$NVCC"
    elif [[ -x /usr/local/bin/nvcc ]]; then
        echo /usr/local/bin/nvcc
    elif command -v nvcc >/dev/null 2>&1; then
        command -v nvcc
    elif [[ -x /usr/local/cuda/bin/nvcc ]]; then
        echo /usr/local/cuda/bin/nvcc
    fi
}

sidecar_for() { # the expected sidecar text for one source: its hash, the shared headers' hashes, the flags
    local src="$1"
    local f
    for f in "$src" "$common_dir"/*.h; do
        printf 'source-sha256 %s %s\n' "$(sha256sum "$f" | cut -d' ' -f1)" "$(basename "$f")"
    done
    printf 'flags %s\nptx-flags %s (.version %s)\n' "$FLAGS" "$PTX_FLAGS" "$PTX_ISA"
}

nvcc_bin="$(find_nvcc || true)"
mode="${1:-build}"

shopt -s nullglob
sources=("$src_dir"/*.cu)
if [[ ${#sources[@]} -eq 0 ]]; then
    echo "build-cuda.sh: no .cu sources in $src_dir" >&2
    exit 1
fi

if [[ "$mode" == "--check" ]]; then
    if [[ -z "$nvcc_bin" ]]; then
        echo "[cuda kernels] nvcc not found: freshness check of the committed CUDA images skipped"
        exit 0
    fi
    stale=()
    for src in "${sources[@]}"; do
        name="$(basename "$src" .cu)"
        image="$out_dir/$name.fatbin"
        side="$image.sha256"
        if [[ ! -f "$image" || ! -f "$side" || ! -f "$out_dir/$name.cuda12.ptx" ]]; then
            stale+=("$name.cu (no compiled image $image, $name.cuda12.ptx and sidecar)")
        elif [[ "$(sidecar_for "$src")" != "$(grep -E '^(source-sha256|flags|ptx-flags) ' "$side")" ]]; then
            stale+=("$name.cu (it, a header of src/main/common or the nvcc flags changed since $name.fatbin was made)")
        fi
    done
    if [[ ${#stale[@]} -gt 0 ]]; then
        echo "[cuda kernels] the committed CUDA images are out of date:" >&2
        for s in "${stale[@]}"; do
            echo "    $s" >&2
        done
        echo "[cuda kernels] regenerate them with: kernels/build-cuda.sh   (then commit" \
             "kernels/src/main/resources/io/logitnet/kernels/cuda/)" >&2
        exit 1
    fi
    echo "[cuda kernels] ${#sources[@]} CUDA image(s) match their sources"
    exit 0
fi

if [[ -z "$nvcc_bin" ]]; then
    echo "build-cuda.sh: nvcc not found (set NVCC or install the CUDA toolkit)" >&2
    exit 1
fi
mkdir -p "$out_dir"
version="$("$nvcc_bin" --version | grep -i release | head -1)"
for src in "${sources[@]}"; do
    name="$(basename "$src" .cu)"
    image="$out_dir/$name.fatbin"
    echo "nvcc $FLAGS $src -o $image"
    # shellcheck disable=SC2086
    "$nvcc_bin" $FLAGS "$src" -o "$image.tmp"
    mv "$image.tmp" "$image"
    ptx="$out_dir/$name.cuda12.ptx"
    echo "nvcc $PTX_FLAGS $src -o $ptx (declared PTX ISA $PTX_ISA)"
    # shellcheck disable=SC2086
    "$nvcc_bin" $PTX_FLAGS "$src" -o "$ptx.tmp"
    sed -i -E "s/^\.version [0-9]+\.[0-9]+\$/.version $PTX_ISA/" "$ptx.tmp"
    grep -q "^\.version $PTX_ISA\$" "$ptx.tmp" || { echo "no .version line in $ptx.tmp" >&2; exit 1; }
    # ptxas checks every instruction against the declared ISA level: the fallback is valid for a CUDA 12 driver.
    "$(dirname "$nvcc_bin")/ptxas" -arch=sm_75 "$ptx.tmp" -o /dev/null 2>/dev/null \
        || { [[ -x /usr/local/cuda/bin/ptxas ]] && /usr/local/cuda/bin/ptxas -arch=sm_75 "$ptx.tmp" -o /dev/null; } \
        || { echo "ptxas rejects $ptx.tmp at PTX ISA $PTX_ISA" >&2; exit 1; }
    mv "$ptx.tmp" "$ptx"
    { sidecar_for "$src"; printf 'nvcc %s\n' "$version"; } > "$image.sha256"
done
echo "done: $(ls -l "$out_dir" | tail -n +2 | wc -l) files in $out_dir"
