#!/usr/bin/env bash
# Cluster mode on a real topology (issue 17, item 6): a PostgreSQL primary
# with a synchronous standby, Redis, HAProxy (config/haproxy.cfg.example, its
# addresses replaced) and three claribi-server nodes, each in its own network
# namespace on one bridge, all started and torn down here. It checks, each
# with a negative control that shows the check can fail:
#   limits      one API key's most admitted in any 60 s window across the
#               three nodes = its limit (control: the local backend admits
#               the limit on every node)
#   revocation  keys revoked on node 1 are refused on node 3 (each worked
#               there first); the lag's p50/p99/max are printed
#   durability  writes through HAProxy while node 2 is SIGKILLed, node 3's
#               cable is pulled and the PostgreSQL primary is SIGKILLed (the
#               standby promoted): every acknowledged 201 reads back (control:
#               with an asynchronous standby cut off before the promotion,
#               acknowledged writes are lost, and the same read-back finds it)
#   failover    the time without a successful write around each failure,
#               printed (timings are measured, never asserted)
# CLUSTER_TEST_MODE=short (make test): fewer keys and shorter phases, no
# sliding-window run. Needs root for the namespaces: without it, exit 77
# (ctest: skipped), or 1 with CLUSTER_TEST_REQUIRE=1 (make test-cluster).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/netns_lib.sh"
if ! netns_available; then
  echo "network namespaces are not available here (needs root and ip netns): the cluster test cannot run"
  [ "${CLUSTER_TEST_REQUIRE:-0}" = 1 ] && exit 1
  exit 77
fi
source "$HERE/../e2e/lib.sh"
MODE=${CLUSTER_TEST_MODE:-full}
for tool in haproxy redis-server redis-cli psql python3; do
  command -v "$tool" >/dev/null || { echo "$tool not installed (tools/install-deps.sh installs it)"; exit 1; }
done
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$PGBIN/initdb" ] || { echo "PostgreSQL server not installed (tools/install-deps.sh installs it)"; exit 1; }

NETNS_ADDR=([lb]=10.77.0.5 [n1]=10.77.0.11 [n2]=10.77.0.12 [n3]=10.77.0.13 [redis]=10.77.0.20
  [pg1]=10.77.0.31 [pg2]=10.77.0.32 [pg3]=10.77.0.33 [client]=10.77.0.100)
NODES=(n1 n2 n3)
declare -A NODE_PID
teardown() {
  netns_teardown
  cleanup
}
trap teardown EXIT
trap "exit 1" INT TERM
netns_setup lb n1 n2 n3 redis pg1 pg2 pg3 client
echo "namespaces up ($NETNS_ID-*)"

now() { date +%s.%N; }
DRIVE=(inns client python3 "$HERE/drive.py")
jget() { jq -r "$1" <<<"$2"; }

# --- PostgreSQL: a primary and a synchronous standby ------------------------------------------
echo "[${SECONDS} s] PostgreSQL: a primary and a synchronous standby"
PGPASS=cluster-pg-password
PGW="$DATA/pg"
mkdir -p "$PGW"
chmod 755 "$DATA"  # postgres must reach $PGW
echo "$PGPASS" >"$PGW/pw"
chown -R postgres "$PGW"
as_pg() { runuser -u postgres -- "$@"; }
as_pg "$PGBIN/initdb" -D "$PGW/pg1" -A scram-sha-256 --pwfile="$PGW/pw" -U claribi >"$PGW/initdb.log" 2>&1 ||
  { cat "$PGW/initdb.log"; exit 1; }
printf 'host all claribi 10.77.0.0/24 scram-sha-256\nhost replication claribi 10.77.0.0/24 scram-sha-256\n' \
  >>"$PGW/pg1/pg_hba.conf"
# pg_start NAME [settings...]: the server of $PGW/NAME inside NAME's namespace (its own socket directory).
pg_start() {
  local n=$1
  shift
  mkdir -p "$PGW/$n.sock"
  chown postgres "$PGW/$n.sock"
  inns "$n" runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGW/$n" -w -t 60 -l "$PGW/$n.log" \
    -o "-c listen_addresses=${NETNS_ADDR[$n]} -k $PGW/$n.sock -c fsync=on $*" start >/dev/null
}
pg_kill() {  # every process of NAME's server, SIGKILL (its kernel still answers: connections are reset)
  local pids
  pids=$(ip netns pids "$(ns_of "$1")")
  [ -n "$pids" ] && kill -KILL $pids 2>/dev/null || true
  for _ in $(seq 1 100); do [ -z "$(ip netns pids "$(ns_of "$1")")" ] && break; sleep 0.05; done
}
psql_at() {  # psql_at NAME SQL: as the client, on NAME's server
  inns client env PGPASSWORD="$PGPASS" psql -h "${NETNS_ADDR[$1]}" -U claribi -d postgres -X -q -t -A -c "$2"
}
# standby_of NAME PRIMARY [application_name]: a base backup of PRIMARY that streams from it.
standby_of() {
  inns "$1" runuser -u postgres -- env PGPASSWORD="$PGPASS" "$PGBIN/pg_basebackup" -h "${NETNS_ADDR[$2]}" \
    -U claribi -D "$PGW/$1" -X stream -R --checkpoint=fast >/dev/null
  echo "primary_conninfo = 'host=${NETNS_ADDR[$2]} user=claribi password=$PGPASS application_name=${3:-$1}'" \
    >>"$PGW/$1/postgresql.auto.conf"
}
# replication_state PRIMARY APPLICATION COLUMN: sync_state or state of that standby, as PRIMARY sees it.
replication_state() { psql_at "$1" "SELECT $3 FROM pg_stat_replication WHERE application_name = '$2'"; }
# wait_replication PRIMARY APPLICATION COLUMN VALUE: bounded (10 s).
wait_replication() {
  for _ in $(seq 1 100); do [ "$(replication_state "$1" "$2" "$3")" = "$4" ] && return 0; sleep 0.1; done
  return 1
}
# The primary waits for the standby named "standby" (only on its command line: a promoted standby does not
# inherit it, so it accepts commits alone, as an operator's promotion script would configure).
pg_start pg1 -c synchronous_standby_names=standby
standby_of pg2 pg1 standby
pg_start pg2
wait_replication pg1 standby sync_state sync || true
check "PostgreSQL: the standby replicates synchronously" "$(replication_state pg1 standby sync_state)" "sync"
psql_at pg1 "CREATE DATABASE claribi" >/dev/null
# Every node knows every server; libpq takes the one that accepts writes.
PG_URL="postgresql://claribi:$PGPASS@10.77.0.31:5432,10.77.0.32:5432,10.77.0.33:5432/claribi?target_session_attrs=read-write"

# --- Redis, the nodes' settings, the schema, two organizations ---------------------------------
echo "[${SECONDS} s] Redis, the nodes' settings, the schema, two organizations"
RPASS=cluster-redis-password
mkdir -p "$DATA/redis"
ip netns exec "$(ns_of redis)" redis-server --bind 10.77.0.20 --port 6379 --save "" --appendonly no --requirepass "$RPASS" \
  --dir "$DATA/redis" >"$DATA/redis/log" 2>&1 &
for _ in $(seq 1 100); do
  inns client redis-cli -h 10.77.0.20 -a "$RPASS" --no-auth-warning PING 2>/dev/null | grep -q PONG && break
  sleep 0.05
done
LIMIT=20
cat >"$DATA/node.toml" <<EOF
[rate_limits]
jwt_per_minute = 1000000
api_key_per_minute = 1000000
login_per_email = 1000
login_per_address = 1000
# "Limited Inc" is on the starter plan: its keys get the limit the test counts.
[rate_limits.plans.starter]
api_key_per_minute = $LIMIT
EOF
JWT_SECRET="cluster-test-secret-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
ENV=(env CLARIBI_JWT_SECRET="$JWT_SECRET" CLARIBI_STORAGE_BACKEND=postgresql CLARIBI_STORAGE_POSTGRESQL_URL="$PG_URL")
ADM() { inns client "${ENV[@]}" "$ADMIN_BIN" --data-dir "$DATA/admin" --config "$DATA/node.toml" "$@"; }
ADM migrate >/dev/null
ADM bootstrap --org "Acme Corp" --plan professional --ai-credits 10 --email admin@acme.test \
  --password admin-password --first-name Ada --last-name Admin >/dev/null
ADM bootstrap --org "Limited Inc" --plan starter --ai-credits 1 --email boss@limited.test \
  --password limited-password --first-name Li --last-name Mited >/dev/null
REDIS_LIMITS=(--rate-limits-backend redis --rate-limits-redis-url "redis://:$RPASS@10.77.0.20:6379"
  --rate-limits-redis-timeout-ms 2000)

# start_node NAME [flags]: a node in its namespace: HTTPS on :8443, plain HTTP on :8080 for HAProxy and the
# client (both trusted proxies), metrics on :9100.
start_node() {
  local n=$1 a=${NETNS_ADDR[$1]} ready
  shift
  mkdir -p "$DATA/$n"
  ready=$(grep -c "ready with" "$DATA/$n.log" 2>/dev/null || true)
  # Not through inns (a function: $! would be its subshell, not the server).
  ip netns exec "$(ns_of "$n")" "${ENV[@]}" "$SERVER_BIN" --config "$DATA/node.toml" --data-dir "$DATA/$n" --listen "$a:8443" \
    --plain-listen "$a:8080" --metrics-listen "$a:9100" --trusted-proxies 10.77.0.5/32,10.77.0.100/32 \
    --threads 2 --analytics-query-threads 1 --auth-argon2-memory-kib 1024 --auth-argon2-iterations 1 "$@" \
    >>"$DATA/$n.log" 2>&1 &
  NODE_PID[$n]=$!
  for _ in $(seq 1 300); do
    [ "$(grep -c "ready with" "$DATA/$n.log" || true)" -gt "${ready:-0}" ] && return 0
    kill -0 "${NODE_PID[$n]}" 2>/dev/null || { echo "node $n died:"; tail -20 "$DATA/$n.log"; exit 1; }
    sleep 0.1
  done
  echo "node $n did not start within 30 s"; tail -20 "$DATA/$n.log"; exit 1
}
stop_node() {
  local pid=${NODE_PID[$1]}
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
restart_nodes() {
  for n in "${NODES[@]}"; do stop_node "$n"; done
  for n in "${NODES[@]}"; do start_node "$n" "${REDIS_LIMITS[@]}"; done
  if [ -n "${LB:-}" ]; then for n in "${NODES[@]}"; do wait_lb "node${n#n}" UP >/dev/null; done; fi
}
kill9_node() { kill -KILL "${NODE_PID[$1]}"; wait "${NODE_PID[$1]}" 2>/dev/null || true; }
plain() { echo "http://${NETNS_ADDR[$1]}:8080"; }
ALL_PLAIN="$(plain n1),$(plain n2),$(plain n3)"
# api NODE METHOD PATH CREDENTIAL [BODY]: one request from the client, sets ST and B.
api() {
  local args=(-s -w '\n%{http_code}' -X "$2" "$(plain "$1")$3" -H "X-Forwarded-Proto: https" -H "$(auth "$4")") out
  [ $# -ge 5 ] && args+=(-H "$CT" --data-binary "$5")
  out=$(inns client curl "${args[@]}") || true
  take_response "$out"
}
login_on() {
  inns client curl -s -X POST "$(plain "$1")/api/auth/login/" -H "X-Forwarded-Proto: https" -H "$CT" \
    -d "{\"email\": \"$2\", \"password\": \"$3\"}" | jq -r .access
}
new_key() {  # new_key NODE TOKEN NAME: prints the key
  api "$1" POST /api/api-keys/ "$2" "{\"name\": \"$3\", \"scopes\": [\"dashboards:read\"]}"
  jr .key
}

# --- Limits: the local backend first (the control), then Redis ---------------------------------
echo "[${SECONDS} s] Limits: the local backend first (the control), then Redis"
for n in "${NODES[@]}"; do start_node "$n"; done
ADMIN=$(login_on n1 admin@acme.test admin-password)
BOSS=$(login_on n2 boss@limited.test limited-password)
BURST=$((LIMIT * 3 + 30))
out=$("${DRIVE[@]}" limits --nodes "$ALL_PLAIN" --key "$(new_key n1 "$BOSS" local)" --requests "$BURST")
echo "    local backend: $out"
check "(control) the local backend: each node admits the whole limit, 3 x $LIMIT in one window" \
  "$(jget .most_in_60s "$out")" "$((LIMIT * 3))"
restart_nodes
KEY=$(new_key n1 "$BOSS" shared)
out=$("${DRIVE[@]}" limits --nodes "$ALL_PLAIN" --key "$KEY" --requests "$BURST")
echo "    redis backend: $out"
check "limits in Redis: one key's most admitted in 60 s across three nodes = its limit" \
  "$(jget .most_in_60s "$out") $(jget .admitted "$out") $(jget '.statuses["429"]' "$out")" \
  "$LIMIT $LIMIT $((BURST - LIMIT))"
check "limits in Redis: every node admitted some" \
  "$(jq '[.admitted_per_node[] | select(. > 0)] | length' <<<"$out")" "3"
if [ "$MODE" = full ]; then
  # 80 s at ~5 requests/s: old admissions leave the window and new ones come in, never more than the limit.
  out=$("${DRIVE[@]}" limits --nodes "$ALL_PLAIN" --key "$(new_key n1 "$BOSS" sliding)" --requests 400 \
    --threads 3 --interval-ms 600 --max-seconds 80)
  echo "    redis backend, 80 s sliding: $out"
  check "limits in Redis over 80 s: the most in any 60 s window = the limit" "$(jget .most_in_60s "$out")" "$LIMIT"
  check "limits in Redis over 80 s: the window slid (more than the limit in all)" \
    "$([ "$(jget .admitted "$out")" -gt "$LIMIT" ] && echo yes || echo "no: $(jget .admitted "$out")")" "yes"
fi

# --- HAProxy: config/haproxy.cfg.example with the namespaces' addresses -----------------------
echo "[${SECONDS} s] HAProxy: config/haproxy.cfg.example with the namespaces' addresses"
mkdir -p "$DATA/haproxy"
cat "$DATA/n1/tls/dev-cert.pem" "$DATA/n1/tls/dev-key.pem" >"$DATA/haproxy/claribi.pem"
sed -e "s|bind :443 ssl crt /etc/haproxy/certs/claribi.pem|bind 10.77.0.5:443 ssl crt $DATA/haproxy/claribi.pem|" \
  -e "s|bind :80$|bind 10.77.0.5:80|" -e "s|10\.0\.0\.1\([123]\):8080|10.77.0.1\1:8080|" \
  -e "s|log /dev/log local0 info|log stderr format raw local0 err|" -e "s|maxconn 20000|maxconn 1000|" \
  "$HERE/../../config/haproxy.cfg.example" >"$DATA/haproxy/haproxy.cfg"
printf 'frontend stats\n    bind 10.77.0.5:8404\n    stats enable\n    stats uri /stats\n' >>"$DATA/haproxy/haproxy.cfg"
ip netns exec "$(ns_of lb)" haproxy -db -f "$DATA/haproxy/haproxy.cfg" >"$DATA/haproxy/log" 2>&1 &
lb_status() {
  inns client curl -s "http://10.77.0.5:8404/stats;csv" | awk -F, -v n="$1" '$1=="claribi_nodes" && $2==n {print $18}'
}
wait_lb() {  # wait_lb NODE STATE: at most 15 s; prints the state seen last
  local s=""
  for _ in $(seq 1 150); do
    s=$(lb_status "$1")
    [ "$s" = "$2" ] && break
    sleep 0.1
  done
  echo "$s"
}
check "HAProxy: the three nodes UP by /api/health/" "$(wait_lb node1 UP) $(wait_lb node2 UP) $(wait_lb node3 UP)" "UP UP UP"
LB=https://10.77.0.5
CA="$DATA/n1/tls/dev-cert.pem"

# --- Revocation: keys revoked on node 1, refused on node 3 -------------------------------------
echo "[${SECONDS} s] Revocation: keys revoked on node 1, refused on node 3"
KEYS=10
[ "$MODE" = full ] && KEYS=100
out=$("${DRIVE[@]}" revocations --revoke-node "$(plain n1)" --poll-node "$(plain n3)" --token "$ADMIN" --count "$KEYS")
echo "    revocation on node 1 seen on node 3: $out"
check "revocation: $KEYS keys worked on node 3 first (control), then were refused there" \
  "$(jget .worked_before "$out") $(jget .refused_after "$out")" "$KEYS $KEYS"

# --- Durability and failover: writes through HAProxy across three failures --------------------
echo "[${SECONDS} s] Durability and failover: writes through HAProxy across three failures"
PHASE=3
[ "$MODE" = full ] && PHASE=8
"${DRIVE[@]}" writer --base "$LB" --cafile "$CA" --token "$ADMIN" --out "$DATA/writes.log" --stop "$DATA/stop" \
  --threads 2 >"$DATA/writer.json" &
WRITER=$!
sleep "$PHASE"
T_NODE=$(now)
kill9_node n2
echo "    node 2 SIGKILLed"
check "HAProxy takes the killed node out" "$(wait_lb node2 DOWN)" "DOWN"
start_node n2 "${REDIS_LIMITS[@]}"
check "HAProxy takes the restarted node back" "$(wait_lb node2 UP)" "UP"
sleep "$PHASE"
T_CUT=$(now)
link_down n3
echo "    node 3's cable pulled"
check "HAProxy takes the cut-off node out" "$(wait_lb node3 DOWN)" "DOWN"
sleep "$PHASE"
link_up n3
check "HAProxy takes node 3 back once its cable is in" "$(wait_lb node3 UP)" "UP"
sleep "$PHASE"
T_PG=$(now)
pg_kill pg1
echo "    PostgreSQL primary SIGKILLed; promoting the standby"
inns pg2 runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGW/pg2" -w -t 60 promote >/dev/null
T_PROMOTED=$(now)
sleep "$PHASE"
touch "$DATA/stop"
wait "$WRITER"
echo "    writer: $(cat "$DATA/writer.json")"
# Answers come from what a node holds in memory: restarted, the nodes hold what PostgreSQL has.
restart_nodes
out=$("${DRIVE[@]}" readback --base "$LB" --cafile "$CA" --token "$ADMIN" "$DATA/writes.log")
echo "    read back: $out"
check "durability: writes were acknowledged before, between and after the failures" \
  "$(jq '.acknowledged > 100' <<<"$out")" "true"
check "durability: every acknowledged 201 reads back after a node's SIGKILL, a cut cable and the primary's SIGKILL" \
  "$(jget .missing "$out") $(jget .unreadable "$out")" "0 0"
for what in "node 2 SIGKILL:$T_NODE" "node 3 cable pulled:$T_CUT" "PostgreSQL primary SIGKILL:$T_PG"; do
  echo "    failover, ${what%%:*}: $("${DRIVE[@]}" gap --at "${what##*:}" "$DATA/writes.log")"
done
echo "    (the standby was promoted $(python3 -c "print(round(($T_PROMOTED - $T_PG) * 1000))") ms after the primary died)"
# The nodes follow the promoted primary's change log: a revocation on node 1 is refused on node 3.
out=$("${DRIVE[@]}" revocations --revoke-node "$(plain n1)" --poll-node "$(plain n3)" --token "$ADMIN" --count 3)
check "after the promotion: keys revoked on node 1 are refused on node 3" \
  "$(jget .worked_before "$out") $(jget .refused_after "$out")" "3 3"

# --- The durability control: an asynchronous standby, cut off, then promoted ----------------------
echo "[${SECONDS} s] The durability control: an asynchronous standby, cut off, then promoted"
# pg3 streams from pg2 without being waited for; its cable is pulled, writes are acknowledged by pg2
# alone, pg2's machine dies (cable out first: a SIGKILLed process's kernel would still deliver the WAL it
# had sent) and pg3 is promoted: what pg2 acknowledged after the cut is gone, and the read-back that
# found everything above counts it.
standby_of pg3 pg2
pg_start pg3
wait_replication pg2 pg3 state streaming || true
check "(control) an asynchronous standby streams from the new primary" "$(replication_state pg2 pg3 sync_state)" "async"
link_down pg3
rm -f "$DATA/stop"
"${DRIVE[@]}" writer --base "$LB" --cafile "$CA" --token "$ADMIN" --out "$DATA/writes-async.log" \
  --stop "$DATA/stop" --threads 2 --max-seconds 2 >/dev/null
link_down pg2
pg_kill pg2
link_up pg3
inns pg3 runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGW/pg3" -w -t 60 promote >/dev/null
restart_nodes
out=""
for _ in $(seq 1 30); do  # until the nodes have reconnected to pg3 (reads answer again)
  out=$("${DRIVE[@]}" readback --base "$LB" --cafile "$CA" --token "$ADMIN" "$DATA/writes-async.log")
  [ "$(jget .unreadable "$out")" = 0 ] && break
  sleep 1
done
echo "    read back after the asynchronous promotion: $out"
check "(control) acknowledged writes lost with an asynchronous standby, and the read-back counts them" \
  "$(jq '.acknowledged > 0 and .missing > 0' <<<"$out")" "true"

finish
