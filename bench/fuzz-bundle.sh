#!/usr/bin/env bash
# A fuzzing campaign over the bundle reader and verifier (src/test/.../bundle/BundleFuzzer.java): mutates a small
# valid bundle (bit flips, byte inserts/deletes, tar header fields, truncation, junk, entry reorder, JSON edits),
# runs 'verify' on each case and prints cases run, good, refused (exit 2), crashes and hangs. The normal test suite
# runs a fixed 1,500 cases (BundleFuzzTest); this runs for a time. Exit 1 when there was a crash or a hang; the
# offending inputs are kept in the printed work dir.
#
#   bench/fuzz-bundle.sh [SECONDS=300] [SEED=1] [PER_CASE_TIMEOUT_SECONDS=10]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-300}
SEED=${2:-1}
TIMEOUT=${3:-10}
./mvnw -B -q -o test-compile >/dev/null 2>&1 || ./mvnw -B -q test-compile
CP_FILE=$(mktemp)
CLASSES=$(mktemp -d)
trap 'rm -rf "$CP_FILE" "$CLASSES"' EXIT
# A copy of the compiled classes: a build running meanwhile in this tree cannot pull them from under the campaign.
cp -r target/classes "$CLASSES/main"
cp -r target/test-classes "$CLASSES/test"
./mvnw -B -q -o dependency:build-classpath -Dmdep.outputFile="$CP_FILE" -Dmdep.includeScope=test >/dev/null 2>&1 \
  || ./mvnw -B -q dependency:build-classpath -Dmdep.outputFile="$CP_FILE" -Dmdep.includeScope=test >/dev/null
# Small heap on purpose: the fuzzer's limits bound every case, so an OOM here is a finding.
java -Xmx512m -cp "$CLASSES/test:$CLASSES/main:$(cat "$CP_FILE")" \
  io.infometis.installer.bundle.BundleFuzzer "$SEED" "$SECONDS_TO_RUN" "$TIMEOUT"
