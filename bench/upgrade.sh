#!/bin/bash
# An upgrade that changes one image of COUNT: install a bundle of COUNT images (one random layer of MIB each, one
# Deployment per image) into a private containerd through the k0s stand-in and a mock API server, then upgrade to a
# bundle where image 0 and its Deployment changed. Prints the upgrade's wall time and the bytes it imported.
# Usage: bench/upgrade.sh [COUNT=10] [MIB_PER_IMAGE=20] [ROUNDS=3]    (run from the repo root)
set -euo pipefail
COUNT=${1:-10}; MIB=${2:-20}; ROUNDS=${3:-3}
cd "$(dirname "$0")/.."
. bench/lib/common.sh
[ "$(id -u)" = 0 ] || die "run as root (it starts private containerd instances)"
for tool in containerd ctr; do command -v "$tool" >/dev/null || die "$tool is missing: bash .ci/deps.sh"; done
build_classpath
W=$(mktemp -d /tmp/upgbench.XXXX)
# A copy of the classes: a build running beside the bench must not swap them under the JVM.
cp -r target/classes "$W/classes"; cp -r target/test-classes "$W/test-classes"
CP=$W/classes:$W/test-classes:$(cat target/bench-cp.txt)
cleanup() { stop_containerds; rm -rf "$W"; }
trap cleanup EXIT

echo "images: $COUNT x ${MIB} MiB random layer, $(nproc) CPUs, containerd $(containerd --version | awk '{print $3}')"
for r in $(seq 1 "$ROUNDS"); do
  D="$W/r$r"
  start_containerd "$D"
  out=$(java -cp "$CP" io.infometis.installer.upgrade.UpgradeBench "$D/work" "$D/c.sock" "$COUNT" $((MIB * 1024 * 1024)) | grep upgrade_ms)
  echo "round $r: $out | load $(cut -d' ' -f1 /proc/loadavg)"
  stop_containerds
  rm -rf "$D"
done
