#!/usr/bin/env bash
# Load-tests the progress API of a running install: starts a dry-run install (sandbox root, free port, long
# --linger), runs wrk against GET /api/v1/progress, prints requests/s and the p99 latency, then stops it.
# Builds nothing: run './mvnw -B -DskipTests package' first. Target: >= 10,000 req/s with p99 < 20 ms on 2 cores.
#
#   bench/api-wrk.sh [DURATION=15s] [CONNECTIONS=64] [THREADS=2] [PATH=/api/v1/progress]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-15s}
CONNECTIONS=${2:-64}
THREADS=${3:-2}
URL_PATH=${4:-/api/v1/progress}
JAR=target/quarkus-app/quarkus-run.jar
[ -f "$JAR" ] || { echo "ERROR: $JAR is missing — build it with ./mvnw -B -DskipTests package" >&2; exit 2; }
command -v wrk >/dev/null || { echo "ERROR: wrk is not installed — bash .ci/deps.sh installs it" >&2; exit 2; }

ROOT=$(mktemp -d)
OUT=$(mktemp)
# The API wants a bearer token by default: measure that path, with a token of the generated kind.
TOKEN_FILE=$(mktemp)
head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' >"$TOKEN_FILE"
AUTH="Authorization: Bearer $(cat "$TOKEN_FILE")"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
java -jar "$JAR" install --dry-run --root "$ROOT" --api-port "$PORT" --api-bind 127.0.0.1 --linger 1h \
  --api-token-file "$TOKEN_FILE" >"$OUT" 2>&1 &
PID=$!
cleanup() {
  local rc=$?
  kill $PID 2>/dev/null || true
  wait $PID 2>/dev/null || true
  rm -rf "$ROOT" "$OUT" "$TOKEN_FILE"
  exit $rc
}
trap cleanup EXIT

URL="http://127.0.0.1:$PORT$URL_PATH"
for _ in $(seq 1 150); do
  if curl -sf -H "$AUTH" "http://127.0.0.1:$PORT/api/v1/progress" | grep -q '"state":"Succeeded"'; then break; fi
  kill -0 $PID 2>/dev/null || { echo "ERROR: the install exited early:" >&2; cat "$OUT" >&2; exit 1; }
  sleep 0.2
done
BYTES=$(curl -s -H "$AUTH" "$URL" | wc -c)
# Warm the JIT, then measure.
wrk -t"$THREADS" -c"$CONNECTIONS" -d3s -H "$AUTH" "$URL" >/dev/null
RESULT=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "$AUTH" "$URL")
RPS=$(awk '/^Requests\/sec:/ {print $2}' <<<"$RESULT")
P99=$(awk '$1 == "99%" {print $2}' <<<"$RESULT")
ERRORS=$(grep -E 'Non-2xx|Socket errors' <<<"$RESULT" || true)
echo "GET $URL_PATH ($BYTES bytes) — $THREADS threads, $CONNECTIONS connections, $DURATION, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "requests/s: $RPS"
echo "p99 latency: $P99"
[ -z "$ERRORS" ] || echo "errors: $ERRORS"
