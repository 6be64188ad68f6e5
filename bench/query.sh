#!/usr/bin/env bash
# bench/query.sh BUILD: the analytics query benchmark, side by side with DuckDB.
#
# The orders CSV of bench/ingest.sh (bench/seed/gen_orders, BENCH_ROWS rows,
# default 10,000,000; the same cache file in $BENCH_CACHE) and six queries
# (bench/analytics/queries.mjs: each as our JSON and as DuckDB SQL):
#   Q1 count                      Q4 count_distinct(customer_id) by region
#   Q2 sum(revenue) by region     Q5 top 100 product by sum(revenue) desc
#   Q3 day buckets of sum(revenue) in March, country in (DE, FR)
#   Q6 avg/min/max(quantity) by region, country where revenue > 100
#   ours:   a fresh claribi-server (its own data dir, ports 18643/18280,
#           --threads $BENCH_THREADS, --analytics-query-threads the same),
#           the CSV uploaded as ingest.sh does, then bench/analytics/client.mjs
#           (node:https, one keep-alive connection): per query one warm-up,
#           BENCH_QUERY_RUNS (15) runs with Cache-Control: no-cache (a scan
#           each time), then BENCH_QUERY_RUNS without it (the result cache);
#           medians of the server's elapsed_ms and of the client's wall time.
#           Then GET /api/auth/status/ p99 with wrk (bench/wrk/scenario.lua,
#           JWT, TLS, BENCH_CONNECTIONS=16) idle, and for BENCH_PROBE_DURATION
#           (5 s) while Q4 runs uncached in a loop.
#           Then the 8-widget dashboard (client.mjs dashboard: each widget
#           alone, GET /api/dashboards/{id}/data/ cold and cached), and one
#           every-minute report (Q1): how long after the minute boundary its
#           run is listed (client.mjs scheduled, polled every 5 ms; an upper
#           bound of the start delay: it includes the run and its write).
#   DuckDB: bench/duckdb/query.mjs on the same file with the same thread
#           count: the CSV in an in-memory table and copied into a database
#           file + CHECKPOINT; per query one warm-up and BENCH_QUERY_RUNS runs
#           on each, medians; the better of the two is the baseline.
# Result check (bench/analytics/compare.mjs): our rows must be DuckDB's, in
# order (integers exactly, floats to 1e-9 relative, timestamps as instants).
# Prints a markdown table, the p99 line and one JSON line per engine.
# Fails loudly (message, exit 1) on any non-2xx answer or result mismatch
# (the table is still printed first). BENCH_QUERY_ENGINES="claribi duckdb"
# (default both) runs one half alone (no result check then).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-build}" && pwd)
cd "$ROOT"
ROWS=${BENCH_ROWS:-10000000}
CACHE=${BENCH_CACHE:-/tmp/claribi-bench-cache}
THREADS=${BENCH_THREADS:-$(nproc)}
RUNS=${BENCH_QUERY_RUNS:-15}
ENGINES=${BENCH_QUERY_ENGINES:-claribi duckdb}
PROBE_DURATION=${BENCH_PROBE_DURATION:-5s}
PROBE_CONNS=${BENCH_CONNECTIONS:-16}
UPLOAD_TIMEOUT=${BENCH_UPLOAD_TIMEOUT:-1800}   # seconds
READY_TIMEOUT=${BENCH_READY_TIMEOUT:-300}      # seconds
GEN="$BUILD/bench/seed/gen_orders"
SERVER="$BUILD/src/server/claribi-server"
ADMIN="$BUILD/tools/admin/claribi-admin"
PORT=18643
PLAIN_PORT=18280
BASE="https://localhost:$PORT"
PROBE="taskset -c 1 wrk -t1 -c$PROBE_CONNS -d$PROBE_DURATION --latency -s bench/wrk/scenario.lua"
export BENCH_QUERY_RUNS=$RUNS

fail() { echo "query: $*" >&2; exit 1; }
now_ns() { date +%s%N; }
seconds_since() { awk -v d=$(($(now_ns) - $1)) 'BEGIN { printf "%.3f", d / 1e9 }'; }
mb_per_s() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / 1e6 / b; else print "-" }'; }
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || fail "BENCH_QUERY_RUNS must be a positive integer, not '$RUNS'"
[[ " $ENGINES " == *" claribi "* || " $ENGINES " == *" duckdb "* ]] ||
  fail "BENCH_QUERY_ENGINES names neither claribi nor duckdb: '$ENGINES'"

WORK=$(mktemp -d /tmp/claribi-query-XXXXXX)
DATA="$WORK/data"
SERVER_PID=""
LOOP_PID=""
stop_server() {  # SIGTERM, bounded wait; fails if it does not exit 0
  local pid=$SERVER_PID rc=0
  SERVER_PID=""
  kill -TERM "$pid"
  for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid"
    fail "claribi-server did not exit within 60 s of SIGTERM"
  fi
  wait "$pid" || rc=$?
  [ "$rc" = 0 ] || { tail -20 "$WORK/server.log" >&2; fail "claribi-server exited with $rc after SIGTERM"; }
}
cleanup() {
  [ -n "$LOOP_PID" ] && kill "$LOOP_PID" 2>/dev/null || true
  [ -n "$SERVER_PID" ] && kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- the CSV, generated once per row count (the file ingest.sh uses) -------
mkdir -p "$CACHE"
CSV="$CACHE/orders-$ROWS.csv"
GEN_NOTE="cached"
if [ ! -s "$CSV" ]; then
  [ -x "$GEN" ] || fail "$GEN not built (cmake --build $BUILD --target gen_orders)"
  t=$(now_ns)
  "$GEN" "$ROWS" "$CSV.tmp.$$"
  gen_s=$(seconds_since "$t")
  mv "$CSV.tmp.$$" "$CSV"
  GEN_NOTE="generated in $gen_s s, $(mb_per_s "$(stat -c %s "$CSV")" "$gen_s") MB/s"
fi
CSV_BYTES=$(stat -c %s "$CSV")
CSV_LINES=$(wc -l <"$CSV")
[ "$CSV_LINES" = $((ROWS + 1)) ] || fail "$CSV has $CSV_LINES lines, expected $ROWS rows + header (delete it)"
cat "$CSV" >/dev/null   # in the page cache for both engines

# --- ours ------------------------------------------------------------------
start_server() {
  "$SERVER" --data-dir "$DATA" --listen "127.0.0.1:$PORT" --plain-listen "127.0.0.1:$PLAIN_PORT" --metrics-listen "" \
    --threads "$THREADS" --analytics-query-threads "$THREADS" \
    --http-max-upload-bytes "$(((CSV_BYTES / 1048576 + 2) * 1048576))" \
    >>"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  local ready=0
  for _ in $(seq 1 $((READY_TIMEOUT * 100))); do
    grep -q "ready with" "$WORK/server.log" && { ready=1; break; }
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.01
  done
  if [ "$ready" != 1 ]; then
    tail -20 "$WORK/server.log" >&2
    fail "claribi-server not ready within $READY_TIMEOUT s (or it died)"
  fi
}
api() {  # api METHOD PATH [JSON]: prints the body; fails unless 2xx
  local out code
  out="$WORK/api.json"
  code=$(curl -sS --cacert "$CA" -o "$out" -w '%{http_code}' -X "$1" "$BASE$2" \
    -H "Authorization: Bearer $TOKEN" ${3:+-H "Content-Type: application/json" -d "$3"}) ||
    fail "$1 $2: curl failed"
  [ "${code:0:1}" = 2 ] || fail "$1 $2: HTTP $code $(head -c 500 "$out")"
  cat "$out"
}
login() {  # sets TOKEN
  TOKEN=$(curl -sS --cacert "$CA" -X POST "$BASE/api/auth/login/" -H "Content-Type: application/json" \
    -d '{"email": "you@example.com", "password": "your-password"}' | jq -r .access)
  [ -n "$TOKEN" ] && [ "$TOKEN" != null ] || fail "login failed"
}
probe() {  # probe NAME: wrk on the status route; prints "reqs rps p50 p99"; fails on any non-2xx
  local out line
  out=$(env BENCH_AUTH="$TOKEN" $PROBE "$BASE/api/auth/status/" 2>&1)
  line=$(echo "$out" | grep '^RESULT' || true)
  [ -n "$line" ] || { echo "$out" >&2; fail "$1: wrk produced no result"; }
  read -r _ reqs non2xx sockerr rps p50 p99 <<<"$line"
  [ "$non2xx" = 0 ] || { echo "$out" >&2; fail "$1: $non2xx status answers were not 2xx"; }
  [ "$sockerr" = 0 ] || echo "query: $1: $sockerr socket errors" >&2
  echo "$reqs $rps $p50 $p99"
}

load() { cut -d' ' -f1-3 /proc/loadavg; }   # noted beside the numbers: neighbours on this VM move them
OURS_FILE=""
if [[ " $ENGINES " == *" claribi "* ]]; then
  LOAD_OURS=$(load)
  for f in "$SERVER" "$ADMIN"; do [ -x "$f" ] || fail "$f not built"; done
  # Limits raised as in bench/run.sh (tracked, never reached); access log off.
  export CLARIBI_RATE_LIMITS_JWT_PER_MINUTE=16000000
  export CLARIBI_RATE_LIMITS_API_KEY_PER_MINUTE=16000000
  export CLARIBI_LOG_ACCESS=off
  "$ADMIN" --data-dir "$DATA" bootstrap --org "Acme Corp" --plan professional --ai-credits 1347 \
    --email you@example.com --password your-password --first-name Jane --last-name Smith >/dev/null
  start_server
  CA="$DATA/tls/dev-cert.pem"
  login
  DS=$(api POST /api/data-sources/ '{"name": "orders", "type": "upload"}' | jq -r .id)
  [[ "$DS" =~ ^[0-9]+$ ]] || fail "create data source: no id"

  # The upload, as ingest.sh does it (no trailing slash: curl -T would append the file name).
  t=$(now_ns)
  code=$(curl -sS --cacert "$CA" --max-time "$UPLOAD_TIMEOUT" -o "$WORK/upload.json" -w '%{http_code}' \
    -X POST -T "$CSV" -H 'Content-Type: text/csv' -H 'Expect:' -H "Authorization: Bearer $TOKEN" \
    "$BASE/api/data-sources/$DS/rows") || fail "upload: curl failed: $(head -c 500 "$WORK/upload.json" 2>/dev/null)"
  UP_S=$(seconds_since "$t")
  [ "$code" = 201 ] || fail "upload: HTTP $code: $(head -c 500 "$WORK/upload.json")"
  [ "$(jq -r .row_count "$WORK/upload.json")" = "$ROWS" ] || fail "upload: $(head -c 500 "$WORK/upload.json")"
  COLUMNS=$(jq -c '[.columns[] | "\(.name):\(.type)"]' "$WORK/upload.json")

  # The queries: warm-up, uncached, cached.
  login
  OURS_FILE="$WORK/ours.json"
  BENCH_TOKEN=$TOKEN node bench/analytics/client.mjs bench "$BASE" "$DS" >"$OURS_FILE" ||
    fail "bench/analytics/client.mjs failed"

  # Status p99 idle, then while Q4 runs uncached back to back.
  P=$(probe "status idle")   # (not inside read <<<: a failing probe must stop the script)
  read -r _ IDLE_RPS _ IDLE_P99 <<<"$P"
  BENCH_TOKEN=$TOKEN node bench/analytics/client.mjs loop "$BASE" "$DS" Q4 "$WORK/probe-done" \
    >"$WORK/loop.json" &
  LOOP_PID=$!
  sleep 0.5   # the first Q4 on its way
  P=$(probe "status during Q4 loop")
  touch "$WORK/probe-done"
  wait "$LOOP_PID" || { LOOP_PID=""; fail "the Q4 loop failed"; }
  LOOP_PID=""
  read -r _ BUSY_RPS _ BUSY_P99 <<<"$P"
  LOOP_RUNS=$(jq -r .runs "$WORK/loop.json")
  LOOP_MS=$(jq -r .server_ms "$WORK/loop.json")

  # The 8-widget dashboard, cold and cached.
  login
  BENCH_TOKEN=$TOKEN node bench/analytics/client.mjs dashboard "$BASE" "$DS" >"$WORK/dashboard.json" ||
    fail "bench/analytics/client.mjs dashboard failed"

  # A scheduled run: listed how long after its minute boundary?
  BENCH_TOKEN=$TOKEN node bench/analytics/client.mjs scheduled "$BASE" "$DS" >"$WORK/scheduled.json" ||
    fail "bench/analytics/client.mjs scheduled failed"
  SCHED_MS=$(jq -r .listed_ms "$WORK/scheduled.json")
  SCHED_START_S=$(jq -r .started_s "$WORK/scheduled.json")
  stop_server
fi

# --- DuckDB ----------------------------------------------------------------
DUCK_FILE=""
if [[ " $ENGINES " == *" duckdb "* ]]; then
  want=$(jq -r '.dependencies["@duckdb/node-api"]' bench/duckdb/package.json)
  have=$(jq -r .version bench/duckdb/node_modules/@duckdb/node-api/package.json 2>/dev/null || true)
  if [ "$have" != "$want" ]; then
    npm ci --prefix bench/duckdb --no-audit --no-fund --loglevel=error >&2 || fail "npm ci in bench/duckdb failed"
  fi
  DUCK_FILE="$WORK/duckdb.json"
  LOAD_DUCK=$(load)
  node bench/duckdb/query.mjs "$CSV" "$THREADS" >"$DUCK_FILE" || fail "bench/duckdb/query.mjs failed"
  [ "$(jq -r .rows "$DUCK_FILE")" = "$ROWS" ] || fail "DuckDB read $(jq -r .rows "$DUCK_FILE") rows, expected $ROWS"
fi

# --- result check ----------------------------------------------------------
CHECK="not run (one engine only)"
CHECK_RC=0
if [ -n "$OURS_FILE" ] && [ -n "$DUCK_FILE" ]; then
  echo
  echo "result check: our rows against DuckDB's (bench/analytics/compare.mjs)"
  node bench/analytics/compare.mjs "$OURS_FILE" "$DUCK_FILE" || CHECK_RC=$?
  [ "$CHECK_RC" = 0 ] && CHECK="every query returns what DuckDB returns" || CHECK="MISMATCH — see above"
fi

# --- report ----------------------------------------------------------------
echo
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  commit: $(git rev-parse --short HEAD 2>/dev/null || echo -)  nproc: $(nproc)  cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "CSV: $ROWS rows, $CSV_BYTES bytes ($GEN_NOTE), $CSV; threads: $THREADS (server --threads and --analytics-query-threads, DuckDB SET threads); $RUNS runs per query, medians"
[ -n "$DUCK_FILE" ] && echo "DuckDB $(jq -r .version "$DUCK_FILE") schema: $(jq -c .schema "$DUCK_FILE")"
[ -n "$OURS_FILE" ] && echo "our columns: $COLUMNS (upload $UP_S s)"
echo "load average before ours: ${LOAD_OURS:--}, before DuckDB: ${LOAD_DUCK:--}"
echo "results: $CHECK"
echo
row() { printf "| %-62s | %10s | %9s | %11s | %12s | %11s | %13s | %14s |\n" "$@"; }
row "query" "ours ms" "ours wall" "DuckDB mem" "DuckDB ckpt" "DuckDB best" "DuckDB / ours" "ours cached"
printf '|%s|%s|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' $(seq 64))" "-----------:" "----------:" \
  "------------:" "-------------:" "------------:" "--------------:" "---------------:"
O() { [ -n "$OURS_FILE" ] && jq -r ".queries.$1.$2 // \"-\"" "$OURS_FILE" || echo -; }
D() { [ -n "$DUCK_FILE" ] && jq -r ".queries.$1.$2 // \"-\"" "$DUCK_FILE" || echo -; }
ANY_FILE=${OURS_FILE:-$DUCK_FILE}
for q in $(jq -r '.queries | keys_unsorted[]' "$ANY_FILE"); do
  label=$(jq -r ".queries.$q.label" "$ANY_FILE")
  ours=$(O "$q" server_ms)
  best=$(D "$q" best_ms)
  ratio=$(awk -v a="$best" -v b="$ours" 'BEGIN { if (a != "-" && b != "-" && b > 0) printf "%.2f", a / b; else print "-" }')
  row "$q $label" "$ours" "$(O "$q" wall_ms)" "$(D "$q" memory_ms)" "$(D "$q" disk_ms)" "$best" "$ratio" "$(O "$q" cached_wall_ms)"
done
echo
echo "ours ms: the server's elapsed_ms (uncached, Cache-Control: no-cache); ours wall: the client's time for the whole"
echo "HTTPS request on a kept-alive connection; DuckDB: runAndReadAll in process (mem: in-memory table, ckpt: database"
echo "file after CHECKPOINT, best: the better); DuckDB / ours = DuckDB best / ours ms (> 1: we are faster);"
echo "ours cached: wall ms of a repeat answered from the result cache."
if [ -n "$OURS_FILE" ]; then
  echo
  echo "status p99 µs idle $IDLE_P99 ($IDLE_RPS req/s), during a Q4 loop $BUSY_P99 ($BUSY_RPS req/s); $PROBE_DURATION, $PROBE_CONNS connections; $LOOP_RUNS uncached Q4 runs under wrk, median $LOOP_MS ms server"
  D8() { jq -r ".$1" "$WORK/dashboard.json"; }
  echo
  echo "dashboard of $(D8 widgets) widgets: cold $(D8 cold_wall_ms) ms wall (slowest widget inside $(D8 cold_slowest_widget_ms) ms;" \
    "alone: slowest $(D8 slowest_alone_ms) ms, all $(D8 sum_alone_ms) ms), cached $(D8 cached_wall_ms) ms wall; alone ms $(jq -c .alone_ms "$WORK/dashboard.json")"
  echo "scheduled run: started_at $SCHED_START_S s after its minute, listed $SCHED_MS ms after it (polled every 5 ms)"
fi
echo
if [ -n "$OURS_FILE" ]; then
  jq -c --argjson rows "$ROWS" --argjson threads "$THREADS" --argjson idle "$IDLE_P99" --argjson busy "$BUSY_P99" \
    --argjson match "$([ "$CHECK_RC" = 0 ] && [ -n "$DUCK_FILE" ] && echo true || echo false)" \
    '{engine, threads: $threads, rows: $rows, runs,
      queries: (.queries | map_values({server_ms, wall_ms, cached_server_ms, cached_wall_ms})),
      status_p99_us_idle: $idle, status_p99_us_during_q4: $busy, matches_duckdb: $match,
      dashboard: $dash[0], scheduled_run_listed_ms: $sched}' --slurpfile dash "$WORK/dashboard.json" \
    --argjson sched "$SCHED_MS" "$OURS_FILE"
fi
if [ -n "$DUCK_FILE" ]; then
  jq -c '{engine, version, threads, rows, runs, queries: (.queries | map_values({memory_ms, disk_ms, best_ms, best}))}' "$DUCK_FILE"
fi
[ "$CHECK_RC" = 0 ] || fail "our results differ from DuckDB's (see the result check above)"
exit 0
