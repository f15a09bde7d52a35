#!/bin/bash
# exe-startup.sh: target/infometis against `java -jar target/quarkus-app/quarkus-run.jar`, in the same run, runs
# interleaved (the box is shared: load shifts hurt both sides alike). Prints medians of wall time, CPU time (user+sys)
# and peak RSS, and the ratios exe/jar. Targets: version <= 0.35x, install --dry-run to exit <= 0.4x, RSS <= the jar's.
# Also the first run's one-time unpack. Usage: bench/exe-startup.sh [RUNS=7]   (from anywhere; needs /usr/bin/time)
set -euo pipefail
RUNS=${1:-7}
cd "$(dirname "$0")/.."
die() { echo "exe-startup: $*" >&2; exit 1; }
[ -x target/infometis ] || die "no target/infometis: run ./mvnw -B -DskipTests package first"
[ -f target/quarkus-app/quarkus-run.jar ] || die "no target/quarkus-app: run ./mvnw -B -DskipTests package first"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time)"
(( RUNS >= 5 )) || die "use at least 5 runs"
JAVA=${JAVA:-java}
W=$(mktemp -d /tmp/exe-startup.XXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/root"

# One-time cost: the first run on a machine unpacks the payload.
/usr/bin/time -f "%e %U %S %M" -o "$W/first" env INFOMETIS_RUNTIME_DIR="$W/rt" target/infometis version > /dev/null
export INFOMETIS_RUNTIME_DIR=$W/rt
echo "runtime: $(target/infometis version | sed -n 's/^runtime: //p')"
echo "jar:     $("$JAVA" -version 2>&1 | head -1)"
echo "first run (unpack $(du -sm "$W/rt" | cut -f1) MiB + version): $(cut -d' ' -f1 "$W/first") s; executable $(( $(stat -c %s target/infometis) / 1048576 )) MiB"
echo "$(nproc) CPUs, load at start $(cut -d' ' -f1 /proc/loadavg), $RUNS runs each"

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
measure() { # NAME TARGET ARGS... : jar and exe alternately, RUNS times each
  local name=$1 target=$2; shift 2
  : > "$W/jar.$name"; : > "$W/exe.$name"
  for i in $(seq 1 "$RUNS"); do
    for side in $( ((i % 2)) && echo "jar exe" || echo "exe jar"); do
      if [ "$side" = jar ]; then
        /usr/bin/time -f "%e %U %S %M" -o "$W/t" "$JAVA" -jar target/quarkus-app/quarkus-run.jar "$@" > "$W/out" 2>&1 \
          || { cat "$W/out" >&2; die "the jar failed: $*"; }
      else
        /usr/bin/time -f "%e %U %S %M" -o "$W/t" target/infometis "$@" > "$W/out" 2>&1 \
          || { cat "$W/out" >&2; die "the executable failed: $*"; }
      fi
      tail -1 "$W/t" >> "$W/$side.$name"
    done
  done
  local jw ew jc ec jr er
  jw=$(awk '{print $1}' "$W/jar.$name" | median); ew=$(awk '{print $1}' "$W/exe.$name" | median)
  jc=$(awk '{print $2 + $3}' "$W/jar.$name" | median); ec=$(awk '{print $2 + $3}' "$W/exe.$name" | median)
  jr=$(awk '{print $4 / 1024}' "$W/jar.$name" | median); er=$(awk '{print $4 / 1024}' "$W/exe.$name" | median)
  printf '%-28s wall %5.2f s vs %5.2f s = %.2fx (target <= %s) | CPU %5.2f s vs %5.2f s = %.2fx | peak RSS %4.0f MiB vs %4.0f MiB = %.2fx (target <= 1)\n' \
    "$name" "$ew" "$jw" "$(awk -v a="$ew" -v b="$jw" 'BEGIN{print a/b}')" "$target" \
    "$ec" "$jc" "$(awk -v a="$ec" -v b="$jc" 'BEGIN{print a/b}')" \
    "$er" "$jr" "$(awk -v a="$er" -v b="$jr" 'BEGIN{print a/b}')"
}
echo "exe vs jar (medians):"
measure version 0.35 version
measure "install --dry-run" 0.4 install --dry-run --root "$W/root" --linger 0s --api-port 0
echo "load at end $(cut -d' ' -f1 /proc/loadavg)"
