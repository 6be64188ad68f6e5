#!/usr/bin/env bash
# tools/run-fuzzers.sh BUILD SECONDS: runs every libFuzzer target of
# BUILD/fuzz (fuzz/CMakeLists.txt) for SECONDS each, from its committed seed
# corpus (fuzz/corpus/<target>, never modified) plus a scratch corpus, under
# ASan + UBSan. Prints one line per target (runs, corpus size); on a crash,
# leak, timeout or sanitizer report prints the log's end, keeps the input
# in BUILD/findings/ and exits 1 after the other targets ran.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:?usage: run-fuzzers.sh BUILD SECONDS}" && pwd)
SECONDS_EACH=${2:?usage: run-fuzzers.sh BUILD SECONDS}
FINDINGS="$BUILD/findings"
mkdir -p "$FINDINGS"
WORK=$(mktemp -d /tmp/claribi-fuzz-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
failed=0
shopt -s nullglob
targets=("$BUILD"/fuzz/fuzz_*)
[ ${#targets[@]} -gt 0 ] || { echo "run-fuzzers: no targets in $BUILD/fuzz (make fuzz-build)" >&2; exit 1; }
for bin in "${targets[@]}"; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  seeds="$ROOT/fuzz/corpus/$name"
  mkdir -p "$WORK/$name"
  log="$WORK/$name.log"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$FINDINGS/$name-" "$WORK/$name" "$seeds" >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ "$rc" = 0 ]; then
    echo "fuzz: $name: ${runs:-?} runs in ${SECONDS_EACH}s, clean ($(ls "$WORK/$name" | wc -l) new inputs)"
  else
    failed=1
    echo "fuzz: $name: FAILED (exit $rc) after ${runs:-?} runs; input kept in $FINDINGS/" >&2
    tail -40 "$log" >&2
  fi
done
exit $failed
