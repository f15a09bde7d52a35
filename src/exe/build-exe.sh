#!/bin/bash
# build-exe.sh: makes target/infometis, one file that runs the installer on an x86_64 glibc Linux with no Java:
# the C launcher (src/exe/launcher.c), then a gzip'd tar of a jlink'd Java runtime + the Quarkus app + an AOT cache
# (Java 25) or AppCDS archive (Java 17) trained here, then a trailer with the payload's offset, length and sha256.
# `./mvnw package` runs it (pom.xml, exec-maven-plugin). Design and figures: docs/executable.md.
#
#   build-exe.sh --app target/exe-app --out target/infometis --work-dir target/exe --build-jdk JAVA_HOME
#
# --app: the directory of Quarkus's uber-jar build of the app (pom.xml's exe-app execution), one *-runner.jar.
#
# The runtime: $INFOMETIS_EXE_JDK if set, else Temurin 25 at /usr/lib/jvm/temurin-25-jdk-amd64 if present,
# else the JDK running the build (17 and up; Java 17 needs its jmods). Fails loudly when it cannot make the file.
set -euo pipefail

SRC=$(cd "$(dirname "$0")" && pwd)
APP="" OUT="" WORK="" BUILD_JDK=""
die() { echo "build-exe: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
  case "$1" in
    --app) APP=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --work-dir) WORK=$2; shift 2 ;;
    --build-jdk) BUILD_JDK=$2; shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done
UBER=$(ls "$APP"/*-runner.jar 2>/dev/null || true)
[ -n "$UBER" ] && [ "$(echo "$UBER" | wc -l)" = 1 ] || die "--app $APP must hold exactly one *-runner.jar (Quarkus's uber-jar)"
[ -n "$OUT" ] && [ -n "$WORK" ] || die "--out and --work-dir are required"
[ "$(uname -m)" = x86_64 ] || die "the executable is built for x86_64 Linux only; this is $(uname -m)"
command -v gcc >/dev/null || die "gcc is missing (apt-get install gcc libc6-dev zlib1g-dev)"

TEMURIN25=/usr/lib/jvm/temurin-25-jdk-amd64
JDK=${INFOMETIS_EXE_JDK:-}
if [ -z "$JDK" ]; then
  if [ -x "$TEMURIN25/bin/jlink" ]; then JDK=$TEMURIN25; else JDK=$BUILD_JDK; fi
fi
[ -x "$JDK/bin/jlink" ] || die "$JDK has no jlink: install Temurin 25 at $TEMURIN25 or build with a full JDK 17+"
FEATURE=$("$JDK/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
RELEASE=$("$JDK/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.runtime.version = //p')
VENDOR=$("$JDK/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.vendor.version = //p')
[ "${FEATURE:-0}" -ge 17 ] || die "$JDK is Java ${FEATURE:-?}: the app needs 17 or later"

mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
APP=$(cd "$APP" && pwd)
OUT_ABS=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")
t0=$(date +%s)

# --- the launcher: linked statically (glibc and zlib), so it needs no library and no glibc newer than the build
# host's; what it runs, the jlink'd runtime, needs glibc 2.17 or later. It calls nothing that needs NSS or dlopen.
ZLIB_A=$(gcc -print-file-name=libz.a)
[ -f "$ZLIB_A" ] || die "no static zlib (apt-get install zlib1g-dev)"
gcc -O2 -Wall -Wextra -Werror -std=c11 -static -o "$WORK/launcher" "$SRC/launcher.c" "$SRC/sha256.c" "$ZLIB_A" \
  || die "compiling the launcher failed (needs gcc, libc6-dev, zlib1g-dev)"
strip "$WORK/launcher" 2>/dev/null || true

# --- the runtime: only the modules the app uses. Found by booting every command (jdeps over the app also names
# java.desktop, java.rmi and jdk.compiler, which the installer never loads); the training run below fails the build
# if a module the app needs is missing.
MODULES=${INFOMETIS_EXE_MODULES:-java.base,java.logging,java.management,java.naming,java.net.http,java.sql,java.xml,jdk.unsupported,jdk.crypto.ec,jdk.zipfs}
JLINK_OPTS="--strip-debug --no-man-pages --no-header-files"
if [ "$FEATURE" -ge 25 ]; then
  MODULE_PATH=""   # Java 24+ links from the run-time image itself (JEP 493) when there are no jmods
  [ ! -d "$JDK/jmods" ] || MODULE_PATH="--module-path $JDK/jmods"
  CACHE_KIND="AOT cache"
else
  [ -d "$JDK/jmods" ] || die "$JDK has no jmods (Debian: apt-get install openjdk-$FEATURE-jmods)"
  MODULE_PATH="--module-path $JDK/jmods"
  JLINK_OPTS="$JLINK_OPTS --generate-cds-archive"   # AppCDS (a dynamic archive) sits on the runtime's base archive
  CACHE_KIND="AppCDS archive"
fi
RUNTIME=$WORK/runtime-$(echo "$JDK $RELEASE $MODULES $JLINK_OPTS" | sha256sum | cut -c1-16)
if [ ! -d "$RUNTIME" ]; then
  rm -rf "$RUNTIME.tmp" "$WORK"/runtime-*
  # shellcheck disable=SC2086
  "$JDK/bin/jlink" $MODULE_PATH --add-modules "$MODULES" $JLINK_OPTS --output "$RUNTIME.tmp" \
    || die "jlink failed"
  mv "$RUNTIME.tmp" "$RUNTIME"
fi

# --- the payload tree
P=$WORK/payload
rm -rf "$P"
cp -a "$RUNTIME" "$P"
mkdir -p "$P/app"
# The app as one jar (Quarkus's uber-jar): a resource lookup the class loader cannot answer from the cache opens every
# jar on the class path, and the aot-jar's 187 jars cost ~60 ms on every start. On the way (src/exe/ExeAppJar.java,
# with the ASM among the app's own classes): pre-Java-6 class files (picocli's 170, built for Java 5, which the cache
# cannot hold) become Java 8 class files, each verified before the build goes on; application.properties moves into
# a small jar of its own, because SmallRye Config opens the jar holding it as a zip file system.
"$JDK/bin/java" -cp "$UBER" "$SRC/ExeAppJar.java" "$UBER" "$P/app/infometis.jar" "$P/app/infometis-config.jar" >/dev/null \
  || die "making the executable's app jar from $(basename "$UBER") failed"
touch -r "$UBER" "$P/app/infometis.jar" "$P/app/infometis-config.jar"
# The serial GC (a small heap, one mutator that matters) and no hsperfdata file in /tmp, for every run. The JIT
# depends on how long the run lasts (the launcher's [short] lines below): a command that ends within a second
# (version, a dry run, bundle verify) stops at C1, which compiles fastest; install, upgrade and rollback get the full
# tiered JIT, because they hash every byte of a bundle and only C2 has the SHA-256 intrinsic (SHA-NI/AVX2): the
# images phase took 1.6 s of JVM CPU under C1 and 0.7 s under C2 for 10 x 20 MiB (bench/images-phase.sh EXE=1).
# Full tiered for a dry run was measured too: 0.71 s -> 0.82 s, so C1 stays there. The caches are trained as [short].
# Not -XX:+UseTransparentHugePages, though it made version ~30 ms faster (docs/executable.md): the ISO's boots were
# only checked for the JVM's stability under qemu without it, and a faster start is not worth an unchecked flag.
FLAGS=(-XX:+UseSerialGC -XX:-UsePerfData)
SHORT_FLAGS=(-XX:TieredStopAtLevel=1)
# Java 25's AOT cache also stores machine code (adapters, stubs) generated for the build host's CPU, and the JVM does
# not check it against the CPU it runs on: a cache trained on an AVX-512 host died with SIGILL in an AdapterBlob on
# qemu's CPU. Only classes, linkage and profiles go into the cache; the code is generated where it runs.
[ "$FEATURE" -lt 25 ] || FLAGS+=(-XX:+UnlockDiagnosticVMOptions -XX:-AOTAdapterCaching -XX:-AOTStubCaching)
if [ "$FEATURE" -ge 25 ]; then
  EXT=aot CACHE_OPT=-XX:AOTCacheOutput= USE_OPT=-XX:AOTCache=
else
  EXT=jsa CACHE_OPT=-XX:ArchiveClassesAtExit= USE_OPT=-XX:SharedArchiveFile=
fi
RUNTIME_DESC="${VENDOR:-Java} ${RELEASE} (jlink'd: $(echo "$MODULES" | tr ',' '\n' | wc -l) modules), $CACHE_KIND"

# --- training, one cache per kind of run: on Java 25 every class in an AOT cache is loaded at start, so `install`'s
# classes would slow `version` down. `install`: a dry run (run from the repository, so the default spec is found);
# every other command: `version` (Quarkus's own start-up, which they all share). Any failure stops the build.
REPO=$(cd "$APP/../.." && pwd)
TROOT=$WORK/train-root
train() {   # NAME ARGS...
  local name=$1; shift
  (cd "$REPO" && "$P/bin/java" "${FLAGS[@]}" "${SHORT_FLAGS[@]}" "$CACHE_OPT$P/$name.$EXT" -Dinfometis.runtime="$RUNTIME_DESC" \
     -jar "$P/app/infometis.jar" "$@") > "$WORK/train-$name.log" 2>&1 \
    || { tail -20 "$WORK/train-$name.log" >&2; die "the training run for $name failed (log: $WORK/train-$name.log)"; }
  if grep -q 'NoClassDefFoundError\|ClassNotFoundException' "$WORK/train-$name.log"; then
    grep -m3 'NoClassDefFoundError\|ClassNotFoundException' "$WORK/train-$name.log" >&2
    die "the runtime lacks a module the app needs: add it to MODULES in $0"
  fi
  [ -s "$P/$name.$EXT" ] || die "the training run made no $name.$EXT (log: $WORK/train-$name.log)"
  local old; old=$(grep -c 'Old class has been linked' "$WORK/train-$name.log" || true)
  [ "$old" = 0 ] || echo "build-exe: WARNING: $old classes of the $name run are pre-Java-6 class files the $CACHE_KIND cannot hold (see $WORK/train-$name.log); rewrite their jar as picocli's is above" >&2
}
rm -rf "$TROOT"; mkdir -p "$TROOT"
train install install --dry-run --root "$TROOT" --linger 0s --api-port 0
train cli version
rm -rf "$TROOT"

# One JVM argument a line; the launcher puts the unpacked directory for @DIR@ and its own path for @SELF@.
{
  printf '%s\n' "${FLAGS[@]}"
  printf '[short] %s\n' "${SHORT_FLAGS[@]}"
  echo "[install] $USE_OPT@DIR@/install.$EXT"
  echo "[!install] $USE_OPT@DIR@/cli.$EXT"
  # A short-lived command's heap starts small and grows on demand: less memory touched (without huge pages a 32 MiB
  # start was no faster).
  echo "[!install] -Xms8m"
  echo "-Dinfometis.runtime=$RUNTIME_DESC"
  echo "-Dinfometis.executable=@SELF@"
} > "$P/launch.args"

# --- the payload: names sorted, owners zeroed; modification times kept (the cache checks the jars' times)
(cd "$P" && tar --format=ustar --sort=name --owner=0 --group=0 --numeric-owner -h --hard-dereference -cf - .) | gzip -4n > "$WORK/payload.tar.gz"
DIGEST=$(sha256sum "$WORK/payload.tar.gz" | cut -c1-64)
OFFSET=$(stat -c %s "$WORK/launcher")
LENGTH=$(stat -c %s "$WORK/payload.tar.gz")
{
  cat "$WORK/launcher" "$WORK/payload.tar.gz"
  printf 'INFOMETIS-EXE-1\0%020d%020d%s        ' "$OFFSET" "$LENGTH" "$DIGEST"
} > "$OUT_ABS.tmp"
chmod 0755 "$OUT_ABS.tmp"
mv "$OUT_ABS.tmp" "$OUT_ABS"
echo "build-exe: $OUT ($(( $(stat -c %s "$OUT_ABS") / 1048576 )) MiB; $RUNTIME_DESC; payload sha256 ${DIGEST:0:12}…; $(( $(date +%s) - t0 )) s)"
