#!/usr/bin/env bash
# The cost of storage.backend = "postgresql" (issue 17): durable creates
# (POST /api/dashboards/ with a JWT, on the plain listener as behind a proxy)
# on the embedded RocksDB engine vs a private PostgreSQL 15 cluster on
# loopback (synchronous_commit = on, fsync on, no standby), in interleaved
# rounds of the same run; and the authenticated status for reference (served
# from memory either way). Reports req/s, latency, the server's CPU µs per
# request and, for the PostgreSQL rows, PostgreSQL's own. Fails if any answer
# is not 2xx.
set -euo pipefail
BUILD=${1:-build}
source bench/common.sh
WORK=$(mktemp -d /tmp/claribi-bench-pg-XXXXXX)
source bench/local_pg.sh
start_local_pg

export CLARIBI_RATE_LIMITS_JWT_PER_MINUTE=16000000  # exercised, never cutting a run
export CLARIBI_LOG_ACCESS=off
PG_ENV=(env CLARIBI_STORAGE_BACKEND=postgresql CLARIBI_STORAGE_POSTGRESQL_URL="$PG_URL")
"${PG_ENV[@]}" "$ADMIN" --data-dir "$WORK/postgresql" migrate >/dev/null
for name in rocksdb postgresql; do
  run_env=(env)
  [ "$name" = postgresql ] && run_env=("${PG_ENV[@]}")
  "${run_env[@]}" "$ADMIN" --data-dir "$WORK/$name" bootstrap --org "Acme Corp" --plan professional --ai-credits 1 \
    --email you@example.com --password your-password --first-name Jane --last-name Smith >/dev/null
done

start() {  # start NAME PORT [env...]: prints the pid
  local name=$1 port=$2
  shift 2
  "$@" "$SERVER" --data-dir "$WORK/$name" --listen 127.0.0.1:0 --plain-listen "127.0.0.1:$port" --metrics-listen "" \
    --trusted-proxies 127.0.0.1 >"$WORK/$name.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 300); do grep -q "ready with" "$WORK/$name.log" && break; sleep 0.05; done
  echo "$pid"
}
RPORT=$(free_port)
PPORT=$(free_port)
ROCKS_PID=$(start rocksdb "$RPORT" env)
PG_PID=$(start postgresql "$PPORT" "${PG_ENV[@]}")
PIDS+=("$ROCKS_PID" "$PG_PID")
token() {
  curl -s -X POST "http://127.0.0.1:$1/api/auth/login/" -H "X-Forwarded-Proto: https" \
    -H "Content-Type: application/json" -d '{"email": "you@example.com", "password": "your-password"}' | jq -r .access
}
ROCKS_TOKEN=$(token "$RPORT")
PG_TOKEN=$(token "$PPORT")
pg_pids() { echo "$POSTMASTER $(pgrep -P "$POSTMASTER" | tr '\n' ' ')"; }

ROWS=()
BODY='{"name":"bench","widgets":[]}'
run() {  # run NAME PORT SERVER_PID TOKEN METHOD PATH
  local name=$1 url="http://127.0.0.1:$2$6" pid=$3 tok=$4 method=$5
  local -a wenv=(env BENCH_PROXY=1 BENCH_AUTH="$tok" BENCH_METHOD="$method")
  [ "$method" = POST ] && wenv+=(BENCH_BODY="$BODY")
  "${wenv[@]}" $WARMUP "$url" >/dev/null 2>&1 || true
  local s0 g0 s1 g1 out line
  s0=$(ticks "$pid"); g0=$(ticks $(pg_pids))
  out=$("${wenv[@]}" $WRK "$url" 2>&1)
  s1=$(ticks "$pid"); g1=$(ticks $(pg_pids))
  line=$(echo "$out" | grep '^RESULT' || true)
  [ -n "$line" ] || { echo "$out"; echo "bench: $name: no result" >&2; exit 1; }
  read -r _ reqs non2xx sockerr rps p50 p99 <<<"$line"
  [ "$non2xx" = "0" ] || { echo "$out"; echo "bench: $name: $non2xx answers were not 2xx" >&2; exit 1; }
  ROWS+=("$name|$rps|$p50|$p99|$(us_per_request $((s1 - s0)) "$reqs")|$(us_per_request $((g1 - g0)) "$reqs")|$sockerr")
}
SCENARIOS=("durable create, RocksDB" "durable create, PostgreSQL" "status JWT, RocksDB" "status JWT, PostgreSQL")
for _ in $(seq 1 "$ROUNDS"); do
  run "${SCENARIOS[0]}" "$RPORT" "$ROCKS_PID" "$ROCKS_TOKEN" POST /api/dashboards/
  run "${SCENARIOS[1]}" "$PPORT" "$PG_PID" "$PG_TOKEN" POST /api/dashboards/
  run "${SCENARIOS[2]}" "$RPORT" "$ROCKS_PID" "$ROCKS_TOKEN" GET /api/auth/status/
  run "${SCENARIOS[3]}" "$PPORT" "$PG_PID" "$PG_TOKEN" GET /api/auth/status/
done
in_pg=$(PGPASSWORD=bench-password psql -h 127.0.0.1 -p "$PGPORT" -U claribi -d postgres -X -q -t -A -c 'SELECT count(*) FROM kv_dashboards' \
  <<<"" 2>/dev/null || echo 0)
[ "${in_pg:-0}" -ge 1000 ] || { echo "bench: PostgreSQL holds $in_pg dashboards: the PostgreSQL rows did not write there" >&2; exit 1; }

echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  commit: $(git rev-parse --short HEAD 2>/dev/null || echo -)  nproc: $(nproc)  $("$PGBIN/postgres" --version)"
echo "wrk: $WRK <url>   (plain listener + X-Forwarded-Proto, JWT; median of $ROUNDS interleaved rounds; $in_pg dashboards written to PostgreSQL)"
printf '| %-27s | %9s | %8s | %8s | %13s | %16s | %7s |\n' scenario "req/s" "p50 µs" "p99 µs" "server µs/req" "postgres µs/req" sockerr
printf '|%s|%s|%s|%s|%s|%s|%s|\n' "-----------------------------" "-----------" "----------" "----------" "---------------" "------------------" "---------"
for name in "${SCENARIOS[@]}"; do
  row=$(printf '%s\n' "${ROWS[@]}" | awk -F'|' -v n="$name" '$1 == n' | sort -t'|' -k2,2n | awk -v k="$ROUNDS" 'NR == int((k + 1) / 2)')
  IFS='|' read -r n rps p50 p99 us gus sockerr <<<"$row"
  [[ "$name" == *RocksDB ]] && gus="-"
  printf '| %-27s | %9s | %8s | %8s | %13s | %16s | %7s |\n' "$n" "$rps" "$p50" "$p99" "$us" "$gus" "$sockerr"
done
