#!/usr/bin/env bash
# Should the bundle tar be compressed? Builds a bundle-like tar from real gzip'd "layers" (tar.gz of a JDK, as
# image layers are) and measures size and read+sha256 time for: plain tar, gzip -6, zstd -3, zstd -19.
# Usage: bench/compression.sh [SOURCE_DIR]   (default /usr/lib/jvm/java-17-openjdk-amd64)
set -euo pipefail
SRC=${1:-/usr/lib/jvm/java-17-openjdk-amd64}
W=$(mktemp -d /tmp/bench-compress-XXXX); trap 'rm -rf "$W"' EXIT
mkdir -p "$W/b/images/blobs/sha256"
# Layers: one gzip'd tar per top-level folder of SRC, like image layers.
for d in "$SRC"/*/; do
  tar -C "$d" -cf - . | gzip -6 > "$W/layer"; h=$(sha256sum "$W/layer" | cut -d' ' -f1); mv "$W/layer" "$W/b/images/blobs/sha256/$h"
done
tar -C "$W/b" -cf "$W/bundle.tar" .
raw=$(stat -c %s "$W/bundle.tar")
t() { local s=$(date +%s.%N); "$@" >/dev/null; echo "$(date +%s.%N) - $s" | bc; }
printf '%-10s %12s %8s %12s %12s\n' format bytes ratio pack_s read+sha256_s
sync; cat "$W/bundle.tar" > /dev/null
printf '%-10s %12d %8s %12s %12.2f\n' tar "$raw" 1.000 - "$(t sha256sum "$W/bundle.tar")"
for c in "gzip -6" "zstd -3 -q" "zstd -19 -q -T1"; do
  name=$(echo "$c" | awk '{print $1 $2}')
  s=$(date +%s.%N); $c -c "$W/bundle.tar" > "$W/bundle.c"; p=$(echo "$(date +%s.%N) - $s" | bc)
  sz=$(stat -c %s "$W/bundle.c")
  dec=$(echo "$c" | awk '{print $1}')
  s=$(date +%s.%N); $dec -dc "$W/bundle.c" | sha256sum > /dev/null; r=$(echo "$(date +%s.%N) - $s" | bc)
  printf '%-10s %12d %8.3f %12.2f %12.2f\n' "$name" "$sz" "$(echo "$sz / $raw" | bc -l)" "$p" "$r"
done
