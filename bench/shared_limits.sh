#!/usr/bin/env bash
# The cost of rate_limits.backend = "redis" (issue 17): GET /api/auth/status/
# with an API key on the plain listener (as behind a proxy), the local limiter
# vs the Redis one (a private redis-server on loopback), in interleaved rounds
# of the same run. Two servers on copies of one data directory, so both serve
# the same key; each is measured alone. Reports req/s, latency, the server's
# CPU µs per request and, for the Redis rows, Redis's own CPU µs per request.
# Fails if any answer is not 2xx.
set -euo pipefail
BUILD=${1:-build}
source bench/common.sh
WORK=$(mktemp -d /tmp/claribi-bench-limits-XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

export CLARIBI_RATE_LIMITS_API_KEY_PER_MINUTE=16000000  # exercised, never cutting a run
export CLARIBI_LOG_ACCESS=off
"$ADMIN" --data-dir "$WORK/local" bootstrap --org "Acme Corp" --plan professional --ai-credits 1 \
  --email you@example.com --password your-password --first-name Jane --last-name Smith >/dev/null
KEY=$("$ADMIN" --data-dir "$WORK/local" keys create --email you@example.com --name bench \
  --scopes dashboards:read 2>/dev/null | grep -o 'claribi_sk_live_[0-9A-Za-z]*' | head -1)
cp -r "$WORK/local" "$WORK/redis"

RPORT=$(free_port)
redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" >"$WORK/redis.log" 2>&1 &
REDIS_PID=$!
PIDS+=("$REDIS_PID")
for _ in $(seq 1 100); do redis-cli -p "$RPORT" PING 2>/dev/null | grep -q PONG && break; sleep 0.05; done

start() {  # start NAME PORT [flags]: prints the pid
  local name=$1 port=$2
  shift 2
  "$SERVER" --data-dir "$WORK/$name" --listen 127.0.0.1:0 --plain-listen "127.0.0.1:$port" --metrics-listen "" \
    --trusted-proxies 127.0.0.1 "$@" >"$WORK/$name.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 300); do grep -q "ready with" "$WORK/$name.log" && break; sleep 0.05; done
  echo "$pid"
}
LPORT=$(free_port)
SPORT=$(free_port)
LOCAL_PID=$(start local "$LPORT")
SHARED_PID=$(start redis "$SPORT" --rate-limits-backend redis --rate-limits-redis-url "redis://127.0.0.1:$RPORT")
PIDS+=("$LOCAL_PID" "$SHARED_PID")

ROWS=()
run() {  # run NAME PORT SERVER_PID
  local name=$1 url="http://127.0.0.1:$2/api/auth/status/" pid=$3
  BENCH_PROXY=1 BENCH_KEY=$KEY $WARMUP "$url" >/dev/null 2>&1 || true
  local s0 r0 s1 r1 out line
  s0=$(ticks "$pid"); r0=$(ticks "$REDIS_PID")
  out=$(BENCH_PROXY=1 BENCH_KEY=$KEY $WRK "$url" 2>&1)
  s1=$(ticks "$pid"); r1=$(ticks "$REDIS_PID")
  line=$(echo "$out" | grep '^RESULT' || true)
  [ -n "$line" ] || { echo "$out"; echo "bench: $name: no result" >&2; exit 1; }
  read -r _ reqs non2xx sockerr rps p50 p99 <<<"$line"
  [ "$non2xx" = "0" ] || { echo "$out"; echo "bench: $name: $non2xx answers were not 2xx" >&2; exit 1; }
  local us rus
  us=$(us_per_request $((s1 - s0)) "$reqs")
  rus=$(us_per_request $((r1 - r0)) "$reqs")
  ROWS+=("$name|$rps|$p50|$p99|$us|$rus|$sockerr")
}
for _ in $(seq 1 "$ROUNDS"); do
  run "status key, local limiter" "$LPORT" "$LOCAL_PID"
  run "status key, Redis limiter" "$SPORT" "$SHARED_PID"
done
checked=$(redis-cli -p "$RPORT" --raw KEYS 'claribi:rl:key:*' | wc -l)
[ "$checked" -ge 1 ] || { echo "bench: Redis holds no limit log: the Redis rows did not go through it" >&2; exit 1; }

echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  commit: $(git rev-parse --short HEAD 2>/dev/null || echo -)  nproc: $(nproc)  redis: $(redis-server --version | grep -o 'v=[0-9.]*')"
echo "wrk: $WRK <url>   (plain listener + X-Forwarded-Proto, API key; median of $ROUNDS interleaved rounds)"
printf '| %-27s | %9s | %8s | %8s | %13s | %12s | %7s |\n' scenario "req/s" "p50 µs" "p99 µs" "server µs/req" "redis µs/req" sockerr
printf '|%s|%s|%s|%s|%s|%s|%s|\n' "-----------------------------" "-----------" "----------" "----------" "---------------" "--------------" "---------"
for name in "status key, local limiter" "status key, Redis limiter"; do
  row=$(printf '%s\n' "${ROWS[@]}" | awk -F'|' -v n="$name" '$1 == n' | sort -t'|' -k2,2n | awk -v k="$ROUNDS" 'NR == int((k + 1) / 2)')
  IFS='|' read -r n rps p50 p99 us rus sockerr <<<"$row"
  [ "$name" = "status key, local limiter" ] && rus="-"
  printf '| %-27s | %9s | %8s | %8s | %13s | %12s | %7s |\n' "$n" "$rps" "$p50" "$p99" "$us" "$rus" "$sockerr"
done
