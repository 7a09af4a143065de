#!/usr/bin/env bash
# Builds the libcublas.so.12 compatibility library for CUDA 13 hosts (see src/main/c/cublas12_shim.c) into
# src/main/resources/io/logitnet/cuda/linux-x86_64/libcublas.so.12, with a .sha256 sidecar recording the SHA-256 of
# its sources and the gcc flags. The library is committed, so a JDK-only machine needs no gcc. Building needs gcc
# and a JDK's include folder (jni.h: the library tells the backend why it could not load libcublas.so.13).
#
#   cuda-backend/build-shim.sh                   rebuild the library and verify it (soname, version node, symbols)
#   cuda-backend/build-shim.sh --check           fail if a source or the flags changed since the library was built,
#                                                or if it lacks an entry point JCublas2 imports; skipped (exit 0)
#                                                when gcc is absent. The cuda-backend build runs this in validate.
#   cuda-backend/build-shim.sh --update-symbols  regenerate src/main/c/cublas12_symbols.inc from the imports of
#                                                libJCublas2 in the jcublas-natives jar (after a JCuda upgrade)
#
# Freshness is decided by content hashes, never by file times (a fresh clone gives files arbitrary mtimes).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
c_dir="$here/src/main/c"
out_dir="$here/src/main/resources/io/logitnet/cuda/linux-x86_64"
lib="$out_dir/libcublas.so.12"
sources=("$c_dir/cublas12_shim.c" "$c_dir/cublas12_symbols.inc" "$c_dir/cublas12_shim.map")
jcuda_version="12.6.0"
natives_jar="${M2_REPO:-$HOME/.m2/repository}/org/jcuda/jcublas-natives/$jcuda_version/jcublas-natives-$jcuda_version-linux-x86_64.jar"
jcublas2_so="lib/libJCublas2-$jcuda_version-linux-x86_64.so"

FLAGS="-O2 -fPIC -shared -Wall -Wextra -Werror -Wl,-soname,libcublas.so.12 -Wl,--version-script,cublas12_shim.map \
-Wl,-z,noexecstack -Wl,--no-as-needed -l:libdl.so.2"
FLAGS="$(echo "$FLAGS" | tr -s ' ')"

# jni.h and jni_md.h of the JDK; kept out of FLAGS (and so out of the recorded hash): the path differs per machine.
jni_includes() {
    local home="${JAVA_HOME:-}"
    if [[ -z "$home" ]] && command -v javac >/dev/null 2>&1; then
        home="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
    fi
    if [[ -z "$home" || ! -f "$home/include/jni.h" ]]; then
        echo "build-shim.sh: jni.h not found: set JAVA_HOME to a JDK" >&2
        return 1
    fi
    echo "-I$home/include -I$home/include/linux"
}

sidecar() {
    for s in "${sources[@]}"; do
        printf 'source-sha256 %s %s\n' "$(sha256sum "$s" | cut -d' ' -f1)" "$(basename "$s")"
    done
    printf 'flags %s\n' "$FLAGS"
}

# The symbol names in cublas12_symbols.inc, sorted.
expected_symbols() {
    sed -n 's/^SYM(\(.*\))$/\1/p' "$c_dir/cublas12_symbols.inc" | sort
}

# The cuBLAS symbols libJCublas2 imports, sorted, if the natives jar and objdump are here.
jcublas2_imports() {
    local tmp
    tmp="$(mktemp -d)"
    unzip -q -o "$natives_jar" "$jcublas2_so" -d "$tmp"
    objdump -T "$tmp/$jcublas2_so" | awk '/\*UND\*/ && /libcublas\.so\.12/ {print $NF}' | sort
    rm -rf "$tmp"
}

# Checks the built library: soname, version node, every expected symbol exported with that version.
verify() {
    local so="$1"
    command -v readelf >/dev/null 2>&1 || { echo "[cublas shim] readelf not found: symbol check skipped"; return 0; }
    readelf -d "$so" | grep -q 'Library soname: \[libcublas.so.12\]' \
        || { echo "[cublas shim] $so does not have the soname libcublas.so.12" >&2; return 1; }
    readelf -V "$so" | grep -q 'Name: libcublas.so.12' \
        || { echo "[cublas shim] $so does not define the version node libcublas.so.12" >&2; return 1; }
    local exported missing
    exported="$(objdump -T "$so" | awk '!/\*UND\*/ && /libcublas\.so\.12/ && $NF ~ /^cublas/ {print $NF}' | sort)"
    missing="$(comm -23 <(expected_symbols) <(echo "$exported"))"
    if [[ -n "$missing" ]]; then
        echo "[cublas shim] $so lacks entry points: $(echo "$missing" | tr '\n' ' ')" >&2
        return 1
    fi
    if [[ -f "$natives_jar" ]] && command -v unzip >/dev/null 2>&1; then
        missing="$(comm -23 <(jcublas2_imports) <(echo "$exported"))"
        if [[ -n "$missing" ]]; then
            echo "[cublas shim] libJCublas2 imports entry points the shim lacks: $(echo "$missing" | tr '\n' ' ')" \
                 "(run cuda-backend/build-shim.sh --update-symbols, then cuda-backend/build-shim.sh)" >&2
            return 1
        fi
        echo "[cublas shim] exports all $(echo "$exported" | wc -l) entry points libJCublas2 imports," \
             "soname and version node libcublas.so.12"
    else
        echo "[cublas shim] exports $(echo "$exported" | wc -l) entry points with version libcublas.so.12" \
             "(jcublas-natives jar not found: import list not compared)"
    fi
}

mode="${1:-build}"
case "$mode" in
--update-symbols)
    [[ -f "$natives_jar" ]] || { echo "no $natives_jar: resolve the cuda-backend dependencies first" >&2; exit 1; }
    {
        echo "/* The cuBLAS entry points libJCublas2-$jcuda_version-linux-x86_64.so imports (version node libcublas.so.12)."
        echo "   Generated by cuda-backend/build-shim.sh --update-symbols from the jcublas-natives $jcuda_version jar; do not edit. */"
        jcublas2_imports | sed 's/.*/SYM(&)/'
    } > "$c_dir/cublas12_symbols.inc"
    echo "wrote $(expected_symbols | wc -l) symbols to $c_dir/cublas12_symbols.inc"
    ;;
--check)
    if ! command -v gcc >/dev/null 2>&1; then
        echo "[cublas shim] gcc not found: freshness check of the committed libcublas.so.12 skipped"
        exit 0
    fi
    if [[ ! -f "$lib" || ! -f "$lib.sha256" ]] || [[ "$(sidecar)" != "$(grep -E '^(source-sha256|flags) ' "$lib.sha256")" ]]; then
        echo "[cublas shim] $lib is out of date with src/main/c (sources or gcc flags changed)." >&2
        echo "[cublas shim] regenerate it with: cuda-backend/build-shim.sh   (then commit" \
             "cuda-backend/src/main/resources/io/logitnet/cuda/linux-x86_64/)" >&2
        exit 1
    fi
    verify "$lib"
    ;;
build)
    mkdir -p "$out_dir"
    includes="$(jni_includes)"
    # shellcheck disable=SC2086
    (cd "$c_dir" && gcc $includes cublas12_shim.c -o "$lib.tmp" $FLAGS)
    verify "$lib.tmp"
    mv "$lib.tmp" "$lib"
    { sidecar; printf 'gcc %s\n' "$(gcc --version | head -1)"; } > "$lib.sha256"
    echo "built $lib ($(stat -c %s "$lib") bytes)"
    ;;
*)
    echo "usage: $0 [--check | --update-symbols]" >&2
    exit 2
    ;;
esac
