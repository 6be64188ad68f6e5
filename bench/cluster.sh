#!/usr/bin/env bash
# Cluster mode's overhead (issue 17, item 7): the authenticated status (JWT)
# and a dashboard page (GET /api/dashboards/, 20 of 60) through HAProxy — TLS
# ended there, config/haproxy.cfg.example with loopback addresses and
# maxconn 1000 (this shell's open-file limit) — in front of 1, 2 and 3 nodes
# on one PostgreSQL and one Redis (rate limits shared). Two baselines in the
# same interleaved rounds: one node as a single box runs it (TLS on the node,
# the limiter local) and node 1 reached without HAProxy (plain listener +
# X-Forwarded-Proto, Redis limits), which splits HAProxy's cost from Redis's.
# Every node stores in PostgreSQL; reads are served from memory whichever
# the backend (bench/pg_storage.sh measures status equal on both). Reports
# req/s, latency and the CPU µs per request of the nodes, HAProxy, Redis and
# PostgreSQL. Everything shares this machine's cores: more nodes are more
# processes on the same 2 cores, so this shows what the cluster costs per
# request, not how it scales. Fails if any answer is not 2xx.
set -euo pipefail
BUILD=${1:-build}
source bench/common.sh
WORK=$(mktemp -d /tmp/claribi-bench-cluster-XXXXXX)
source bench/local_pg.sh

# PostgreSQL and Redis, on loopback.
start_local_pg
mkdir -p "$WORK/redis" "$WORK/haproxy"
RPORT=$(free_port)
redis-server --bind 127.0.0.1 --port "$RPORT" --save "" --appendonly no --dir "$WORK/redis" >"$WORK/redis/log" 2>&1 &
REDIS_PID=$!
PIDS+=("$REDIS_PID")
for _ in $(seq 1 100); do redis-cli -p "$RPORT" PING 2>/dev/null | grep -q PONG && break; sleep 0.05; done

export CLARIBI_RATE_LIMITS_JWT_PER_MINUTE=16000000  # exercised, never cutting a run
export CLARIBI_LOG_ACCESS=off
export CLARIBI_JWT_SECRET="bench-cluster-secret-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export CLARIBI_STORAGE_BACKEND=postgresql
export CLARIBI_STORAGE_POSTGRESQL_URL="$PG_URL"
"$ADMIN" --data-dir "$WORK/admin" migrate >/dev/null
"$ADMIN" --data-dir "$WORK/admin" bootstrap --org "Acme Corp" --plan professional --ai-credits 1 \
  --email you@example.com --password your-password --first-name Jane --last-name Smith >/dev/null
REDIS=(--rate-limits-backend redis --rate-limits-redis-url "redis://127.0.0.1:$RPORT")

declare -A NODE_PID NODE_PORT NODE_TLS
start_node() {  # start_node NAME [flags]: TLS (its development certificate) and plain (as behind HAProxy)
  local name=$1 port tls
  shift
  port=$(free_port)
  tls=$(free_port)
  "$SERVER" --data-dir "$WORK/$name" --listen "127.0.0.1:$tls" --plain-listen "127.0.0.1:$port" --metrics-listen "" \
    --trusted-proxies 127.0.0.1 "$@" >"$WORK/$name.log" 2>&1 &
  NODE_PID[$name]=$!
  NODE_PORT[$name]=$port
  NODE_TLS[$name]=$tls
  PIDS+=("$!")
  for _ in $(seq 1 300); do grep -q "ready with" "$WORK/$name.log" && return 0; sleep 0.05; done
  echo "bench: node $name did not start"; cat "$WORK/$name.log"; exit 1
}
start_node single  # the baseline: one node as a single box runs it (TLS on the node, local limiter), no HAProxy
for n in 1 2 3; do start_node "node$n" "${REDIS[@]}"; done

# HAProxy with 1, 2 or 3 of the nodes: the example's file, TLS on the development certificate.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
  -keyout "$WORK/haproxy/key.pem" -out "$WORK/haproxy/cert.pem" 2>/dev/null
cat "$WORK/haproxy/cert.pem" "$WORK/haproxy/key.pem" >"$WORK/haproxy/claribi.pem"
declare -A LB_PID LB_PORT
for count in 1 2 3; do
  port=$(free_port)
  servers=""
  for n in $(seq 1 "$count"); do servers+="    server node$n 127.0.0.1:${NODE_PORT[node$n]}\n"; done
  sed -e "s|bind :443 ssl crt /etc/haproxy/certs/claribi.pem|bind 127.0.0.1:$port ssl crt $WORK/haproxy/claribi.pem|" \
    -e "s|bind :80$|bind 127.0.0.1:$(free_port)|" -e "s|log /dev/log local0 info|log stderr format raw local0 err|" -e "s|maxconn 20000|maxconn 1000|" \
    -e "/^    server node[0-9]/d" "config/haproxy.cfg.example" >"$WORK/haproxy/$count.cfg"
  printf "$servers" >>"$WORK/haproxy/$count.cfg"
  haproxy -db -f "$WORK/haproxy/$count.cfg" >"$WORK/haproxy/$count.log" 2>&1 &
  LB_PID[$count]=$!
  LB_PORT[$count]=$port
  PIDS+=("$!")
done
LB() { echo "https://localhost:${LB_PORT[$1]}"; }
for count in 1 2 3; do  # HAProxy marks its servers UP after two checks 1 s apart (rise 2)
  for _ in $(seq 1 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' -k "$(LB "$count")/api/health/")" = 200 ] && break
    sleep 0.1
  done
done
sleep 2
TOKEN=$(curl -s --cacert "$WORK/haproxy/cert.pem" -X POST "$(LB 3)/api/auth/login/" -H "Content-Type: application/json" \
  -d '{"email": "you@example.com", "password": "your-password"}' | jq -r .access)
for i in $(seq 1 60); do
  curl -s -o /dev/null --cacert "$WORK/haproxy/cert.pem" -X POST "$(LB 3)/api/dashboards/" -H "Authorization: Bearer $TOKEN" \
    -H "Content-Type: application/json" -d "{\"name\": \"dashboard $i\", \"description\": \"for the cluster benchmark\", \"widgets\": []}"
done
sleep 0.5  # every node applies the change log
for n in single node1 node2 node3; do
  got=$(curl -s -H "X-Forwarded-Proto: https" -H "Authorization: Bearer $TOKEN" \
    "http://127.0.0.1:${NODE_PORT[$n]}/api/dashboards/" | jq .count)
  [ "$got" = 60 ] || { echo "bench: $n lists $got dashboards, not 60"; exit 1; }
done
pg_pids() { echo "$POSTMASTER $(pgrep -P "$POSTMASTER" | tr '\n' ' ')"; }

# What the idle processes cost (heartbeats, change-log follower, HAProxy's health checks), ms of CPU per s.
idle_ms() { awk -v t="$1" -v hz="$HZ" 'BEGIN { printf "%.1f", t * 1000 / hz / 5 }'; }
i0=$(ticks "${NODE_PID[node1]}" "${NODE_PID[node2]}" "${NODE_PID[node3]}"); j0=$(ticks "${LB_PID[@]}")
r0=$(ticks "$REDIS_PID"); g0=$(ticks $(pg_pids))
sleep 5
IDLE="idle, 5 s: nodes 1-3 $(idle_ms $(($(ticks "${NODE_PID[node1]}" "${NODE_PID[node2]}" "${NODE_PID[node3]}") - i0))) ms CPU/s,"
IDLE+=" the 3 HAProxy instances $(idle_ms $(($(ticks "${LB_PID[@]}") - j0))), Redis $(idle_ms $(($(ticks "$REDIS_PID") - r0))),"
IDLE+=" PostgreSQL $(idle_ms $(($(ticks $(pg_pids)) - g0)))"

ROWS=()
run() {  # run NAME URL PROXY(0|1) "NODE PIDS" "HAPROXY PID"
  local name=$1 url=$2 nodes=$4 lb=$5
  local -a wenv=(env BENCH_PROXY="$3" BENCH_AUTH="$TOKEN" BENCH_METHOD=GET)
  "${wenv[@]}" $WARMUP "$url" >/dev/null 2>&1 || true
  local n0 h0 r0 g0 n1 h1 r1 g1 out line
  n0=$(ticks $nodes); h0=$(ticks $lb); r0=$(ticks "$REDIS_PID"); g0=$(ticks $(pg_pids))
  out=$("${wenv[@]}" $WRK "$url" 2>&1)
  n1=$(ticks $nodes); h1=$(ticks $lb); r1=$(ticks "$REDIS_PID"); g1=$(ticks $(pg_pids))
  line=$(echo "$out" | grep '^RESULT' || true)
  [ -n "$line" ] || { echo "$out"; echo "bench: $name: no result" >&2; exit 1; }
  read -r _ reqs non2xx sockerr rps p50 p99 <<<"$line"
  [ "$non2xx" = "0" ] || { echo "$out"; echo "bench: $name: $non2xx answers were not 2xx" >&2; exit 1; }
  local total=$(((n1 - n0) + (h1 - h0) + (r1 - r0) + (g1 - g0)))
  ROWS+=("$name|$rps|$p50|$p99|$(us_per_request $((n1 - n0)) "$reqs")|$(us_per_request $((h1 - h0)) "$reqs")|$(us_per_request $((r1 - r0)) "$reqs")|$(us_per_request $((g1 - g0)) "$reqs")|$(us_per_request "$total" "$reqs")|$sockerr")
}
SCENARIOS=()
for what in "status JWT:/api/auth/status/" "dashboard page:/api/dashboards/"; do
  for s in "1 node, TLS, local limits" "1 node, Redis, no HAProxy" "HAProxy + 1 node" "HAProxy + 2 nodes" "HAProxy + 3 nodes"; do
    SCENARIOS+=("${what%%:*}, $s")
  done
done
for _ in $(seq 1 "$ROUNDS"); do
  for what in "status JWT:/api/auth/status/" "dashboard page:/api/dashboards/"; do
    label=${what%%:*}
    path=${what##*:}
    run "$label, 1 node, TLS, local limits" "https://127.0.0.1:${NODE_TLS[single]}$path" 0 "${NODE_PID[single]}" ""
    run "$label, 1 node, Redis, no HAProxy" "http://127.0.0.1:${NODE_PORT[node1]}$path" 1 "${NODE_PID[node1]}" ""
    for count in 1 2 3; do
      pids=""
      for n in $(seq 1 "$count"); do pids+="${NODE_PID[node$n]} "; done
      run "$label, HAProxy + $count node$([ "$count" -gt 1 ] && echo s)" "$(LB "$count")$path" 0 "$pids" "${LB_PID[$count]}"
    done
  done
done

echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  commit: $(git rev-parse --short HEAD 2>/dev/null || echo -)  nproc: $(nproc)  $(haproxy -v | head -1 | cut -d' ' -f1-3)  $(redis-server --version | cut -d' ' -f1-3)"
echo "$IDLE"
echo "wrk: $WRK <url>   (JWT over TLS, except the plain 'no HAProxy' row; median of $ROUNDS interleaved rounds)"
printf '| %-41s | %8s | %7s | %7s | %9s | %9s | %8s | %8s | %9s | %7s |\n' scenario "req/s" "p50 µs" "p99 µs" \
  "nodes µs" "HAProxy µs" "Redis µs" "PG µs" "total µs" sockerr
printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' "-------------------------------------------" "----------" "---------" "---------" \
  "-----------" "------------" "----------" "----------" "-----------" "---------"
for name in "${SCENARIOS[@]}"; do
  row=$(printf '%s\n' "${ROWS[@]}" | awk -F'|' -v n="$name" '$1 == n' | sort -t'|' -k2,2n | awk -v k="$ROUNDS" 'NR == int((k + 1) / 2)')
  IFS='|' read -r n rps p50 p99 nus hus rus gus tus sockerr <<<"$row"
  printf '| %-41s | %8s | %7s | %7s | %9s | %10s | %8s | %8s | %9s | %7s |\n' "$n" "$rps" "$p50" "$p99" "$nus" "$hus" "$rus" "$gus" "$tus" "$sockerr"
done
