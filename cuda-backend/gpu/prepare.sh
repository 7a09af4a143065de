#!/usr/bin/env bash
# Builds into the ignored folder .gpu/ everything cuda-backend/gpu/run.sh needs on a GPU host that has no JDK, no
# Maven and no network (cuda-backend/gpu/README.md):
#   .gpu/logitnet-bundle/          ./mvnw -Pbundle package: the jlinked runtime (with java.xml, for JUnit's XML
#                                  reports), bin/logitnet, lib/logitnet.jar
#   .gpu/test-classes/MODULE/      the compiled tests of core (the shared suites), cuda-backend and opencl-backend;
#                                  their main classes and dependencies are all in lib/logitnet.jar
#   .gpu/junit-platform-console-standalone.jar   JUnit's console launcher (JUnit itself included), from Maven Central
#   .gpu/ocl-icd-libopencl1_*_amd64.deb          the OpenCL ICD loader, for a host whose driver has no loader
#   .gpu/PREPARED                  what was built from which commit, and the sizes
# Then it adds up everything that travels to the GPU host (tracked and untracked-not-ignored files, plus .gpu/),
# prints the total and fails above 60 MiB (the device tool takes 64 MiB at most).
# Usage, from anywhere in the repository: cuda-backend/gpu/prepare.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
kit="$root/.gpu"
limit_mib=60
cd "$root"
mvn() { flock /tmp/mvn.lock ./mvnw -B -q "$@"; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
bytes() { du -sb "$@" | awk '{ s += $1 } END { print s + 0 }'; }
mkdir -p "$kit"

echo "[prepare] building the bundle and the test classes (./mvnw -Pbundle package -DskipTests -pl cli -am)"
LOGITNET_BUNDLE_EXTRA_MODULES=java.xml mvn -o -Pbundle package -DskipTests -pl cli -am

# JUnit Platform 1.x.y belongs to JUnit Jupiter 5.x.y, the version the build's tests compile against.
jupiter="$(sed -n 's|.*<junit.version>\(5\.[0-9.]*\)</junit.version>.*|\1|p' pom.xml)"
platform="1.${jupiter#5.}"
launcher="$kit/junit-platform-console-standalone.jar"
echo "[prepare] JUnit console launcher $platform (JUnit $jupiter)"
rm -f "$launcher"
copy=(-N org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy
      "-Dartifact=org.junit.platform:junit-platform-console-standalone:$platform"
      "-DoutputDirectory=$kit" -Dmdep.stripVersion=true)
mvn -o "${copy[@]}" 2>/dev/null || mvn "${copy[@]}"
test -s "$launcher"

if ! ls "$kit"/ocl-icd-libopencl1_*_amd64.deb >/dev/null 2>&1; then
    echo "[prepare] downloading the Debian package ocl-icd-libopencl1 (amd64)"
    (cd "$kit" && apt-get download -q ocl-icd-libopencl1:amd64 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
fi
deb="$(ls "$kit"/ocl-icd-libopencl1_*_amd64.deb)"

rm -rf "$kit/logitnet-bundle" "$kit/test-classes" "$kit/tmp" "$kit"/run.* # tmp, run.*: left by run.sh
cp -a cli/target/logitnet-bundle "$kit/logitnet-bundle"
for m in core cuda-backend opencl-backend; do
    mkdir -p "$kit/test-classes"
    cp -a "$m/target/test-classes" "$kit/test-classes/$m"
done

tracked=$(git ls-files -z | xargs -0 du -cb 2>/dev/null | awk '$2 == "total" { s += $1 } END { print s + 0 }')
untracked=$(git ls-files -z -o --exclude-standard | xargs -0 -r du -cb 2>/dev/null \
    | awk '$2 == "total" { s += $1 } END { print s + 0 }')
kit_size=$(bytes "$kit")
total=$((tracked + untracked + kit_size))
bundle_size=$(bytes "$kit/logitnet-bundle")
need="$(sed -n 's/^need="\(.*\)"$/\1/p' "$kit/logitnet-bundle/bin/logitnet")"
{
    echo "prepared $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -srm)"
    echo "commit $(git rev-parse HEAD) ($(git rev-parse --abbrev-ref HEAD)), $(git status --porcelain | wc -l) changed or untracked files"
    echo "bundle $(mib "$bundle_size") MiB: runtime $(mib "$(bytes "$kit/logitnet-bundle/runtime")") MiB" \
        "($("$kit/logitnet-bundle/runtime/bin/java" --list-modules | sed 's/@.*//' | paste -sd, -)), jar" \
        "$(mib "$(bytes "$kit/logitnet-bundle/lib/logitnet.jar")") MiB; needs glibc $need"
    echo "test classes $(mib "$(bytes "$kit/test-classes")") MiB; JUnit console launcher $platform" \
        "$(mib "$(bytes "$launcher")") MiB; $(basename "$deb")"
    echo "travels: tracked $(mib "$tracked") MiB + untracked $(mib "$untracked") MiB + .gpu $(mib "$kit_size") MiB" \
        "= $(mib "$total") MiB (limit $limit_mib MiB)"
} > "$kit/PREPARED"
sed 's/^/[prepare] /' "$kit/PREPARED"
if [ "$bundle_size" -gt $((35 * 1024 * 1024)) ]; then
    echo "[prepare] note: the bundle is over issue 9's goal of 35 MiB (a Java 17 runtime alone is about 30 MiB here)"
fi
if [ "$total" -gt $((limit_mib * 1024 * 1024)) ]; then
    echo "[prepare] what travels is over $limit_mib MiB" >&2
    exit 1
fi
