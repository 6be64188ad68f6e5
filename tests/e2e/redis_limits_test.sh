#!/usr/bin/env bash
# rate_limits.backend = "redis" (issue 17, item 2) on live servers: two nodes
# with the same identities (the second one starts from a backup of the first)
# share one private Redis (password-protected), and one API key's limit holds
# across both together — with the local backend (the negative control) each
# node admits the whole limit. Then Redis stopped (SIGSTOP: no answer) and
# killed: the local fallback admits each node's share, the closed fallback
# answers 503; Redis back: checks go there again, also after its script cache
# was flushed.
source "$(dirname "$0")/lib.sh"
command -v redis-server >/dev/null || { echo "redis-server not installed (tools/install-deps.sh installs it)"; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
RPORT=$(free_port)
RPASS=redis-test-password
RDIR="$DATA-redis"
B_DATA="$DATA-b"
mkdir -p "$RDIR"
REDIS_PID=""
B_PID=""
start_redis() {
  redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --requirepass "$RPASS" \
    --dir "$RDIR" >"$RDIR/redis.log" 2>&1 &
  REDIS_PID=$!
  for _ in $(seq 1 100); do rcli PING 2>/dev/null | grep -q PONG && return 0; sleep 0.05; done
  echo "redis did not start"; cat "$RDIR/redis.log"; exit 1
}
rcli() { redis-cli -p "$RPORT" -a "$RPASS" --no-auth-warning "$@"; }
stop_redis() {
  if [ -n "$REDIS_PID" ] && kill -0 "$REDIS_PID" 2>/dev/null; then
    kill -CONT "$REDIS_PID" 2>/dev/null || true
    kill "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null || true
  fi
  REDIS_PID=""
}
stop_b() { if [ -n "$B_PID" ] && kill -0 "$B_PID" 2>/dev/null; then kill -TERM "$B_PID"; wait "$B_PID" 2>/dev/null || true; fi; B_PID=""; }
trap 'stop_b; stop_redis; rm -rf "$RDIR" "$B_DATA" "$B_DATA.log"; cleanup' EXIT

REDIS_URL="redis://:$RPASS@127.0.0.1:$RPORT"
# A generous timeout: on a loaded 2-core CI machine an answer can take more than the 5 ms default, and
# a check decided by the fallback would make the exact counts below depend on timing.
SHARED=(--rate-limits-backend redis --rate-limits-redis-url "$REDIS_URL" --rate-limits-api-key-per-minute 6
  --rate-limits-redis-timeout-ms 2000)
# Node B: the same binary on the backup of node A's data (and A's JWT secret and certificate).
start_b() {
  "$SERVER_BIN" --data-dir "$B_DATA" --listen 127.0.0.1:0 --plain-listen "" --metrics-listen 127.0.0.1:0 --threads 2 \
    --auth-argon2-memory-kib 1024 --auth-argon2-iterations 1 "$@" >"$B_DATA.log" 2>&1 &
  B_PID=$!
  for _ in $(seq 1 300); do
    grep -q "ready with" "$B_DATA.log" 2>/dev/null && break
    kill -0 "$B_PID" 2>/dev/null || { echo "node b died:"; cat "$B_DATA.log"; exit 1; }
    sleep 0.1
  done
  B_BASE="https://localhost:$(sed -n 's/.*https listening on .*:\([0-9]*\)$/\1/p' "$B_DATA.log" | tail -1)"
  B_METRICS=$(sed -n 's/.*metrics listening on .*:\([0-9]*\) .*/\1/p' "$B_DATA.log" | tail -1)
}
restart_both() {
  stop_b
  stop_server
  start_server "$@"
  start_b "$@"
}
# status BASE KEY: one GET /api/auth/status/ with the key; sets ST, REMAINING, RETRY (headers) and B.
status() {
  local out
  out=$(curl -s -D "$DATA.headers" -w '\n%{http_code}' "$1/api/auth/status/" -H "X-API-Key: $2") || true
  take_response "$out"
  REMAINING=$(tr -d '\r' <"$DATA.headers" | sed -n 's/^X-RateLimit-Remaining: //p')
  RETRY=$(tr -d '\r' <"$DATA.headers" | sed -n 's/^Retry-After: //p')
}
# alternate N KEY: N requests, A and B in turn; prints how many got 200.
alternate() {
  local ok=0 i
  for i in $(seq 1 "$1"); do
    if [ $((i % 2)) -eq 1 ]; then status "$BASE" "$2"; else status "$B_BASE" "$2"; fi
    [ "$ST" = 200 ] && ok=$((ok + 1))
  done
  echo "$ok"
}
metric() {  # metric PORT 'name{labels}'
  curl -s "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1==m {print $2}'
}

start_redis
start_server "${SHARED[@]}"
check "the start-up line names the shared store, never its password" \
  "$(grep -c "rate limits shared in Redis at 127.0.0.1:$RPORT" "$LOG") $(grep -c "$RPASS" "$LOG")" "1 0"
A bootstrap --org "Acme Corp" --plan professional --ai-credits 10 --email admin@acme.test \
  --password admin-password --first-name Ada --last-name Admin >/dev/null
ADMIN=$(login admin@acme.test admin-password)
new_key() {  # new_key NAME: a key on node A (JWT requests: they count on the user's own limit); prints "key id"
  req POST /api/api-keys/ "$ADMIN" "{\"name\": \"$1\", \"scopes\": [\"dashboards:read\"]}"
  echo "$(jr .key) $(jr .id)"
}
read -r K1 K1_ID <<<"$(new_key first)"
read -r K2 _ <<<"$(new_key second)"
read -r K3 _ <<<"$(new_key third)"
read -r K4 _ <<<"$(new_key fourth)"
read -r K5 K5_ID <<<"$(new_key fifth)"
read -r K6 K6_ID <<<"$(new_key sixth)"
check "keys created through the Redis-checked path" "${K4:0:11}" "claribi_sk_"
mkdir -p "$B_DATA"
A backup "$B_DATA/db" >/dev/null
cp "$DATA/jwt.secret" "$B_DATA/jwt.secret"
cp -r "$DATA/tls" "$B_DATA/tls"  # the same development certificate: one CA bundle for both
start_b "${SHARED[@]}"

# --- one limit across two nodes ------------------------------------------------
remaining=""
for i in 1 2 3 4 5 6 7 8; do
  if [ $((i % 2)) -eq 1 ]; then status "$BASE" "$K1"; else status "$B_BASE" "$K1"; fi
  remaining+="$ST:$REMAINING "
done
check "6 per minute across A and B together: the count goes on from node to node" "$remaining" \
  "200:5 200:4 200:3 200:2 200:1 200:0 429:0 429:0 "
check "the 429 says when to come back" "$([ "${RETRY:-0}" -ge 1 ] && [ "${RETRY:-0}" -le 60 ] && echo ok)" "ok"
check "the 429 body (§3)" "$(jr .error)" "rate_limited"
check "Redis holds the key's log: the 6 admitted" "$(rcli ZCARD "claribi:rl:key:$K1_ID")" "6"
check "12 more requests across both: none admitted" "$(alternate 12 "$K1")" "0"
check "node B's JWT check goes to the same user bucket" \
  "$(curl -s -o /dev/null -w '%{http_code}' "$B_BASE/api/auth/status/" -H "Authorization: Bearer $ADMIN")" "200"
sleep 1.2  # a heartbeat from each node
check "both nodes' heartbeats are in Redis" "$(rcli ZCARD claribi:nodes)" "2"
check "node A's checks were decided by Redis (metrics)" \
  "$([ "$(metric "$METRICS_PORT" 'claribi_shared_limit_checks_total{decided_by="redis"}')" -ge 10 ] && echo ok)" "ok"

# A streamed upload waits for its check with its body unread, then streams it.
seq 1 20000 | awk 'BEGIN {print "n,region"} {print $1 ",EMEA"}' >"$DATA.csv"
upload_csv "$DATA.csv" "$ADMIN"
check "a 20,000-row streamed upload through the shared check" "$ST $(jr .appended)" "201 20000"
# Pipelined requests on one connection are answered in order, each after its own check.
out=$(curl -s -w '%{http_code} ' -o /dev/null -o /dev/null -o /dev/null \
  "$BASE/api/dashboards/" "$BASE/api/auth/status/" "$BASE/api/dashboards/" \
  -H "Authorization: Bearer $ADMIN")
check "three requests on one keep-alive connection" "$out" "200 200 200 "

# --- the negative control: the local backend counts per node ----------------
restart_both --rate-limits-api-key-per-minute 6
check "local backend: each node admits the whole limit (12 of 20)" "$(alternate 20 "$K2")" "12"

# --- Redis gives no answer (SIGSTOP): each node's share ------------------------
restart_both "${SHARED[@]}" --rate-limits-redis-timeout-ms 500
sleep 1.2  # heartbeats: 2 live nodes
kill -STOP "$REDIS_PID"
status "$BASE" "$K3"
check "no answer within 500 ms: decided by the fallback, not held" "$ST $REMAINING" "200 2"
for _ in 1 2 3 4; do status "$BASE" "$K3"; done
check "node A admits its share only (6 / 2 nodes = 3)" "$ST $REMAINING" "429 0"
check "the fallback is logged" "$(grep -c "gave no answer within 500 ms" "$LOG" | awk '{print ($1 >= 1)}')" "1"
check "metrics count the local-share decisions" \
  "$(metric "$METRICS_PORT" 'claribi_shared_limit_checks_total{decided_by="local_share"}')" "5"
kill -CONT "$REDIS_PID"
sleep 1.2  # past the second the fallback holds after a timeout
status "$BASE" "$K4"
check "Redis answers again: checked there" "$ST $REMAINING" "200 5"
check "and it holds the key's log" "$(rcli --raw KEYS 'claribi:rl:key:*' | wc -l | awk '{print ($1 >= 2)}')" "1"

# Retry-After when the log holds more than the limit (a limit lowered): the
# request is admitted again when the limit-th newest entry leaves the window,
# not the oldest. 2 entries 55 s old and 6 entries 5 s old, limit 6: 55 s.
read -r rsec rusec <<<"$(rcli --raw TIME | tr '\n' ' ')"
rnow=$((rsec * 1000 + rusec / 1000))
for i in 1 2; do rcli ZADD "claribi:rl:key:$K5_ID" $((rnow - 55000)) "old$i" >/dev/null; done
for i in 1 2 3 4 5 6; do rcli ZADD "claribi:rl:key:$K5_ID" $((rnow - 5000)) "new$i" >/dev/null; done
status "$BASE" "$K5"
check "8 in the log, limit 6: refused, Retry-After from the 6th newest (55 s, not the oldest's 5 s)" \
  "$ST $([ "${RETRY:-0}" -ge 50 ] && [ "${RETRY:-0}" -le 56 ] && echo ok || echo "$RETRY")" "429 ok"

# --- Redis killed with a command unread (SIGSTOP, then SIGKILL: a reset) --------
# The node must see the reset, give up that connection and connect to the new Redis.
kill -STOP "$REDIS_PID"
status "$BASE" "$K6"
check "Redis stopped: decided by the fallback" "$ST $REMAINING" "200 2"
kill -KILL "$REDIS_PID"
wait "$REDIS_PID" 2>/dev/null || true
REDIS_PID=""
start_redis
ok=no
for _ in $(seq 1 60); do
  status "$BASE" "$K6"
  [ "$(rcli ZCARD "claribi:rl:key:$K6_ID")" -ge 1 ] && { ok=yes; break; }
  sleep 0.1
done
check "a new Redis after a reset: node A checks there again" "$ok" "yes"
check "the reset was seen as one (not only as a silence)" \
  "$(grep -c "Connection reset by peer" "$LOG" | awk '{print ($1 >= 1)}')" "1"

# --- Redis gone: closed fallback answers 503, then Redis comes back ----------------
stop_b
start_b "${SHARED[@]}" --rate-limits-redis-fallback closed
stop_redis
status "$B_BASE" "$K4"
check "closed fallback with Redis down: 503 unavailable" "$ST $(jr .error) $RETRY" "503 unavailable 1"
status "$BASE" "$K4"
check "local fallback with Redis down: node A still answers (its share)" "$ST" "200"
start_redis  # empty: its script cache too (the nodes loaded the script on the old one)
ok=""
for _ in $(seq 1 40); do  # reconnects within a tick or two
  status "$B_BASE" "$K4"
  [ "$ST" = 200 ] && { ok=yes; break; }
  sleep 0.1
done
check "Redis back: node B checks there again" "$ok $REMAINING" "yes 5"
rcli SCRIPT FLUSH >/dev/null
status "$B_BASE" "$K4"
check "after SCRIPT FLUSH the script is sent again (NOSCRIPT)" "$ST $REMAINING" "200 4"

# --- the settings -------------------------------------------------------------
out=$("$SERVER_BIN" --data-dir "$DATA" --check-config --rate-limits-backend redis --rate-limits-redis-url "$REDIS_URL" 2>&1 || true)
check "--check-config masks the Redis password" \
  "$(grep -c "rate_limits.redis_url = \"redis://:\*\*\*@127.0.0.1:$RPORT\"" <<<"$out") $(grep -c "$RPASS" <<<"$out")" "1 0"
rc=0
out=$("$SERVER_BIN" --data-dir "$DATA" --check-config --rate-limits-redis-url "http://x" 2>&1) || rc=$?
check "a URL that is not redis:// is a configuration error" "$rc $(grep -c 'rate_limits.redis_url' <<<"$out" | awk '{print ($1 >= 1)}')" "2 1"
rm -f "$DATA.csv" "$DATA.headers"
finish
