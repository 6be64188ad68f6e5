#!/usr/bin/env bash
# Instructions per request on the in-process request path (bench_request),
# counted by callgrind: steady on a noisy machine where req/s is not.
# Usage: bench/callgrind.sh [build-dir]. Prints one line per benchmark.
# Valgrind does not emulate SHA-NI, so SHA-256 runs BoringSSL's generic
# code here: the API-key path's hash counts more instructions than it costs.
set -euo pipefail
BUILD=${1:-build}
BIN="$BUILD/bench/micro/request/bench_request"
OUT=$(mktemp -d /tmp/claribi-callgrind-XXXXXX)
trap 'rm -rf "$OUT"' EXIT
for b in StatusJwt StatusApiKey StatusJwtPipelined8 DashboardsPage20; do
  log=$(CLARIBI_REPORT_SERVED=1 valgrind --tool=callgrind --callgrind-out-file="$OUT/$b.out" \
        --toggle-collect='*serve_measured*' "$BIN" --benchmark_filter="^BM_Request_$b\$" \
        --benchmark_min_time=0.2 2>&1 >/dev/null)
  served=$(echo "$log" | sed -n 's/^served \([0-9]*\) requests$/\1/p')
  ir=$(echo "$log" | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
  awk -v b="$b" -v ir="$ir" -v n="$served" 'BEGIN { printf "%-24s %8.0f instructions/request (%d requests)\n", b, ir / n, n }'
done
