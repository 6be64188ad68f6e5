#!/usr/bin/env bash
# make bench: the release server with a fresh data directory and a
# bootstrapped organization, wrk on each scenario, and nginx serving the same
# status body as a static string in the same run, with the same wrk settings.
# Prints one table (req/s, p50, p99, server CPU µs per request, ratio to
# nginx) and the micro-benchmarks. Fails loudly if any response is not 2xx.
set -euo pipefail
BUILD=${1:-build}
# The scenarios compared with nginx run interleaved (nginx, ours, nginx, ours, ...).
source bench/common.sh
WORK=$(mktemp -d /tmp/claribi-bench-XXXXXX)
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  [ -f "$WORK/nginx/nginx.pid" ] && kill -QUIT "$(cat "$WORK/nginx/nginx.pid")" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# Limits raised so the limiter is exercised (tracked: <= 16,777,216) but
# never cuts a run; access log off, as for nginx.
export CLARIBI_RATE_LIMITS_JWT_PER_MINUTE=16000000
export CLARIBI_RATE_LIMITS_API_KEY_PER_MINUTE=16000000
export CLARIBI_LOG_ACCESS=off
"$ADMIN" --data-dir "$WORK/data" bootstrap --org "Acme Corp" --plan professional --ai-credits 1347 \
  --email you@example.com --password your-password --first-name Jane --last-name Smith >/dev/null
"$ADMIN" --data-dir "$WORK/data" bootstrap --org "Other Inc" --plan professional --ai-credits 1 \
  --email boss@other.example --password other-password --first-name Bo --last-name Ss >/dev/null
# (d): 100,000 dashboards in Acme Corp (org 1, created by user 1), 150,000 in
# the other organization (org 2), written through storage/ before start-up.
SEED="$BUILD/bench/seed/seed_dashboards"
"$SEED" "$WORK/data" 2 2 150000
"$SEED" "$WORK/data" 1 1 100000
KEY=$("$ADMIN" --data-dir "$WORK/data" keys create --email you@example.com --name bench \
  --scopes dashboards:read,organization:write 2>/dev/null | grep -o 'claribi_sk_live_[0-9A-Za-z]*' | head -1)
"$SERVER" --data-dir "$WORK/data" --listen 127.0.0.1:18443 --plain-listen 127.0.0.1:18080 --metrics-listen "" \
  --trusted-proxies 127.0.0.1 >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
START_NS=$(date +%s%N)
for _ in $(seq 1 600); do grep -q "ready with" "$WORK/server.log" && break; sleep 0.05; done
STARTUP_MS=$((($(date +%s%N) - START_NS) / 1000000))
RSS_KB=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
CA="$WORK/data/tls/dev-cert.pem"
TOKEN=$(curl -s --cacert "$CA" -X POST https://localhost:18443/api/auth/login/ -H "Content-Type: application/json" \
  -d '{"email": "you@example.com", "password": "your-password"}' | jq -r .access)
STATUS_BODY=$(curl -s --cacert "$CA" -H "Authorization: Bearer $TOKEN" https://localhost:18443/api/auth/status/)
mkdir -p "$WORK/nginx"
curl -s --cacert "$CA" -H "Authorization: Bearer $TOKEN" https://localhost:18443/api/dashboards/ >"$WORK/nginx/dashboards.json"
PAGE_BYTES=$(stat -c %s "$WORK/nginx/dashboards.json")
# nginx's workers may run as another user (root starts them as nobody).
chmod 755 "$WORK" "$WORK/nginx"; chmod 644 "$WORK/nginx/dashboards.json"

sed -e "s|@DIR@|$WORK/nginx|g" -e "s|@PLAIN_PORT@|18081|" -e "s|@TLS_PORT@|18444|" \
    -e "s|@CERT@|$CA|" -e "s|@KEY@|$WORK/data/tls/dev-key.pem|" -e "s|@BODY@|$STATUS_BODY|" \
    bench/nginx/nginx.conf.in >"$WORK/nginx/nginx.conf"
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx"
sleep 0.3
NGINX_PIDS() { pgrep -f "nginx: worker process" | tr '\n' ' '; }


declare -A RPS
ROWS=()
run() {  # run NAME URL PIDS... ; env BENCH_* set by the caller
  local name=$1 url=$2; shift 2
  env $WRK_ENV $WARMUP "$url" >/dev/null 2>&1 || true   # warm-up
  local before after out line
  before=$(ticks "$@")
  out=$(env $WRK_ENV $WRK "$url" 2>&1)
  after=$(ticks "$@")
  line=$(echo "$out" | grep '^RESULT' || true)
  if [ -z "$line" ]; then echo "$out"; echo "bench: $name: wrk produced no result" >&2; exit 1; fi
  read -r _ reqs non2xx sockerr rps p50 p99 <<<"$line"
  if [ "$non2xx" != "0" ]; then
    echo "$out"
    echo "bench: $name: $non2xx responses were not 2xx — refusing to report an error path" >&2
    exit 1
  fi
  local cpu_us
  cpu_us=$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$reqs" 'BEGIN { printf "%.1f", n ? t * 1e6 / hz / n : 0 }')
  RPS[$name]=$rps
  ROWS+=("$name|$rps|$p50|$p99|$cpu_us|$sockerr")
}

# Same as run, ROUNDS times over the group given on stdin as lines of
# "ENV|NAME|URL|PIDS" (interleaved), then one row per scenario: its median round.
run_rounds() {
  local -a specs=()
  local spec
  while IFS= read -r spec; do [ -n "$spec" ] && specs+=("$spec"); done
  local saved=("${ROWS[@]}")
  ROWS=()
  local r env name url pids
  for r in $(seq 1 "$ROUNDS"); do
    for spec in "${specs[@]}"; do
      IFS='|' read -r env name url pids <<<"$spec"
      WRK_ENV="$env" run "$name" "$url" $pids
    done
  done
  local rounds=("${ROWS[@]}")
  ROWS=("${saved[@]}")
  for spec in "${specs[@]}"; do
    IFS='|' read -r env name url pids <<<"$spec"
    local row
    row=$(printf '%s\n' "${rounds[@]}" | awk -F'|' -v n="$name" '$1 == n' | sort -t'|' -k2,2n |
          awk -v k="$ROUNDS" 'NR == int((k + 1) / 2)')
    ROWS+=("$row")
    RPS[$name]=$(echo "$row" | cut -d'|' -f2)
  done
}

NG=$(NGINX_PIDS)
run_rounds <<SCENARIOS
BENCH_PROXY=1|nginx plain (static)|http://127.0.0.1:18081/api/auth/status/|$NG
BENCH_PROXY=1 BENCH_AUTH=$TOKEN|(a) status JWT plain+proxy|http://127.0.0.1:18080/api/auth/status/|$SERVER_PID
BENCH_PROXY=1 BENCH_KEY=$KEY|(b) status key plain+proxy|http://127.0.0.1:18080/api/auth/status/|$SERVER_PID
BENCH_PROXY=0|nginx TLS (static)|https://127.0.0.1:18444/api/auth/status/|$NG
BENCH_AUTH=$TOKEN|(c) status JWT TLS|https://127.0.0.1:18443/api/auth/status/|$SERVER_PID
BENCH_CLOSE=1|nginx TLS new conn/request|https://127.0.0.1:18444/api/auth/status/|$NG
BENCH_AUTH=$TOKEN BENCH_CLOSE=1|(f) TLS new conn/request|https://127.0.0.1:18443/api/auth/status/|$SERVER_PID
SCENARIOS
WRK_ENV="BENCH_PROXY=1"                   run "nginx 20-item page (static)" http://127.0.0.1:18081/api/dashboards/ $(NGINX_PIDS)
WRK_ENV="BENCH_PROXY=1 BENCH_AUTH=$TOKEN" run "(d) dashboards page 1 of 20" "http://127.0.0.1:18080/api/dashboards/" $SERVER_PID
WRK_ENV="BENCH_PROXY=1 BENCH_AUTH=$TOKEN" run "(d') dashboards page 5000"   "http://127.0.0.1:18080/api/dashboards/?page=5000" $SERVER_PID
WRK_ENV="BENCH_PROXY=1 BENCH_AUTH=$TOKEN" run "(d'') page 1 ordering=-name" "http://127.0.0.1:18080/api/dashboards/?ordering=-name" $SERVER_PID
WRK_ENV="BENCH_PROXY=1 BENCH_AUTH=$TOKEN BENCH_METHOD=POST BENCH_BODY={\"name\":\"bench\",\"widgets\":[{\"type\":\"kpi\",\"query\":{\"data_source_id\":3,\"metrics\":[{\"op\":\"count\"}]}}]}" \
                                          run "(e) durable POST dashboards" http://127.0.0.1:18080/api/dashboards/ $SERVER_PID
WRK_ENV="BENCH_PROXY=1 BENCH_AUTH=$TOKEN BENCH_METHOD=POST BENCH_BODY={\"name\":\"bench\",\"scopes\":[]}" \
                                          run "(e') durable POST api-keys"  http://127.0.0.1:18080/api/api-keys/ $SERVER_PID

ratio() { awk -v a="${RPS[$1]:-0}" -v b="${RPS[$2]:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
echo
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  commit: $(git rev-parse --short HEAD 2>/dev/null || echo -)  nproc: $(nproc)  cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "wrk: $WRK <url>   (a 3 s warm-up first; rows compared with nginx: median of $ROUNDS interleaved rounds)"
echo "server start-up with 250,000 dashboards (2 organizations) in the database: ${STARTUP_MS} ms to ready, RSS ${RSS_KB} KiB; a 20-item page is ${PAGE_BYTES} bytes"
echo
printf '| %-28s | %9s | %8s | %8s | %11s | %7s | %12s |\n' scenario "req/s" "p50 µs" "p99 µs" "server µs/req" "sockerr" "ours / nginx"
printf '|%s|%s|%s|%s|%s|%s|%s|\n' "------------------------------" "-----------" "----------" "----------" "---------------" "---------" "--------------"
for row in "${ROWS[@]}"; do
  IFS='|' read -r name rps p50 p99 cpu sockerr <<<"$row"
  r="-"
  case "$name" in
    "(a)"*|"(b)"*) r=$(ratio "$name" "nginx plain (static)") ;;
    "(c)"*) r=$(ratio "$name" "nginx TLS (static)") ;;
    "(f)"*) r=$(ratio "$name" "nginx TLS new conn/request") ;;
    "(d"*) r=$(ratio "$name" "nginx 20-item page (static)") ;;
  esac
  printf '| %-28s | %9s | %8s | %8s | %13s | %7s | %12s |\n' "$name" "$rps" "$p50" "$p99" "$cpu" "$sockerr" "$r"
done

echo
echo "micro-benchmarks:"
for b in "$BUILD"/bench/micro/*/bench_*; do
  [ -x "$b" ] || continue
  taskset -c 1 "$b" --benchmark_min_time=0.2 2>/dev/null | grep -E '^(BM_|-----|Benchmark)' || true
done

echo
echo "instructions per in-process request (bench/callgrind.sh, callgrind; steadier than req/s here):"
bash bench/callgrind.sh "$BUILD"

echo
echo "ingest (bench/ingest.sh): the orders CSV uploaded over HTTPS, side by side with DuckDB's read_csv:"
bash bench/ingest.sh "$BUILD"

echo
echo "queries (bench/query.sh): six analytics queries over the same orders, side by side with DuckDB:"
bash bench/query.sh "$BUILD"

echo
echo "shared rate limits (bench/shared_limits.sh): the local limiter beside the Redis one (rate_limits.backend = redis):"
bash bench/shared_limits.sh "$BUILD"
echo
echo "PostgreSQL storage (bench/pg_storage.sh): durable creates on the embedded engine beside storage.backend = postgresql:"
bash bench/pg_storage.sh "$BUILD"
echo
echo "cluster (bench/cluster.sh): status and a dashboard page through HAProxy with 1, 2 and 3 nodes (PostgreSQL, Redis):"
bash bench/cluster.sh "$BUILD"
