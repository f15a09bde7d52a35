#!/usr/bin/env bash
# Bundle benchmarks (figures, not pass/fail), against a private docker-registry on a free port:
#   1. bundle build vs `skopeo copy` of the same images from the same registry (target: build <= 1.2x), whole
#      process and in-process, wall and CPU time: the machine is shared, so CPU time is the steadier figure
#   2. bundle verify vs sha256sum of the same ~1 GB file               (target: verify >= 0.8x throughput)
#   3. bundle size vs the sum of the unique blobs                       (target: <= 1 % over)
# Images: 4, each = one 256 MiB base layer shared by all + one own 192 MiB layer (random bytes), so the
# unique blobs are ~1 GiB and the images sum to ~1.8 GiB.
# Usage: [ROUNDS=5] [JAR=...] bench/bundle-bench.sh   (builds the jar first if missing; needs docker-registry,
#        skopeo, python3, /usr/bin/time)
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=${JAR:-target/quarkus-app/quarkus-run.jar}
[ -f "$JAR" ] || ./mvnw -B -q -o -DskipTests package
W=$(mktemp -d /tmp/bundle-bench-XXXX)
REG_PID=""
# (set -e must not cut the trap short: wait returns 143 for the killed registry, and the work dir holds GBs)
cleanup() { if [ -n "$REG_PID" ]; then kill "$REG_PID" 2>/dev/null || true; wait "$REG_PID" 2>/dev/null || true; fi; rm -rf "$W"; }
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
R=127.0.0.1:$PORT
cat > "$W/reg.yml" <<EOC
version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $W/reg}}
http: {addr: $R}
EOC
docker-registry serve "$W/reg.yml" > "$W/reg.log" 2>&1 & REG_PID=$!
for i in $(seq 1 200); do curl -sf "http://$R/v2/" >/dev/null && break; sleep 0.05; done

echo "== making 4 images in an OCI layout and pushing them to $R"
python3 - "$W/layout" <<'EOP'
import hashlib, json, os, sys
d = sys.argv[1]; os.makedirs(d + "/blobs/sha256")
def blob(data):
    h = hashlib.sha256(data).hexdigest(); open(f"{d}/blobs/sha256/{h}", "wb").write(data); return "sha256:" + h, len(data)
base = blob(os.urandom(256 << 20))
manifests = []
for n in range(4):
    own = blob(os.urandom(192 << 20))
    cfg = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [base[0], own[0]]}}).encode()
    c = blob(cfg)
    m = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": c[0], "size": c[1]},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": x[0], "size": x[1]} for x in (base, own)]}).encode()
    md = blob(m)
    manifests.append({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md[0], "size": md[1],
        "annotations": {"org.opencontainers.image.ref.name": f"img{n}"}})
open(d + "/index.json", "w").write(json.dumps({"schemaVersion": 2, "manifests": manifests}))
open(d + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
EOP
for n in 0 1 2 3; do skopeo copy -q --dest-tls-verify=false "oci:$W/layout:img$n" "docker://$R/bench/img$n:1"; done
rm -rf "$W/layout"

mkdir -p "$W/spec/manifests/10-demo"
echo "kind: ConfigMap" > "$W/spec/manifests/10-demo/cm.yaml"
# A k0s stand-in: its version, and img0 as "its own image" (bundle build asks k0s for them: docs/k0s.md).
printf '#!/bin/sh\nif [ "$1 $2" = "airgap list-images" ]; then echo %s/bench/img0:1; else echo v1.33.4+k0s.0; fi\n' "$R" > "$W/spec/k0s"
chmod +x "$W/spec/k0s"
cat > "$W/spec/bundle.yaml" <<EOS
name: bench
version: 0.0.1
k0s: {version: v1.33.4+k0s.0, source: k0s, sha256: $(sha256sum "$W/spec/k0s" | cut -d' ' -f1)}
images: [$R/bench/img1:1, $R/bench/img2:1, $R/bench/img3:1]
manifests: manifests/
EOS

now() { date +%s.%N; }
min() { printf '%s\n' "$@" | sort -g | head -1; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# Runs a command, appends its wall time to the array named $1 and its CPU time (user+sys) to the array named $2.
timed() {
  local -n wall=$1 cpu=$2; shift 2
  local s; s=$(now)
  /usr/bin/time -f '%U %S' -o "$W/time" bash -c '"$@"' _ "$@"
  wall+=("$(echo "$(now) - $s" | bc)"); cpu+=("$(awk '{print $1 + $2}' "$W/time")")
}
skopeo_copy() { for n in 0 1 2 3; do skopeo copy -q --src-tls-verify=false "docker://$R/bench/img$n:1" "oci:$W/skopeo:$R/bench/img$n:1"; done; }
build() { java -jar "$JAR" bundle build --spec "$W/spec/bundle.yaml" --out "$1" --insecure-registry "$R" --cache-dir "$W/cache"; }
export -f skopeo_copy build; export W R JAR
ROUNDS=${ROUNDS:-5}
echo "== 1. build vs skopeo copy (same 4 images, same registry, both from empty caches into fresh files): $ROUNDS rounds,"
echo "     the order alternating each round (load: $(cut -d' ' -f1-3 /proc/loadavg))"
B=(); BC=(); BI=(); S=(); SC=(); RB=(); RBC=(); J=(); JC=()
for r in $(seq 1 "$ROUNDS"); do
  rm -rf "$W/cache" "$W/skopeo" "$W/bundle.tar"
  if (( r % 2 )); then
    timed B BC build "$W/bundle.tar" > "$W/build.log"; timed S SC skopeo_copy
  else
    timed S SC skopeo_copy; timed B BC build "$W/bundle.tar" > "$W/build.log"
  fi
  BI+=("$(sed -n 's/.* in \([0-9.]*\) s$/\1/p' "$W/build.log" | tail -1)")
  timed RB RBC build "$W/bundle2.tar" > /dev/null; rm -f "$W/bundle2.tar"
  timed J JC java -jar "$JAR" version > /dev/null
  echo "  round $r: build ${B[-1]} s (in-process ${BI[-1]} s; CPU ${BC[-1]} s), skopeo copy ${S[-1]} s (CPU ${SC[-1]} s)," \
    "rebuild from warm cache ${RB[-1]} s, 'version' (JVM + Quarkus start) ${J[-1]} s"
done
tail -1 "$W/build.log"
for f in min median; do
  build=$($f "${B[@]}"); skopeo_s=$($f "${S[@]}")
  printf '%-6s: bundle build %.2f s whole process (in-process %.2f s, CPU %.2f s)   skopeo copy %.2f s (CPU %.2f s)   ratio %.2fx (CPU %.2fx)\n' \
    "$f" "$build" "$($f "${BI[@]}")" "$($f "${BC[@]}")" "$skopeo_s" "$($f "${SC[@]}")" "$(echo "$build / $skopeo_s" | bc -l)" \
    "$(echo "$($f "${BC[@]}") / $($f "${SC[@]}")" | bc -l)"
done
printf 'rebuild from a warm cache: best %.2f s; JVM + Quarkus start (infometis version): best %.2f s\n' "$(min "${RB[@]}")" "$(min "${J[@]}")"

echo "== 2. verify vs sha256sum ($(du -m "$W/bundle.tar" | cut -f1) MB, page cache warm): $ROUNDS alternating rounds, best of each"
sha256sum "$W/bundle.tar" > /dev/null
H=(); V=()
for r in $(seq 1 "$ROUNDS"); do
  s=$(now); sha256sum "$W/bundle.tar" > /dev/null; H+=($(echo "$(now) - $s" | bc))
  s=$(now); java -jar "$JAR" bundle verify "$W/bundle.tar" > "$W/verify.log"; V+=($(echo "$(now) - $s" | bc))
  echo "  round $r: sha256sum ${H[-1]} s, verify ${V[-1]} s — $(sed 's/.*(\(.*\))/\1/' "$W/verify.log")"
done
sha=$(min "${H[@]}"); ver=$(min "${V[@]}")
printf 'best: sha256sum %.2f s   bundle verify (whole process, JVM start included) %.2f s   throughput ratio %.2fx\n' "$sha" "$ver" "$(echo "$sha / $ver" | bc -l)"

echo "== 3. size vs unique blobs"
java -jar "$JAR" bundle inspect "$W/bundle.tar" --output json > "$W/inspect.json"
python3 - "$W/inspect.json" "$(stat -c %s "$W/bundle.tar")" <<'EOP'
import json, sys
j = json.load(open(sys.argv[1])); size = int(sys.argv[2]); blobs = j["blobBytes"]
print(f"bundle {size} bytes, unique blobs {blobs} bytes, overhead {100.0 * (size - blobs) / blobs:.3f} %, "
      f"images sum {j['imageBytes']} bytes, dedup saved {j['dedupSavedBytes']} bytes")
EOP
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
