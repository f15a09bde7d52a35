# Sourced by the benchmarks that run test classes against private containerd instances (images-phase.sh, upgrade.sh).
# Run from the repository root. Defines die, build_classpath (sets CP) and start_containerd (appends to PIDS).

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

# Online (Maven Central): on a fresh machine the dependency plugin is not in the local repository yet, and an
# offline run failed there with its error hidden.
build_classpath() {
  ./mvnw -B -q -DskipTests test-compile > target/bench-build.log 2>&1 || { cat target/bench-build.log >&2; die "test-compile failed"; }
  if [ ! -s target/bench-cp.txt ]; then
    ./mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-cp.txt > target/bench-build.log 2>&1 \
      || { rm -f target/bench-cp.txt; cat target/bench-build.log >&2; die "dependency:build-classpath failed"; }
  fi
  CP=target/classes:target/test-classes:$(cat target/bench-cp.txt)
}

PIDS=()
# A containerd of its own under $1 (no CRI plugin), its socket $1/c.sock; returns once it answers.
start_containerd() {
  local D=$1; mkdir -p "$D/root" "$D/state"
  cat > "$D/config.toml" <<TOML
version = 2
root = "$D/root"
state = "$D/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$D/c.sock"
[ttrpc]
  address = "$D/c.sock.ttrpc"
[metrics]
  address = ""
TOML
  containerd --config "$D/config.toml" > "$D/log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 200); do ctr -a "$D/c.sock" version >/dev/null 2>&1 && break; sleep 0.05; done
}

stop_containerds() { kill -TERM "${PIDS[@]}" 2>/dev/null || true; wait "${PIDS[@]}" 2>/dev/null || true; PIDS=(); }
