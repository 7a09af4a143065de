#!/usr/bin/env bash
# Runs the CUDA backend's GPU tests through JCuda against an emulated driver and cuBLAS (emulated_libcuda.cpp,
# emulated_libcublas.cpp) on a machine without a GPU: everything from the probe to the kernel launches' argument
# marshalling runs for real except the device, whose kernels execute on the CPU under cuda_emulation.h.
# Maven runs only to compile and to print the class path (under the shared build lock); the tests run outside it.
# Usage: cuda-backend/src/test/c/run-with-emulated-gpu.sh [test class or Class#method ...]. Needs g++ >= 11.
# EMULATED_CUBLAS=13 emulates a CUDA 13-only host instead: the emulated cuBLAS is libcublas.so.13 (version node
# libcublas.so.13), so the backend must go through the bundled libcublas.so.12 compatibility library.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
module="$(cd "$here/../../.." && pwd)"
root="$(cd "$module/.." && pwd)"
lib="$(mktemp -d)"
trap 'rm -rf "$lib"' EXIT
cublas="libcublas.so.${EMULATED_CUBLAS:-12}"
printf '%s {\n    global: cublas*;\n    local: *;\n};\n' "$cublas" > "$lib/cublas.map"
g++ -std=c++20 -O2 -ffp-contract=off -fPIC -shared -Wall -Wno-unused-function -Wno-sign-compare \
    -Wl,-soname,libcuda.so.1 -o "$lib/libcuda.so.1" "$here/emulated_libcuda.cpp"
g++ -std=c++17 -O2 -ffp-contract=off -fPIC -shared -Wall -Wl,-soname,"$cublas" \
    -Wl,--version-script,"$lib/cublas.map" -o "$lib/$cublas" "$here/emulated_libcublas.cpp" -ldl
# -am: core and kernels come from this checkout (never from ~/.m2); the last module's class path is the one kept.
(cd "$root" && flock /tmp/mvn.lock ./mvnw -q -o -pl cuda-backend -am test-compile org.apache.maven.plugins:maven-dependency-plugin:3.7.1:build-classpath \
    -Dmdep.outputFile="$lib/classpath.txt" -Dmdep.includeScope=test)
if [[ $# -eq 0 ]]; then
    set -- io.logitnet.cuda.CudaConformanceTest io.logitnet.cuda.CudaMemoryTest io.logitnet.cuda.CudaContextTest \
        io.logitnet.cuda.CudaNetworkTest io.logitnet.cuda.CudaUploadTest io.logitnet.cuda.CudaGraphTest
fi
cd "$module"
LD_LIBRARY_PATH="$lib" java -Xmx2g -cp "target/test-classes:target/classes:$(cat "$lib/classpath.txt")" \
    io.logitnet.cuda.RunTests "$@"
