#!/usr/bin/env bash
# Builds cli/target/logitnet-bundle: a jlinked Java runtime, the logitnet jar and a bin/logitnet launcher, for
# Linux x86-64 machines without a JDK (GPU servers). Run by `./mvnw -Pbundle package`; fails if the bundle exceeds
# 64 MiB. LOGITNET_BUNDLE_EXTRA_MODULES (comma-separated) adds modules, e.g. java.xml for JUnit's XML reports
# (cuda-backend/gpu/prepare.sh).
set -euo pipefail
target="$1"          # cli/target
java_home="$2"       # the JDK that runs Maven
out="$target/logitnet-bundle"
jar="$target/logitnet.jar"
rm -rf "$out"
mkdir -p "$out/lib" "$out/bin"

# Modules: what the jar needs, checked against jdeps below. Left out on purpose (each would add megabytes):
#   java.desktop          only the bench's PNG plot (io.logitnet.bench.Plot); without it the report says so and the
#                         plot is drawn later from the JSON (java -cp logitnet.jar io.logitnet.bench.Plot FILE.json)
#   java.sql, java.xml    Jackson's optional handlers for java.sql dates and DOM nodes, which LogitNet never uses
#   jdk.incubator.vector  prints a warning at every start; netlib then uses native OpenBLAS or its plain Java BLAS
modules=java.base,java.logging,jdk.unsupported
optional=" java.desktop java.sql java.xml jdk.incubator.vector "
if [ -n "${LOGITNET_BUNDLE_EXTRA_MODULES:-}" ]; then
    modules="$modules,$LOGITNET_BUNDLE_EXTRA_MODULES"
fi
for m in $("$java_home/bin/jdeps" --multi-release 17 --ignore-missing-deps -summary "$jar" 2>/dev/null \
        | sed -n 's/^logitnet.jar -> \([a-z][a-z.]*\)$/\1/p' | sort -u); do
    case ",$modules," in *",$m,"*) continue ;; esac
    case "$optional" in *" $m "*) continue ;; esac
    echo "[bundle] the jar now needs module $m (jdeps); add it to the modules in $0, or to the optional ones" >&2
    exit 1
done

compress=2
if "$java_home/bin/jlink" --help 2>&1 | grep -q 'zip-\[0-9\]'; then
    compress=zip-9
fi
"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
    --compress="$compress" --output "$out/runtime"
# The JVM's symbol table (4 MiB of libjvm.so; the dynamic symbols stay), and files for TLS and keytool, unused here.
if command -v strip >/dev/null 2>&1; then
    strip --strip-unneeded "$out/runtime/lib/server/libjvm.so"
else
    echo "[bundle] no strip (binutils): libjvm.so keeps its symbol table"
fi
rm -f "$out/runtime/bin/keytool" "$out/runtime/lib/security/public_suffix_list.dat"

# The jar, less netlib's f2j LAPACK and ARPACK classes (1 MiB): only its BLAS is used. Its natives are already
# Linux x86-64 alone (JCuda linux-x86_64, LWJGL natives-linux, netlib Linux-amd64; cli/pom.xml drops the rest).
cp "$jar" "$out/lib/logitnet.jar"
if command -v zip >/dev/null 2>&1; then
    zip -q -d "$out/lib/logitnet.jar" 'org/netlib/lapack/*' 'org/netlib/arpack/*'
fi

# The newest glibc symbol version any x86-64 native library in the bundle needs, for the launcher's check.
need=""
need_file=""
if command -v objdump >/dev/null 2>&1; then
    natives="$(mktemp -d)"
    trap 'rm -rf "$natives"' EXIT
    unzip -q -o -d "$natives" "$out/lib/logitnet.jar" '*.so' '*.so.*' 2>/dev/null || true
    while IFS= read -r f; do
        # only what can load here: the jar also carries other platforms' libraries (JNA's, for aarch64, loongarch...)
        objdump -f "$f" 2>/dev/null | grep -q 'file format elf64-x86-64' || continue
        v="$(objdump -T "$f" 2>/dev/null | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1 || true)"
        if [ -n "$v" ] && { [ -z "$need" ] || [ "$(printf '%s\n%s\n' "$need" "$v" | sort -V | tail -1)" != "$need" ]; }
        then
            need="$v"
            need_file="${f#"$out/"}"
            need_file="${need_file/#"$natives/"/lib/logitnet.jar!/}"
        fi
    done < <(find "$out/runtime" "$natives" -type f \( -name '*.so' -o -name '*.so.*' -o -path '*/bin/*' \))
else
    echo "[bundle] no objdump (binutils): the launcher cannot check the host's glibc"
fi

cat > "$out/bin/logitnet" <<LAUNCHER
#!/bin/sh
# logitnet launcher: the bundled Java runtime and jar, wherever this folder was copied.
# The runtime needs glibc $need or newer (GLIBC_$need, first needed by $need_file): checked before java starts.
need="$need"
LAUNCHER
cat >> "$out/bin/logitnet" <<'LAUNCHER'
here=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "$need" ]; then
    found=$(getconf GNU_LIBC_VERSION 2>/dev/null | sed -n 's/^glibc \([0-9][0-9.]*\).*/\1/p')
    if [ -z "$found" ]; then
        found=$(ldd --version 2>/dev/null | sed -n '1s/.* \([0-9][0-9]*\.[0-9][0-9]*\)$/\1/p')
    fi
    if [ -z "$found" ]; then
        echo "logitnet: cannot find this host's glibc version (getconf GNU_LIBC_VERSION, ldd --version); the bundled Java runtime needs glibc $need or newer" >&2
    elif awk -v a="$found" -v b="$need" 'BEGIN { split(a, x, "."); split(b, y, ".");
            exit !(x[1] + 0 < y[1] + 0 || (x[1] + 0 == y[1] + 0 && x[2] + 0 < y[2] + 0)) }'; then
        echo "logitnet: this host has glibc $found, the bundled Java runtime needs glibc $need or newer: use a newer Linux, or run lib/logitnet.jar with a Java 17 installed here (java -jar $here/lib/logitnet.jar)" >&2
        exit 1
    fi
fi
# Signal chaining: OpenCL drivers and LLVM may install signal handlers; libjsig keeps the JVM's working.
LD_PRELOAD="$here/runtime/lib/libjsig.so${LD_PRELOAD:+:$LD_PRELOAD}"
export LD_PRELOAD
exec "$here/runtime/bin/java" ${LOGITNET_JAVA_OPTS:-} -jar "$here/lib/logitnet.jar" "$@"
LAUNCHER
chmod +x "$out/bin/logitnet"

size=$(du -sb "$out" | cut -f1)
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
echo "[bundle] $out: $(mib "$size") MiB (runtime $(mib "$(du -sb "$out/runtime" | cut -f1)") MiB: $modules;" \
    "jar $(mib "$(du -sb "$out/lib/logitnet.jar" | cut -f1)") MiB); needs glibc ${need:-?} ($need_file)"
if [ "$size" -gt $((64 * 1024 * 1024)) ]; then
    echo "[bundle] larger than 64 MiB" >&2
    exit 1
fi
"$out/bin/logitnet" --version
# The glibc check itself, against a host that reports an older glibc.
if [ -n "$need" ]; then
    fake="$(mktemp -d)"
    printf '#!/bin/sh\necho glibc 2.17\n' > "$fake/getconf"
    chmod +x "$fake/getconf"
    if msg="$(PATH="$fake:$PATH" "$out/bin/logitnet" --version 2>&1)"; then
        echo "[bundle] the launcher started java on a host that reports glibc 2.17: $msg" >&2
        exit 1
    fi
    rm -rf "$fake"
    case "$msg" in
        *"glibc 2.17"*"glibc $need"*) echo "[bundle] launcher on an old glibc: $msg" ;;
        *) echo "[bundle] unexpected launcher message on an old glibc: $msg" >&2; exit 1 ;;
    esac
fi
