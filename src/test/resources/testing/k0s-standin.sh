#!/bin/bash
# k0s stand-in for tests (src/test only, never shipped). Honours the part of k0s's CLI the installer uses, keeps its
# state under the install root the way k0s would, and records every call (one line of arguments) for assertions.
# The test that writes it replaces the @...@ values.
ROOT='@ROOT@'
CTR_SOCKET='@CTR_SOCKET@'
KUBECONFIG_FILE='@KUBECONFIG@'
CALLS='@CALLS@'
VERSION='@VERSION@'
START_DELAY='@START_DELAY@'
UNIT="$ROOT/etc/systemd/system/k0scontroller.service"
SOCK="$ROOT/run/k0s/status.sock"
CTRD="$ROOT/run/k0s/containerd.sock"   # marker: k0s's containerd is up (the real one is a socket k0s starts)

echo "$*" >> "$CALLS"
case "$1" in
  version)
    echo "$VERSION" ;;
  install)
    [ "$2" = controller ] || { echo "stand-in: only 'install controller'" >&2; exit 2; }
    mkdir -p "$(dirname "$UNIT")"
    echo "ExecStart=/usr/local/bin/k0s controller ${*:3}" > "$UNIT" ;;
  start)
    [ -f "$UNIT" ] || { echo "Error: k0s service not installed; run 'k0s install controller' first" >&2; exit 1; }
    mkdir -p "$ROOT/run/k0s" "$ROOT/var/lib/k0s/pki"
    install -m 0600 "$KUBECONFIG_FILE" "$ROOT/var/lib/k0s/pki/admin.conf"
    echo "$VERSION" > "$ROOT/run/k0s/standin-running-version"   # status reports what runs, not what is installed
    # k0s creates its status socket a moment after the service starts; the installer must wait for it.
    # So does its containerd, which it runs as a child: 'k0s ctr' fails until then.
    if [ "$START_DELAY" = 0 ]; then : > "$SOCK"; : > "$CTRD"; else (sleep "$START_DELAY"; : > "$SOCK"; : > "$CTRD") >/dev/null 2>&1 & fi ;;
  stop)
    rm -f "$SOCK" "$CTRD" ;;
  status)
    [ -e "$SOCK" ] || { echo "Error: status: can't get \"status\" via \"$SOCK\": dial unix $SOCK: connect: no such file or directory" >&2; exit 1; }
    RUNNING=$(cat "$ROOT/run/k0s/standin-running-version" 2>/dev/null || echo "$VERSION")
    if [ "$2" = "-o" ] && [ "$3" = json ]; then
      printf '{"Version":"%s","Pid":%d,"PPid":1,"Role":"controller","SysInit":"linux-standin","StubFile":"%s","Output":"","Workloads":true,"SingleNode":false,"Args":["/usr/local/bin/k0s","controller","--enable-worker","--no-taints"],"WorkerToAPIConnectionStatus":{"Message":"","Success":true},"ClusterConfig":null,"K0sVars":{"DataDir":"/var/lib/k0s"}}\n' "$RUNNING" "$$" "$UNIT"
    else
      printf 'Version: %s\nProcess ID: %d\nRole: controller\nWorkloads: true\nSingleNode: false\n' "$RUNNING" "$$"
    fi ;;
  kubeconfig)
    [ "$2" = admin ] || exit 2
    cat "$KUBECONFIG_FILE" ;;
  ctr)
    shift
    # k0s ctr dials k0s's containerd socket; before k0s has started containerd, ctr cannot connect.
    [ -e "$CTRD" ] || { echo "ctr: failed to dial \"/run/k0s/containerd.sock\": context deadline exceeded: connection error: desc = \"transport: error while dialing: dial unix /run/k0s/containerd.sock: connect: no such file or directory\"" >&2; exit 1; }
    # Test gates (ImagesPhaseKillTest; unset everywhere else). With STANDIN_GATE=DIR the image import is held at a
    # point the test chooses: DIR/held appears there, and it goes on once DIR/open exists.
    #   STANDIN_GATE_BYTES=N   after N bytes of the archive have reached ctr (a kill then cuts the stream);
    #   STANDIN_GATE_IMAGES=N  after ctr's Nth "unpacking ... done" line has reached the installer.
    if [ -n "${STANDIN_GATE:-}" ] && [ "$3 $4" = "images import" ]; then
      hold() { : > "$STANDIN_GATE/held"; while [ ! -e "$STANDIN_GATE/open" ]; do sleep 0.05; done; }
      if [ -n "${STANDIN_GATE_BYTES:-}" ]; then
        { head -c "$STANDIN_GATE_BYTES"; hold; cat; } | ctr -a "$CTR_SOCKET" "$@"
        exit "${PIPESTATUS[1]}"
      fi
      ctr -a "$CTR_SOCKET" "$@" | { n=0; while IFS= read -r line; do printf '%s\n' "$line"
        case "$line" in *...done) n=$((n + 1)); [ "$n" = "${STANDIN_GATE_IMAGES:-0}" ] && hold ;; esac; done; }
      exit "${PIPESTATUS[0]}"
    fi
    exec ctr -a "$CTR_SOCKET" "$@" ;;
  reset)
    [ -e "$SOCK" ] && { echo "Error: k0s is running; stop it first ('k0s stop')" >&2; exit 1; }
    rm -rf "$ROOT/var/lib/k0s" "$ROOT/run/k0s" "$UNIT" ;;
  *)
    echo "stand-in: unsupported: $*" >&2; exit 2 ;;
esac
