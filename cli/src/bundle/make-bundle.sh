#!/usr/bin/env bash
# Builds cli/target/logitnet-bundle: a jlinked Java runtime, the logitnet jar and a bin/logitnet launcher, for
# machines without a JDK (GPU servers). Run by `./mvnw -Pbundle package`; fails if the bundle exceeds 64 MiB.
set -euo pipefail
target="$1"          # cli/target
java_home="$2"       # the JDK that runs Maven
out="$target/logitnet-bundle"
rm -rf "$out"
mkdir -p "$out/lib" "$out/bin"

# Modules the jar needs (jdeps over the shaded jar); the incubating Vector API is left out on purpose
# (it prints a warning at every start; netlib then uses native OpenBLAS or its plain Java BLAS).
modules=java.base,java.desktop,java.logging,java.management,java.sql,jdk.unsupported,jdk.crypto.ec
compress=2
if "$java_home/bin/jlink" --help 2>&1 | grep -q 'zip-\[0-9\]'; then
    compress=zip-9
fi
"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
    --compress="$compress" --output "$out/runtime"
cp "$target/logitnet.jar" "$out/lib/logitnet.jar"
cat > "$out/bin/logitnet" <<'LAUNCHER'
#!/bin/sh
# logitnet launcher: the bundled Java runtime and jar, wherever this folder was copied.
here=$(cd "$(dirname "$0")/.." && pwd)
# Signal chaining: OpenCL drivers and LLVM may install signal handlers; libjsig keeps the JVM's working.
LD_PRELOAD="$here/runtime/lib/libjsig.so${LD_PRELOAD:+:$LD_PRELOAD}"
export LD_PRELOAD
exec "$here/runtime/bin/java" ${LOGITNET_JAVA_OPTS:-} -jar "$here/lib/logitnet.jar" "$@"
LAUNCHER
chmod +x "$out/bin/logitnet"
size=$(du -sb "$out" | cut -f1)
echo "[bundle] $out: $((size / 1024 / 1024)) MiB (runtime $(du -sh "$out/runtime" | cut -f1), jar $(du -sh "$out/lib/logitnet.jar" | cut -f1))"
if [ "$size" -gt $((64 * 1024 * 1024)) ]; then
    echo "[bundle] larger than 64 MiB" >&2
    exit 1
fi
"$out/bin/logitnet" --version
