#!/usr/bin/env bash
# The CUDA backend's run on a real NVIDIA GPU host (issue 9, cuda-backend/gpu/README.md), with what
# cuda-backend/gpu/prepare.sh put into .gpu/: no JDK, no Maven, no network needed.
#
# Usage, from the repository root: cuda-backend/gpu/run.sh OUTDIR [STEP ...]
# Steps, in order (all by default; name some to rerun only those):
#   facts             nvidia-smi (name, driver, compute capability, memory, MIG), glibc, where libcuda.so.1 and
#                     libcublas.so.13 are, whether /tmp is noexec, PyTorch, the kit            -> OUTDIR/facts.txt
#   devices           logitnet devices
#   verify-fp32       logitnet verify --backend cuda
#   verify-tf32       logitnet verify --backend cuda --precision tf32
#   verify-bf16       logitnet verify --backend cuda --precision bf16 (cublasGemmEx, BF16 operands, FP32 compute)
#   demo              logitnet demo --backend cuda (passes with the cross-check passed and accuracy >= 0.95)
#   cuda-tests        cuda-backend's test classes (io.logitnet.cuda, all but CublasShimTest), LOGITNET_REQUIRE=cuda
#   cublas-shim-test  CublasShimTest in a JVM of its own
#   opencl-verify     logitnet verify --backend opencl on the NVIDIA GPU (ICD loader from the carried .deb if the host
#                     has none; vendors file in a temporary folder)
#   bench             logitnet bench: cuda fp32/tf32 and opencl beside PyTorch CUDA, the built-in grid plus the small
#                     and wide shapes of issue 9, two per-operation profiles, and "cuda-graphs" rows (CUDA graphs
#                     on, FP32 shapes under 10 ms a step) beside "cuda" -> OUTDIR/bench/results/DATE-NAME.*
#   opencl-tests      opencl-backend's test classes on the NVIDIA GPU, LOGITNET_REQUIRE=opencl (with the time left)
# Each step runs under its own timeout (a Java step gets SIGQUIT first: a thread dump in the log, then KILL 10 s
# later); a failed step never stops the next. The whole run is planned for GPU_RUN_BUDGET_S (480 s), of which the
# steps before the bench may take all but GPU_RUN_BENCH_RESERVE_S (240 s).
# OUTDIR gets at most 8 files, at most 2 folders down: run.log, summary.txt, facts.txt, junit-xml.tar.gz,
# crash.tar.gz (only if a JVM crashed), bench/results/DATE-NAME.{md,json,png}. Exit status 0 when no step failed.
#
# For a run without a GPU (cuda-backend/gpu/dry-run.sh):
#   GPU_RUN_LD_LIBRARY_PATH      prepended to LD_LIBRARY_PATH (an emulated libcuda.so.1 and libcublas.so.13)
#   GPU_RUN_OPENCL_ICD           the OpenCL driver library the vendors file names (default: libnvidia-opencl.so.1)
#   GPU_RUN_CARRIED_ICD_LOADER=1 use the carried ICD loader even where the host has one
#   GPU_RUN_SMALL=1              small bench shapes, a 2-epoch demo that must reach 0.90 (an emulated GPU is slow)
#   GPU_RUN_TIMEOUT_SCALE=N      every step's timeout times N
#   GPU_RUN_NAME                 the device in the bench files' name (default: from nvidia-smi, "NVIDIA H200" -> h200)
#   GPU_RUN_PYTHON               the interpreter with torch (default: python3 or /usr/bin/python3, one with CUDA first)
#   GPU_RUN_KIT                  the prepared folder (default: .gpu)
set -uo pipefail
ulimit -c 0
if [ $# -lt 1 ]; then
    sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 2
fi
mkdir -p "$1" || exit 2
out="$(cd "$1" && pwd)"
shift
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root" || exit 2
kit="$(cd "${GPU_RUN_KIT:-.gpu}" 2>/dev/null && pwd)"
bundle="$kit/logitnet-bundle"
if [ ! -x "$bundle/bin/logitnet" ] || [ ! -s "$kit/junit-platform-console-standalone.jar" ]; then
    echo "run.sh: no prepared kit in ${GPU_RUN_KIT:-.gpu}/ (bundle, JUnit console launcher): run cuda-backend/gpu/prepare.sh on a build machine and carry .gpu" >&2
    exit 2
fi
# Copies can lose the executable bits; java, the launcher and jspawnhelper (ProcessBuilder: the bench starts python)
chmod +x "$bundle/bin/logitnet" "$bundle/runtime/bin/"* "$bundle/runtime/lib/jspawnhelper" 2>/dev/null
steps_all="facts devices verify-fp32 verify-tf32 verify-bf16 demo cuda-tests cublas-shim-test opencl-verify bench opencl-tests"
for s in "$@"; do
    case " $steps_all " in *" $s "*) ;; *) echo "run.sh: unknown step '$s' (steps: $steps_all)" >&2; exit 2 ;; esac
done
selected=" ${*:-$steps_all} "

budget=${GPU_RUN_BUDGET_S:-480}
reserve=${GPU_RUN_BENCH_RESERVE_S:-240}
scale=${GPU_RUN_TIMEOUT_SCALE:-1}
small=${GPU_RUN_SMALL:-}
min_accuracy=0.95
[ -n "$small" ] && min_accuracy=0.90
start=$(date +%s)
deadline=$((start + budget))
pre_deadline=$((deadline - reserve))
work="$(mktemp -d "${TMPDIR:-/tmp}/logitnet-gpu-run.XXXXXX")"
mkdir -p "$work/steps" "$work/junit" "$work/crash"
rm -f "$out/run.log" "$out/summary.txt" "$out/facts.txt" "$out/junit-xml.tar.gz" "$out/crash.tar.gz"
log="$out/run.log"
summary=()
if [ -n "${GPU_RUN_LD_LIBRARY_PATH:-}" ]; then
    export LD_LIBRARY_PATH="$GPU_RUN_LD_LIBRARY_PATH${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
java_opts="-XX:ErrorFile=$work/crash/hs_err_pid%p.log -XX:ReplayDataFile=$work/crash/replay_pid%p.log"

say() { echo "$*" | tee -a "$log"; }
selected() { case "$selected" in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
record() { # VERDICT STEP SECONDS DETAIL
    summary+=("$(printf '%-4s  %-16s %4s s  %s' "$1" "$2" "$3" "$4")")
    say "== [$2] $1 in $3 s${4:+: $4}"
}

# run_step NAME TIMEOUT_S CHECK CMD...: runs CMD (a command or an exported function; output in run.log and
# $work/steps/NAME.log) under a timeout cut to the time left; CHECK (a function of the exit status and the log)
# prints the detail and can turn the verdict into a failure. timeout signals CMD's whole process group.
run_step() {
    local name=$1 planned=$(($2 * scale)) check=$3
    shift 3
    selected "$name" || return 0
    local now limit t rc began verdict detail
    now=$(date +%s)
    limit=$pre_deadline
    case "$name" in bench | opencl-tests) limit=$deadline ;; esac
    t=$((limit - now))
    [ "$t" -gt "$planned" ] && t=$planned
    if [ "$t" -lt 5 ]; then
        record SKIP "$name" 0 "no time left (GPU_RUN_BUDGET_S=$budget, GPU_RUN_BENCH_RESERVE_S=$reserve)"
        return 0
    fi
    say "== [$name] $(date -u +%H:%M:%S) timeout ${t} s: $*"
    began=$(date +%s)
    timeout -s QUIT -k 10 "$t" bash -c '"$@"' "$name" "$@" 2>&1 | tee "$work/steps/$name.log" >> "$log"
    rc=${PIPESTATUS[0]}
    detail="$($check "$rc" "$work/steps/$name.log")"
    verdict=PASS
    [ "$rc" -ne 0 ] && verdict=FAIL
    case "$detail" in FAIL:*) verdict=FAIL; detail="${detail#FAIL: }" ;; esac
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] || [ "$rc" -eq 131 ]; then
        detail="timed out after $t s (thread dump in run.log)${detail:+; $detail}"
    elif [ "$rc" -ne 0 ]; then
        detail="exit status $rc${detail:+; $detail}"
    fi
    record "$verdict" "$name" "$(($(date +%s) - began))" "$detail"
}

# Checks: print a detail line; "FAIL: ..." turns an exit status 0 into a failure.
last_line() { grep -v '^\s*$' "$2" | tail -1 | cut -c1-160; }
check_devices() { { grep -m1 '^ *cuda:0 ' "$2" || grep -m1 '^cuda:' "$2"; } | tr -s ' ' | sed 's/^ //' | cut -c1-160; }
check_demo() {
    local acc cross
    acc="$(sed -n 's/^test accuracy: \([0-9.]*\).*/\1/p' "$2" | tail -1)"
    cross="$(grep -o 'cross-check: \(passed\|FAILED\)' "$2" | tail -1)"
    if [ -n "$acc" ] && awk -v a="$acc" -v m="$min_accuracy" 'BEGIN { exit !(a < m) }'; then
        echo "FAIL: test accuracy $acc < $min_accuracy; $cross"
    else
        echo "test accuracy ${acc:-?}; ${cross:-no cross-check line}"
    fi
}
check_tests() { # the console launcher's summary box: "[  12 tests successful  ]"
    local found ok failed skipped aborted
    found="$(sed -n 's/^\[ *\([0-9]*\) tests found.*/\1/p' "$2" | tail -1)"
    ok="$(sed -n 's/^\[ *\([0-9]*\) tests successful.*/\1/p' "$2" | tail -1)"
    failed="$(sed -n 's/^\[ *\([0-9]*\) tests failed.*/\1/p' "$2" | tail -1)"
    skipped="$(sed -n 's/^\[ *\([0-9]*\) tests skipped.*/\1/p' "$2" | tail -1)"
    aborted="$(sed -n 's/^\[ *\([0-9]*\) tests aborted.*/\1/p' "$2" | tail -1)"
    [ -n "$found" ] || { echo "no test summary"; return; }
    echo "$found tests: $ok passed, $failed failed, $aborted aborted (assumption not met), $skipped skipped$(
        grep -o '[A-Za-z0-9_$]*([^)]*) \[X\]' "$2" | sed 's/ \[X\]$//' | head -5 | paste -sd' ' - \
            | sed 's/^./; failed: &/')"
    tar -czf "$out/junit-xml.tar.gz" -C "$work" junit 2>/dev/null
}
check_bench() {
    local md pass miss
    md="$(ls "$out"/bench/results/*.md 2>/dev/null | head -1)"
    [ -n "$md" ] || { echo "FAIL: no report written"; return; }
    pass="$(grep -c '^| .* | pass |$' "$md")"
    miss="$(grep -c '^| .* | miss' "$md")"
    echo "$(cd "$out" && ls bench/results | paste -sd' ' -); goals: $pass pass, $miss miss"
}

bundle_java() { # java of the bundle, as bin/logitnet starts it
    LD_PRELOAD="$bundle/runtime/lib/libjsig.so${LD_PRELOAD:+:$LD_PRELOAD}" "$bundle/runtime/bin/java" $java_opts "$@"
}
logitnet() { "$bundle/bin/logitnet" "$@"; }
junit() { # MODULE REQUIRE REPORT-NAME ARGS...: the module's test classes through JUnit's console launcher
    local module=$1 require=$2 report=$3
    shift 3
    local cp="$kit/test-classes/$module:$kit/test-classes/core:$bundle/lib/logitnet.jar"
    cp="$cp:$kit/junit-platform-console-standalone.jar"
    (cd "$root/$module" && LOGITNET_REQUIRE=$require LOGITNET_TEST=1 bundle_java -Xmx4g -cp "$cp" \
        org.junit.platform.console.ConsoleLauncher execute --disable-banner --disable-ansi-colors --details=tree --details-theme=ascii \
        --scan-class-path="$kit/test-classes/$module" --fail-if-no-tests --reports-dir="$work/junit/$report" "$@")
}

# ---- 1. facts (in this shell: it also decides the environment of the later steps) ----
ldcache() { { ldconfig -p || /sbin/ldconfig -p; } 2>/dev/null; }
libs_found() { # one search of the usual roots for the libraries the run cares about, kept for find_lib
    timeout 30 find /usr/lib /usr/lib64 /usr/local /opt /lib /lib64 \( -name libcuda.so.1 -o -name 'libcublas*.so.1[23]' \
        -o -name libnvidia-opencl.so.1 -o -name libOpenCL.so.1 \) -print 2>/dev/null > "$work/libs.txt"
}
find_lib() { # NAME: every copy on this host, the ld.so cache's first
    { ldcache | awk -v n="$1" '$1 == n { print $NF }'
      for d in ${LD_LIBRARY_PATH//:/ }; do [ -e "$d/$1" ] && echo "$d/$1"; done
      awk -v n="/$1" 'substr($0, length($0) - length(n) + 1) == n' "$work/libs.txt"; } | awk '!seen[$0]++'
}
facts() {
    local f="$out/facts.txt" n
    {
        echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ); host: $(uname -srm); $(. /etc/os-release 2>/dev/null; echo "${PRETTY_NAME:-unknown OS}")"
        echo "cpus: $(nproc); $(grep MemTotal /proc/meminfo)"
        echo "kit: $(tr '\n' ';' < "$kit/PREPARED" 2>/dev/null)"
        echo "--- nvidia-smi"
        if command -v nvidia-smi >/dev/null 2>&1; then
            timeout 30 nvidia-smi --query-gpu=name,driver_version,compute_cap,memory.total,memory.used,mig.mode.current,clocks.max.sm,power.limit --format=csv 2>&1
            timeout 30 nvidia-smi 2>&1
        else
            echo "nvidia-smi: not found on PATH (no NVIDIA driver tools here)"
        fi
        echo "--- glibc"
        echo "getconf: $(getconf GNU_LIBC_VERSION 2>&1); ldd: $(ldd --version 2>&1 | head -1)"
        echo "the bundle needs glibc $(sed -n 's/^need="\(.*\)"$/\1/p' "$bundle/bin/logitnet")"
        echo "--- libraries (ld.so cache, LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}, then a search of /usr /opt /lib)"
        for n in libcuda.so.1 libcublas.so.13 libcublasLt.so.13 libcublas.so.12 libnvidia-opencl.so.1 libOpenCL.so.1; do
            echo "$n: $(find_lib "$n" | paste -sd' ' -)"
        done
        echo "/etc/OpenCL/vendors: $(cat /etc/OpenCL/vendors/*.icd 2>/dev/null | paste -sd' ' -)"
        echo "OpenCL for this run: $opencl_setup"
        echo "--- temporary folder"
        local mp
        mp="$(df -P "${TMPDIR:-/tmp}" 2>/dev/null | awk 'NR == 2 { print $6 }')"
        echo "${TMPDIR:-/tmp}: on $mp ($(awk -v m="$mp" '$2 == m { print $3, $4 }' /proc/mounts | tail -1))${tmp_noexec:+; NOEXEC: programs cannot run from it}"
        echo "TMPDIR=${TMPDIR:-}; java.io.tmpdir for this run: ${java_tmp:-/tmp}"
        echo "--- python"
        cat "$work/python.txt"
        echo "chosen for the bench: ${python:-none with torch}"
        echo "--- java (bundle)"
        bundle_java -version 2>&1
        echo "--- environment for the steps"
        echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
        echo "bench files: DATE-$name.{md,json,png}"
    } > "$f" 2>&1
    cat "$f" >> "$log"
    n="$(timeout 30 nvidia-smi --query-gpu=name,driver_version,compute_cap,memory.total,mig.mode.current --format=csv,noheader 2>/dev/null | head -1)"
    echo "${n:-no nvidia-smi}; glibc $(getconf GNU_LIBC_VERSION 2>/dev/null | sed 's/glibc //'); ${TMPDIR:-/tmp} $([ -n "$tmp_noexec" ] && echo noexec || echo exec); python ${python:-none}"
}
choose_python() { # the first of python3, /usr/bin/python3 whose torch sees CUDA, else the first with torch
    local p v with_torch=""
    for p in $(for c in python3 /usr/bin/python3; do command -v "$c"; done 2>/dev/null | awk '!seen[$0]++'); do
        v="$(timeout 90 "$p" -c 'import sys, torch; c = torch.cuda.is_available(); print("Python", sys.version.split()[0], "torch", torch.__version__, "CUDA", torch.version.cuda, "available", c, torch.cuda.get_device_name(0) if c else "")' 2>&1 | tail -1)"
        echo "$p: $v" >> "$work/python.txt"
        case "$v" in
            *"available True"*) echo "$p"; return ;;
            *"available False"*) [ -n "$with_torch" ] || with_torch=$p ;;
        esac
    done
    echo "$with_torch"
}
exec_ok() { # DIR: can a program run from DIR (not mounted noexec)?
    local t
    t="$(mktemp -p "$1" logitnet-exec.XXXXXX 2>/dev/null)" || return 1
    cp "$(type -P true || echo /bin/true)" "$t" && chmod +x "$t" && "$t"
    local rc=$?
    rm -f "$t"
    return $rc
}

say "run.sh $(date -u +%Y-%m-%dT%H:%M:%SZ) in $root, steps:${selected% }, budget $budget s (bench reserve $reserve s)"
tmp_noexec=""
java_tmp=""
if ! exec_ok "${TMPDIR:-/tmp}"; then
    tmp_noexec=1
    java_tmp="$kit/tmp"
    mkdir -p "$java_tmp"
    java_opts="$java_opts -Djava.io.tmpdir=$java_tmp"
    say "${TMPDIR:-/tmp} is mounted noexec: native libraries are extracted to $java_tmp instead (-Djava.io.tmpdir)"
fi
if ! exec_ok "$work"; then # the carried ICD loader is unpacked there
    work2="$(mktemp -d "$kit/run.XXXXXX")" && mkdir -p "$work2/steps" "$work2/junit" "$work2/crash" \
        && rm -rf "$work" && work="$work2"
fi
export LOGITNET_JAVA_OPTS="${LOGITNET_JAVA_OPTS:+$LOGITNET_JAVA_OPTS }$java_opts"
export -f bundle_java logitnet junit
export bundle kit root work java_opts
libs_found
: > "$work/python.txt"
# libcublas.so.13 where the backend does not look (e.g. only inside PyTorch's wheels): its folder joins LD_LIBRARY_PATH.
if [ -z "$(ldcache | awk '$1 == "libcublas.so.13" || $1 == "libcublas.so.12"')" ]; then
    reachable=""
    for d in ${LD_LIBRARY_PATH//:/ } /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib \
            /usr/local/nvidia/lib64 /usr/lib/x86_64-linux-gnu; do
        [ -e "$d/libcublas.so.13" ] || [ -e "$d/libcublas.so.12" ] && reachable=1
    done
    if [ -z "$reachable" ]; then
        c="$(find_lib libcublas.so.13 | grep -m1 /cuda || find_lib libcublas.so.13 | head -1)"
        if [ -n "$c" ]; then
            export LD_LIBRARY_PATH="$(dirname "$c")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
            say "libcublas.so.13 is only in $(dirname "$c"), where the backend does not look: added to LD_LIBRARY_PATH"
        fi
    fi
fi
# OpenCL on the NVIDIA GPU: the host's ICD loader, or the carried one; a vendors file naming the driver.
opencl_env() { # sets LD_LIBRARY_PATH and OCL_ICD_VENDORS where needed, and opencl_setup to what it did
    local icd loader deb dir
    icd="${GPU_RUN_OPENCL_ICD:-$(find_lib libnvidia-opencl.so.1 | head -1)}"
    loader="$(ldcache | awk '$1 == "libOpenCL.so.1" { print $NF; exit }')"
    [ -s "$(readlink -f "${loader:-/nonexistent}")" ] || loader="" # a cache entry for a missing or empty file
    if [ -z "$icd" ]; then
        opencl_setup="no libnvidia-opencl.so.1 on this host: the NVIDIA driver has no OpenCL here"
        return
    fi
    if [ -z "$loader" ] || [ -n "${GPU_RUN_CARRIED_ICD_LOADER:-}" ]; then
        deb="$(ls "$kit"/ocl-icd-libopencl1_*_amd64.deb 2>/dev/null | head -1)"
        dir="$work/icd-loader"
        mkdir -p "$dir"
        if [ -z "$deb" ]; then
            opencl_setup="no ICD loader on this host and no ocl-icd-libopencl1 .deb in the kit"
            return
        fi
        if ! dpkg-deb -x "$deb" "$dir" 2>/dev/null; then
            (cd "$dir" && ar x "$deb" && tar -xf data.tar.* && rm -f data.tar.* control.tar.* debian-binary) \
                || { opencl_setup="cannot unpack $deb (no dpkg-deb, no ar)"; return; }
        fi
        export LD_LIBRARY_PATH="$dir/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
        loader="$dir/usr/lib/x86_64-linux-gnu/libOpenCL.so.1 (carried $(basename "$deb"))"
    fi
    if ! grep -qsF "$(basename "$icd")" /etc/OpenCL/vendors/*.icd || [ -n "${GPU_RUN_CARRIED_ICD_LOADER:-}" ]; then
        mkdir -p "$work/vendors"
        echo "$icd" > "$work/vendors/$(basename "$icd" | sed 's/^lib//; s/\.so.*//').icd"
        export OCL_ICD_VENDORS="$work/vendors"
        opencl_setup="loader $loader; OCL_ICD_VENDORS=$OCL_ICD_VENDORS naming $icd"
    else
        opencl_setup="loader $loader; /etc/OpenCL/vendors names $icd"
    fi
}
opencl_env
say "OpenCL: $opencl_setup"
python="${GPU_RUN_PYTHON:-$(choose_python)}"
name="${GPU_RUN_NAME:-}"
if [ -z "$name" ]; then
    name="$(timeout 30 nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 | tr 'A-Z' 'a-z' \
        | sed 's/^nvidia //; s/[^a-z0-9]\{1,\}/-/g; s/^-//; s/-$//')"
fi
name="${name:-gpu}"
if selected facts; then
    began=$(date +%s)
    say "== [facts] $(date -u +%H:%M:%S)"
    facts_line="$(facts)"
    record PASS facts "$(($(date +%s) - began))" "$facts_line"
fi

# ---- 2. the command line tool on cuda ----
run_step devices 30 check_devices logitnet devices
run_step verify-fp32 60 last_line logitnet verify --backend cuda
run_step verify-tf32 60 last_line logitnet verify --backend cuda --precision tf32
run_step verify-bf16 60 last_line logitnet verify --backend cuda --precision bf16
if [ -n "$small" ]; then
    run_step demo 90 check_demo logitnet demo --backend cuda --epochs 2
else
    run_step demo 90 check_demo logitnet demo --backend cuda
fi

# ---- 3. the CUDA test classes, and the compatibility library's test alone ----
run_step cuda-tests 150 check_tests junit cuda-backend cuda cuda-tests --include-package=io.logitnet.cuda \
    --exclude-classname='.*CublasShim.*'
run_step cublas-shim-test 45 check_tests junit cuda-backend cuda cublas-shim-test --include-package=io.logitnet.cuda \
    --include-classname='.*CublasShim.*Test'

# ---- 4. OpenCL on the NVIDIA GPU (the loader and vendors file were set up before the facts) ----
check_opencl() { echo "$(grep -m1 -o 'opencl:[0-9:]* .*' "$2" | cut -c1-70); $(last_line "$@")"; }
opencl_verify() { logitnet devices | sed -n '/^opencl/,/^[a-z]/p'; logitnet verify --backend opencl; }
export -f opencl_verify
run_step opencl-verify 60 check_opencl opencl_verify

# ---- 5. the bench, beside PyTorch ----
if [ -n "$small" ]; then
    bench_args=(--shape 64x100-128-10 --add-shape 128x784-256-10 --profile-shape 128x784-256-10 --gemm-n 256
                --warmup 1 --reps 3 --budget-s 10 --epoch-steps 2)
else
    bench_args=(--add-shape 128x784-256-10,256x784-256-10,4096x1024-16384-1024,4096x784-65536-10,4096x784-262144-10
                --profile-shape 128x784-256-10,4096x1024-16384-1024 --gemm-n 8192 --budget-s 8 --epoch-steps 3)
fi
bench_args+=(--name "$name" --out "$out/bench/results")
if [ -n "$python" ]; then
    bench_args+=(--python "$python")
fi
# logitnet bench once it has the options the GPU run needs (it names the backends --backends); the same harness
# through its own entry point (--backend) until then
bench_help="$(logitnet bench --help 2>/dev/null)"
# CUDA graphs (off by default until measured): -Dlogitnet.cudaGraphs=true makes the bench time the FP32 shapes whose
# step takes under 10 ms a second time with graphs on, as rows "cuda-graphs" beside "cuda" (StepBench.graphsBeside).
bench_java_opts="$LOGITNET_JAVA_OPTS"
export LOGITNET_JAVA_OPTS="$bench_java_opts -Dlogitnet.cudaGraphs=true"
if grep -q -- '--profile-shape' <<< "$bench_help"; then
    backends_option=--backend
    grep -q -- '--backends' <<< "$bench_help" && backends_option=--backends
    run_step bench 300 check_bench logitnet bench "$backends_option" cuda,opencl "${bench_args[@]}"
else
    run_step bench 300 check_bench bundle_java -Dlogitnet.cudaGraphs=true -cp "$bundle/lib/logitnet.jar" \
        io.logitnet.bench.StepBench --backend cuda,opencl "${bench_args[@]}"
fi
export LOGITNET_JAVA_OPTS="$bench_java_opts"

# ---- 4b. with the time left: the OpenCL test classes on the NVIDIA GPU ----
run_step opencl-tests 90 check_tests junit opencl-backend opencl opencl-tests --include-package=io.logitnet.opencl

# ---- what comes back: at most 8 files ----
if [ -n "$(ls "$work/crash" 2>/dev/null)" ]; then
    tar -czf "$out/crash.tar.gz" -C "$work" crash
    say "a JVM crashed: crash.tar.gz holds $(ls "$work/crash" | paste -sd' ' -)"
fi
if [ -n "$(ls "$work/junit" 2>/dev/null)" ]; then
    tar -czf "$out/junit-xml.tar.gz" -C "$work" junit
fi
if [ "$(stat -c %s "$log")" -gt $((15 * 1024 * 1024)) ]; then
    { head -c $((7 * 1024 * 1024)) "$log"; echo; echo "[... run.log cut to 15 MiB ...]"; tail -c $((7 * 1024 * 1024)) "$log"; } > "$work/log"
    mv "$work/log" "$log"
fi
fails=0
{
    echo "run.sh summary: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(($(date +%s) - start)) s of the $budget s planned"
    for l in "${summary[@]}"; do
        echo "$l"
        case "$l" in FAIL*) fails=$((fails + 1)) ;; esac
    done
} > "$out/summary.txt"
echo
tee -a "$log" < "$out/summary.txt"
echo "files in $out: $(cd "$out" && find . -type f | sed 's|^\./||' | sort | paste -sd' ' -)"
rm -rf "$work"
[ "$fails" -eq 0 ]
