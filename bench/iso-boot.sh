#!/bin/bash
# Benchmark of the installer ISO: ISO size minus bundle size, and the time from qemu start to the first answer of
# the progress API under TCG with 2 vCPUs (BIOS and UEFI). Targets: <= 120 MB and < 20 s.
#   bench/iso-boot.sh [ISO BUNDLE]    without arguments it builds one with the tests' tiny bundle (TestBundles.tiny:
#   `iso build` verifies its bundle, so random bytes no longer do) via `infometis iso build`
# Needs target/infometis (./mvnw -B -DskipTests package): the ISO carries it. Never uses KVM (it hangs guests here).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out; mkdir -p "$OUT"
ISO=${1:-} BUNDLE=${2:-}
if [ -z "$ISO" ]; then
  ISO=$OUT/bench.iso
  if [ ! -d "$OUT/tiny-bundle" ]; then
    . bench/lib/common.sh
    build_classpath
    java -cp "$CP" io.infometis.installer.testing.TinyBundleMain "$OUT/tiny-bundle" > /dev/null
  fi
  BUNDLE=$(ls "$OUT"/tiny-bundle/*.tar)
  S=$(date +%s.%N)
  [ -x target/infometis ] || { echo "iso-boot: no target/infometis: run ./mvnw -B -DskipTests package" >&2; exit 1; }
  target/infometis iso build --bundle "$BUNDLE" --out "$ISO" --work-dir "$OUT/work" >/dev/null
  echo "iso build (kernel download cached): $(echo "$(date +%s.%N) - $S" | bc | xargs printf '%.1f') s"
fi
echo "host load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (TCG timings scale with it)"
iso_b=$(stat -c %s "$ISO"); bundle_b=$(stat -c %s "$BUNDLE")
echo "ISO size minus bundle size: $(( (iso_b - bundle_b) / 1048576 )) MiB (ISO $(( iso_b / 1048576 )) MiB, bundle $(( bundle_b / 1048576 )) MiB; target <= 120 MB)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
boot() {   # $1 = bios|uefi
  local port log fw=() start end
  port=$(free_port); log=$OUT/serial-$1.log; rm -f "$log"
  if [ "$1" = uefi ]; then
    cp /usr/share/OVMF/OVMF_VARS.fd "$OUT/vars.fd"
    fw=(-drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd -drive if=pflash,format=raw,file="$OUT/vars.fd")
  fi
  start=$(date +%s.%N)
  qemu-system-x86_64 -accel tcg -m 2048 -smp 2 -display none -monitor none -serial "file:$log" "${fw[@]}" \
    -cdrom "$ISO" -boot d -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:9090" -device e1000,netdev=n0 -no-reboot < /dev/null > "$OUT/qemu-$1.log" 2>&1 &
  local qpid=$! ok="" marks m
  local -a names=("grub:Booting \`" "init:infometis-iso: booted" "installer:starting unattended install" "quarkus:progress API:")
  # Serial markers are timed by their own watcher: a curl to a guest whose network is not up yet can block for its
  # whole timeout, which would blur them by seconds.
  : > "$OUT/marks-$1"
  (
    for m in "${names[@]}"; do
      until grep -a -q -- "${m#*:}" "$log" 2>/dev/null; do
        kill -0 "$qpid" 2>/dev/null || exit 0   # qemu is gone: the boot is over
        sleep 0.05
      done
      echo "${m%%:*}=$(printf %.1f "$(echo "$(date +%s.%N) - $start" | bc)")" >> "$OUT/marks-$1"
    done
  ) &
  local watcher=$!
  end=$(( $(date +%s) + ${BOOT_CAP:-300} ))
  while [ "$(date +%s)" -lt $end ]; do
    # Liveness answers without the token (the API needs the one the installer prints on the serial line).
    if curl -sf -m 3 -o /dev/null "http://127.0.0.1:$port/q/health/live"; then ok=1; break; fi
    sleep 0.1
  done
  local t; t=$(echo "$(date +%s.%N) - $start" | bc)
  kill $qpid; wait $qpid 2>/dev/null || true
  wait $watcher 2>/dev/null || true
  marks=$(tr '\n' ' ' < "$OUT/marks-$1")
  if [ -n "$ok" ]; then
    printf '%s: first progress-API answer %.1f s after qemu start (target < 20 s); serial markers (s): %s\n' "$1" "$t" "$marks"
  else
    echo "$1: no progress-API answer within ${BOOT_CAP:-300} s (serial log: $log)"
  fi
}
for b in ${BOOTS:-bios uefi}; do boot "$b"; done
