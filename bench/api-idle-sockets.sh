#!/usr/bin/env bash
# Opens N idle sockets against a dry-run install's progress API (default cap 256, idle timeout 30 s) and prints
# how many the server kept, how many file descriptors the installer held, and whether a request with the token
# was still answered while they were open and after the idle timeout. Figures only; nothing is asserted.
#   bench/api-idle-sockets.sh [N=2000]
set -euo pipefail
N=${1:-2000}
JAR=${JAR:-target/quarkus-app/quarkus-run.jar}
ulimit -n $((N + 512)) 2>/dev/null || true
ROOT=$(mktemp -d)
OUT=$(mktemp)
TOKEN_FILE=$(mktemp)
head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' >"$TOKEN_FILE"
AUTH="Authorization: Bearer $(cat "$TOKEN_FILE")"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
java -jar "$JAR" install --dry-run --root "$ROOT" --api-port "$PORT" --api-bind 127.0.0.1 --linger 1h \
  --api-token-file "$TOKEN_FILE" >"$OUT" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$ROOT" "$OUT" "$TOKEN_FILE"' EXIT
for _ in $(seq 1 150); do
  curl -sf -H "$AUTH" "http://127.0.0.1:$PORT/api/v1/progress" >/dev/null && break
  sleep 0.2
done
echo "installer fds before: $(ls /proc/$PID/fd | wc -l)"
python3 - "$PORT" "$N" "$PID" "$AUTH" <<'PY'
import os, socket, subprocess, sys, time
port, n, pid, auth = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
socks = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    socks.append(s)
time.sleep(10)
closed = 0
for s in socks:
    s.setblocking(False)
    try:
        if s.recv(1) == b"":
            closed += 1
    except BlockingIOError:
        pass
    except ConnectionResetError:
        closed += 1
fds = len(os.listdir(f"/proc/{pid}/fd"))
def served():
    r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "5", "-H", auth,
                        f"http://127.0.0.1:{port}/api/v1/progress"], capture_output=True, text=True)
    return r.stdout
print(f"{n} idle sockets: {closed} closed by the server at once, {n - closed} kept; installer fds: {fds}")
print(f"a request while they are open: HTTP {served()}")
time.sleep(35)
still = 0
for s in socks:
    try:
        if s.recv(1) != b"":
            still += 1
    except BlockingIOError:
        still += 1
    except ConnectionResetError:
        pass
print(f"after 35 s idle: {still} still open; installer fds: {len(os.listdir(f'/proc/{pid}/fd'))}; a request: HTTP {served()}")
PY
