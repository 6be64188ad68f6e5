#!/usr/bin/env bash
# bench/ingest.sh BUILD: the ingest benchmark, side by side with DuckDB.
#
# One deterministic "orders" CSV (bench/seed/gen_orders, BENCH_ROWS rows,
# default 10,000,000, ~506 MB; cached in $BENCH_CACHE) is
#   ours:   uploaded to a fresh claribi-server (its own data dir, ports
#           18543/18180, --threads $BENCH_THREADS) over HTTPS with curl
#           streaming the file: POST /api/data-sources/{id}/rows, text/csv
#           (API.md §10). Measured:
#           (a) wall time of the upload until its 201 (every row durable)
#               -> rows/s and MB/s (MB = 10^6 bytes of CSV);
#           (b) disk bytes/row: du -sb of <data>/db after the 201 (and again
#               after the restart) minus the same right before the upload
#               (bootstrapped organization, empty data source);
#           (c) resident bytes/row: server VmRSS after the 201 minus before
#               the upload (and after the restart minus the empty server's;
#               both taken 1 s after a login and a status request);
#           (d) restart with the rows stored: SIGTERM, start again, ms until
#               the "ready with" log line (as bench/run.sh); row_count checked;
#           (e) GET /api/auth/status/ p99 with wrk (bench/wrk/scenario.lua,
#               JWT, TLS, BENCH_CONNECTIONS=16) idle, then for
#               BENCH_PROBE_DURATION (5 s) while uploads of the same CSV with
#               ?mode=replace run back to back (each checked like the first).
#   DuckDB: bench/duckdb/ingest.mjs on the same file with the same thread
#           count: in-memory CREATE TABLE AS read_csv(...), and the same into
#           a database file + CHECKPOINT (its size = DuckDB's bytes/row).
# Prints a markdown table (ours, DuckDB, ratio) and one JSON line per engine.
# Fails loudly (message, exit 1) on any non-2xx answer or count mismatch.
# BENCH_INGEST_ENGINES="claribi duckdb" (default both) runs one half alone.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-build}" && pwd)
cd "$ROOT"
ROWS=${BENCH_ROWS:-10000000}
CACHE=${BENCH_CACHE:-/tmp/claribi-bench-cache}
THREADS=${BENCH_THREADS:-$(nproc)}
ENGINES=${BENCH_INGEST_ENGINES:-claribi duckdb}
PROBE_DURATION=${BENCH_PROBE_DURATION:-5s}
PROBE_CONNS=${BENCH_CONNECTIONS:-16}
UPLOAD_TIMEOUT=${BENCH_UPLOAD_TIMEOUT:-1800}   # seconds, per upload
READY_TIMEOUT=${BENCH_READY_TIMEOUT:-300}      # seconds, per start
GEN="$BUILD/bench/seed/gen_orders"
SERVER="$BUILD/src/server/claribi-server"
ADMIN="$BUILD/tools/admin/claribi-admin"
PORT=18543
PLAIN_PORT=18180
BASE="https://localhost:$PORT"
PROBE="taskset -c 1 wrk -t1 -c$PROBE_CONNS -d$PROBE_DURATION --latency -s bench/wrk/scenario.lua"

fail() { echo "ingest: $*" >&2; exit 1; }
now_ns() { date +%s%N; }
ms_since() { echo $((($(now_ns) - $1) / 1000000)); }
seconds_since() { awk -v d=$(($(now_ns) - $1)) 'BEGIN { printf "%.3f", d / 1e9 }'; }
per() { awk -v a="$1" -v b="$2" -v f="${3:-%.0f}" 'BEGIN { if (b > 0) printf f, a / b; else print "-" }'; }
mb_per_s() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / 1e6 / b; else print "-" }'; }

WORK=$(mktemp -d /tmp/claribi-ingest-XXXXXX)
DATA="$WORK/data"
SERVER_PID=""
UPLOAD_PID=""
stop_server() {  # SIGTERM, bounded wait (shutdown_timeout is 10 s); fails if it does not exit 0
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
  # The upload loop first (no new upload), then the server (ends a running curl).
  [ -n "$UPLOAD_PID" ] && kill "$UPLOAD_PID" 2>/dev/null || true
  [ -n "$SERVER_PID" ] && kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- the CSV, generated once per row count --------------------------------
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
start_server() {  # sets SERVER_PID and STARTUP_MS
  "$SERVER" --data-dir "$DATA" --listen "127.0.0.1:$PORT" --plain-listen "127.0.0.1:$PLAIN_PORT" --metrics-listen "" \
    --threads "$THREADS" --http-max-upload-bytes "$(((CSV_BYTES / 1048576 + 2) * 1048576))" \
    >>"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  local t ready=0 seen
  t=$(now_ns)
  seen=$(grep -c "ready with" "$WORK/server.log" || true)
  for _ in $(seq 1 $((READY_TIMEOUT * 100))); do
    [ "$(grep -c "ready with" "$WORK/server.log" || true)" -gt "$seen" ] && { ready=1; break; }
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.01
  done
  STARTUP_MS=$(ms_since "$t")
  if [ "$ready" != 1 ]; then
    tail -20 "$WORK/server.log" >&2
    fail "claribi-server not ready within $READY_TIMEOUT s (or it died)"
  fi
}
rss_bytes() { echo $(($(awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status") * 1024)); }
db_bytes() { du -sb "$DATA/db" | cut -f1; }
api() {  # api METHOD PATH [JSON]: prints the body; fails unless 2xx
  local out code
  out="$WORK/api.json"
  code=$(curl -sS --cacert "$CA" -o "$out" -w '%{http_code}' -X "$1" "$BASE$2" \
    -H "Authorization: Bearer $TOKEN" ${3:+-H "Content-Type: application/json" -d "$3"}) ||
    fail "$1 $2: curl failed"
  [ "${code:0:1}" = 2 ] || fail "$1 $2: HTTP $code $(head -c 500 "$out")"
  cat "$out"
}
upload() {  # upload QUERY OUT: streams the CSV (curl -T reads it as it sends); writes "code seconds" to OUT.code
  local t code rc=0
  t=$(now_ns)
  # No trailing slash: with -T, curl appends the file's name to a URL ending in "/".
  code=$(curl -sS --cacert "$CA" --max-time "$UPLOAD_TIMEOUT" -o "$2" -w '%{http_code}' \
    -X POST -T "$CSV" -H 'Content-Type: text/csv' -H 'Expect:' -H "Authorization: Bearer $TOKEN" \
    "$BASE/api/data-sources/$DS/rows$1") || rc=$?
  echo "$code $(seconds_since "$t") $rc" >"$2.code"
}
check_upload() {  # check_upload OUT WHAT: 201, appended == row_count == ROWS
  local code secs rc appended total
  read -r code secs rc <"$1.code"
  [ "$code" = 201 ] || fail "$2: HTTP ${code:-none} (curl exit $rc) after $secs s: $(head -c 500 "$1" 2>/dev/null)"
  appended=$(jq -r .appended "$1")
  total=$(jq -r .row_count "$1")
  [ "$appended" = "$ROWS" ] && [ "$total" = "$ROWS" ] ||
    fail "$2: appended $appended, row_count $total, expected $ROWS: $(head -c 500 "$1")"
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
  [ "$sockerr" = 0 ] || echo "ingest: $1: $sockerr socket errors" >&2
  echo "$reqs $rps $p50 $p99"
}

OURS_JSON=""
if [[ " $ENGINES " == *" claribi "* ]]; then
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
  api GET /api/auth/status/ >/dev/null   # one request through every layer first
  sleep 1
  RSS_EMPTY=$(rss_bytes)
  DB_EMPTY=$(db_bytes)

  # (a)-(c): the upload, RSS and disk around it.
  upload "" "$WORK/upload1.json"
  check_upload "$WORK/upload1.json" "upload"
  read -r _ UP_S _ <"$WORK/upload1.json.code"
  RSS_AFTER=$(rss_bytes)
  DB_AFTER=$(db_bytes)
  COLUMNS=$(jq -c '[.columns[] | "\(.name):\(.type)"]' "$WORK/upload1.json")

  # (d): restart with the rows stored.
  stop_server
  start_server
  RESTART_MS=$STARTUP_MS
  login   # as before the empty server's RSS was taken (a login allocates for Argon2)
  api GET /api/auth/status/ >/dev/null
  sleep 1
  RSS_RESTART=$(rss_bytes)
  DB_RESTART=$(db_bytes)
  COUNT=$(api GET "/api/data-sources/$DS/" | jq -r .row_count)
  [ "$COUNT" = "$ROWS" ] || fail "after the restart row_count is $COUNT, expected $ROWS"

  # (e): status p99 idle, then while ?mode=replace uploads of the same CSV
  # run back to back (a loop, so a fast upload still covers the whole probe).
  P=$(probe "status idle")   # (not inside read <<<: a failing probe must stop the script)
  read -r _ IDLE_RPS _ IDLE_P99 <<<"$P"
  replace_loop() {
    for i in $(seq 1 1000); do
      upload "?mode=replace" "$WORK/replace-$i.json"
      [ -e "$WORK/probe-done" ] && break
    done
    return 0
  }
  replace_loop &
  UPLOAD_PID=$!
  sleep 0.5   # TLS handshake and the first megabytes on their way
  P=$(probe "status during upload")
  touch "$WORK/probe-done"
  # At most the running upload and one more (curl --max-time each).
  for _ in $(seq 1 $((20 * UPLOAD_TIMEOUT + 100))); do kill -0 "$UPLOAD_PID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$UPLOAD_PID" 2>/dev/null && fail "replace uploads still running $((2 * UPLOAD_TIMEOUT)) s after wrk ended"
  wait "$UPLOAD_PID" || fail "replace uploads: the upload loop failed"
  UPLOAD_PID=""
  read -r _ BUSY_RPS _ BUSY_P99 <<<"$P"
  REPLACES=$(find "$WORK" -maxdepth 1 -name 'replace-*.json.code' | wc -l)
  for i in $(seq 1 "$REPLACES"); do check_upload "$WORK/replace-$i.json" "replace upload $i"; done
  read -r _ UP2_S _ <"$WORK/replace-1.json.code"
  COUNT=$(api GET "/api/data-sources/$DS/" | jq -r .row_count)
  [ "$COUNT" = "$ROWS" ] || fail "after the replace uploads row_count is $COUNT, expected $ROWS"

  OURS_RPS=$(per "$ROWS" "$UP_S")
  OURS_MBS=$(mb_per_s "$CSV_BYTES" "$UP_S")
  OURS_DISK=$(per "$((DB_AFTER - DB_EMPTY))" "$ROWS" %.1f)
  OURS_DISK_RESTART=$(per "$((DB_RESTART - DB_EMPTY))" "$ROWS" %.1f)
  OURS_RES=$(per "$((RSS_AFTER - RSS_EMPTY))" "$ROWS" %.1f)
  OURS_RES_RESTART=$(per "$((RSS_RESTART - RSS_EMPTY))" "$ROWS" %.1f)
  OURS_JSON=$(jq -cn --argjson rows "$ROWS" --argjson s "$UP_S" --argjson rps "$OURS_RPS" --argjson mbs "$OURS_MBS" \
    --argjson s2 "$UP2_S" --argjson disk "$OURS_DISK" --argjson res "$OURS_RES" --argjson restart_ms "$RESTART_MS" \
    --argjson idle_p99 "$IDLE_P99" --argjson busy_p99 "$BUSY_P99" --argjson threads "$THREADS" \
    '{engine: "claribi", threads: $threads, rows: $rows, seconds: $s, rows_per_s: $rps, mb_per_s: $mbs,
      replace_seconds: $s2, disk_bytes_per_row: $disk, resident_bytes_per_row: $res, restart_ms: $restart_ms,
      status_p99_us_idle: $idle_p99, status_p99_us_during_upload: $busy_p99}')
  stop_server
fi

# --- DuckDB ----------------------------------------------------------------
DUCK_JSON=""
if [[ " $ENGINES " == *" duckdb "* ]]; then
  want=$(jq -r '.dependencies["@duckdb/node-api"]' bench/duckdb/package.json)
  have=$(jq -r .version bench/duckdb/node_modules/@duckdb/node-api/package.json 2>/dev/null || true)
  if [ "$have" != "$want" ]; then
    npm ci --prefix bench/duckdb --no-audit --no-fund --loglevel=error >&2 || fail "npm ci in bench/duckdb failed"
  fi
  DUCK_JSON=$(node bench/duckdb/ingest.mjs "$CSV" "$THREADS") || fail "bench/duckdb/ingest.mjs failed"
  [ "$(echo "$DUCK_JSON" | jq -r .rows)" = "$ROWS" ] || fail "DuckDB read $(echo "$DUCK_JSON" | jq -r .rows) rows, expected $ROWS"
fi
duck() { [ -n "$DUCK_JSON" ] && echo "$DUCK_JSON" | jq -r ".$1 // \"-\"" || echo -; }

# --- report ----------------------------------------------------------------
echo
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  commit: $(git rev-parse --short HEAD 2>/dev/null || echo -)  nproc: $(nproc)  cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "CSV: $ROWS rows, $CSV_BYTES bytes ($GEN_NOTE), $CSV; threads: $THREADS (server --threads, DuckDB SET threads)"
[ -n "$DUCK_JSON" ] && echo "DuckDB $(duck version) schema: $(echo "$DUCK_JSON" | jq -c .schema)"
[ -n "$OURS_JSON" ] && echo "our columns: $COLUMNS"
echo
O() { [ -n "$OURS_JSON" ] && echo "$1" || echo -; }
ratio() { if [ "$1" = - ] || [ "$2" = - ]; then echo -; else per "$1" "$2" %.2f; fi; }
row() { printf "| %-66s | %13s | %11s | %11s |\n" "$@"; }
row "metric" "claribi" "DuckDB" "ours/DuckDB"
printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' $(seq 68))" "--------------:" "------------:" "------------:"
row "ingest rows/s (ours: HTTPS upload, durable 201; DuckDB: in memory)" "$(O "${OURS_RPS:-}")" "$(duck rows_per_s)" "$(ratio "$(O "${OURS_RPS:-}")" "$(duck rows_per_s)")"
row "ingest MB/s of CSV" "$(O "${OURS_MBS:-}")" "$(duck mb_per_s)" "$(ratio "$(O "${OURS_MBS:-}")" "$(duck mb_per_s)")"
row "durable ingest rows/s (DuckDB: file + CHECKPOINT)" "$(O "${OURS_RPS:-}")" "$(duck disk_rows_per_s)" "$(ratio "$(O "${OURS_RPS:-}")" "$(duck disk_rows_per_s)")"
row "bytes/row on disk (ours: db delta after 201 / after restart)" "$(O "${OURS_DISK:-} / ${OURS_DISK_RESTART:-}")" "$(duck disk_bytes_per_row)" "$(ratio "$(O "${OURS_DISK:-}")" "$(duck disk_bytes_per_row)")"
row "bytes/row resident (ours: RSS delta after 201 / after restart)" "$(O "${OURS_RES:-} / ${OURS_RES_RESTART:-}")" "$(duck memory_bytes_per_row)" "$(ratio "$(O "${OURS_RES:-}")" "$(duck memory_bytes_per_row)")"
row "start-up ms with the rows stored" "$(O "${RESTART_MS:-}")" "-" "-"
row "status p99 µs, idle / during replace uploads" "$(O "${IDLE_P99:-} / ${BUSY_P99:-}")" "-" "-"
[ -n "$OURS_JSON" ] && echo && echo "status req/s idle $IDLE_RPS, during the replace uploads $BUSY_RPS ($PROBE_DURATION, $PROBE_CONNS connections); $REPLACES replace upload(s) under wrk, the first took $UP2_S s (the first upload, alone, $UP_S s)"
echo
[ -n "$OURS_JSON" ] && echo "$OURS_JSON"
[ -n "$DUCK_JSON" ] && echo "$DUCK_JSON"
exit 0
