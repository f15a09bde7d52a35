#!/bin/bash
# Images phase vs a raw `ctr images import` of the same archive, each into a fresh private containerd, in one run;
# then a rerun with every image present. Prints figures; targets: phase <= 1.10 x raw, rerun <= 1 s for >= 10 images.
# Usage: [EXE=1] [JVM=install|cold] [REHASH=1] bench/images-phase.sh [COUNT=10] [MIB_PER_IMAGE=20] [ROUNDS=3]
#   as root; EXE=1: the executable's JVM and flags. JVM=install (the default): before the timed phase the JVM verifies
#   and unpacks a bundle file of the same images, as install does before this phase on a first install, and the phase
#   imports from that unpacked copy. JVM=cold: the phase is the first thing the JVM does (the figures before 2026-12).
#   REHASH=1 (with JVM=install): each round also runs the phase on that copy taken for an earlier run's, which hashes
#   the layers again as they stream (a resumed install; every first install before 2026-12-02), in the same rounds.
set -euo pipefail
COUNT=${1:-10}; MIB=${2:-20}; ROUNDS=${3:-3}
cd "$(dirname "$0")/.."
. bench/lib/common.sh
[ "$(id -u)" = 0 ] || die "run as root (it starts private containerd instances)"
for tool in containerd ctr; do command -v "$tool" >/dev/null || die "$tool is missing: bash .ci/deps.sh"; done
build_classpath
# The JVM that runs the phase: EXE=1 uses the executable's own runtime and flags (target/infometis: jlink'd, full tiered as install runs,
# serial GC), so the figure says what the shipped runtime does to the phase; else `java` on PATH.
JAVA=(java)
if [ "${EXE:-0}" = 1 ]; then
  [ -x target/infometis ] || die "no target/infometis: ./mvnw -B -DskipTests package"
  target/infometis version > /dev/null || die "target/infometis does not run"
  RT=${INFOMETIS_RUNTIME_DIR:-/var/lib/infometis/runtime}/$(tail -c 128 target/infometis | cut -c57-120)
  JAVA=("$RT/bin/java" $(grep -v '^\[' "$RT/launch.args" | grep '^-XX:'))
fi
MODE=${JVM:-install}
case "$MODE" in install) PHASE_ARGS=(as-install) ;; cold) PHASE_ARGS=() ;; *) die "JVM=$MODE: use install or cold" ;; esac
echo "JVM ($MODE): ${JAVA[*]} ($("${JAVA[0]}" -version 2>&1 | head -1))"
W=$(mktemp -d /tmp/imgbench.XXXX)
cleanup() { stop_containerds; rm -rf "$W"; }
trap cleanup EXIT

now() { date +%s%N; }

"${JAVA[@]}" -cp "$CP" io.infometis.installer.testing.ImagesBench layout "$W" "$COUNT" $((MIB * 1024 * 1024))
tar -C "$W/bundle/images" -cf "$W/archive.tar" .
SIZE=$(du -m "$W/archive.tar" | cut -f1)
echo "images: $COUNT x ${MIB} MiB random layer, archive ${SIZE} MiB, $(nproc) CPUs, containerd $(containerd --version | awk '{print $3}')"

RATIOS=(); RERUNS=(); REHASHED=()
[ "${REHASH:-0}" = 1 ] && [ "$MODE" != install ] && die "REHASH=1 needs JVM=install"
raw_import() { # $1 = round
  start_containerd "$W/raw$1"; sync; local t0; t0=$(now)
  ctr -a "$W/raw$1/c.sock" -n k8s.io images import "$W/archive.tar" > /dev/null
  raw_ms=$(( ($(now) - t0) / 1000000 ))
}
phase_import() { # $1 = round
  start_containerd "$W/ph$1"; sync
  out=$("${JAVA[@]}" -cp "$CP" io.infometis.installer.testing.ImagesBench phase "$W/ph$1" "$W/ph$1/c.sock" "$W" "${PHASE_ARGS[@]}")
  phase_ms=$(sed -E 's/.*images_phase_ms=([0-9]+).*/\1/' <<<"$out")
}
rehashed_import() { # $1 = round
  start_containerd "$W/rh$1"; sync
  rh_out=$("${JAVA[@]}" -cp "$CP" io.infometis.installer.testing.ImagesBench phase "$W/rh$1" "$W/rh$1/c.sock" "$W" as-resumed)
  rh_ms=$(sed -E 's/.*images_phase_ms=([0-9]+).*/\1/' <<<"$rh_out")
}
# Rounds rotate which import runs first: the box is shared and disk-bound, so order would bias one side.
for r in $(seq 1 "$ROUNDS"); do
  if [ "${REHASH:-0}" = 1 ]; then
    case $(( r % 3 )) in
      1) raw_import "$r"; phase_import "$r"; rehashed_import "$r" ;;
      2) phase_import "$r"; rehashed_import "$r"; raw_import "$r" ;;
      0) rehashed_import "$r"; raw_import "$r"; phase_import "$r" ;;
    esac
  elif (( r % 2 )); then raw_import "$r"; phase_import "$r"; else phase_import "$r"; raw_import "$r"; fi
  rerun=$("${JAVA[@]}" -cp "$CP" io.infometis.installer.testing.ImagesBench phase "$W/ph$r" "$W/ph$r/c.sock" "$W" "${PHASE_ARGS[@]}")
  rerun_ms=$(sed -E 's/.*images_phase_ms=([0-9]+).*/\1/' <<<"$rerun")
  ratio=$(awk -v a="$phase_ms" -v b="$raw_ms" 'BEGIN{printf "%.2f", a/b}')
  RATIOS+=("$ratio"); RERUNS+=("$rerun_ms")
  rehashed=""
  if [ "${REHASH:-0}" = 1 ]; then
    rh_ratio=$(awk -v a="$rh_ms" -v b="$raw_ms" 'BEGIN{printf "%.2f", a/b}'); REHASHED+=("$rh_ratio")
    rehashed=" | hashing again ${rh_ms} ms (${rh_out#*engine_ms=}), ratio ${rh_ratio}"
  fi
  echo "round $r: raw ctr import ${raw_ms} ms | images phase ${phase_ms} ms (${out#*engine_ms=}) | ratio ${ratio}${rehashed} | rerun ${rerun_ms} ms (${rerun#*imported=}) | load $(cut -d' ' -f1 /proc/loadavg)"
  stop_containerds
  rm -rf "$W/raw$r" "$W/ph$r" "$W/rh$r"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "median ratio images phase / raw ctr import: $(median "${RATIOS[@]}") (target <= 1.10)"
[ "${REHASH:-0}" = 1 ] && echo "median ratio, layers hashed again (a resumed install) / raw ctr import: $(median "${REHASHED[@]}")"
echo "median rerun with all $COUNT images present: $(median "${RERUNS[@]}") ms (target <= 1000 ms)"
