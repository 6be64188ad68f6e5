#!/usr/bin/env bash
# The README's "Behind HAProxy" section on a live server: a private HAProxy
# (Debian's haproxy) terminates nothing and forwards plain HTTP to the
# server's plain listener with X-Forwarded-Proto/-For, health-checks
# GET /api/health/, marks the node UP while it serves and DOWN once it drains.
source "$(dirname "$0")/lib.sh"
command -v haproxy >/dev/null || { echo "haproxy not installed (tools/install-deps.sh installs it)"; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
HP_DIR="$DATA-haproxy"
mkdir -p "$HP_DIR"
HP_PID=""
stop_haproxy() { if [ -n "$HP_PID" ] && kill -0 "$HP_PID" 2>/dev/null; then kill "$HP_PID"; wait "$HP_PID" 2>/dev/null || true; fi; }
trap 'stop_haproxy; rm -rf "$HP_DIR"; cleanup' EXIT

start_server --trusted-proxies 127.0.0.1/32
A bootstrap --org "Acme Corp" --plan professional --ai-credits 10 --email admin@acme.test \
  --password admin-password --first-name Ada --last-name Admin >/dev/null

FRONT=$(free_port)
STATS=$(free_port)
cat >"$HP_DIR/haproxy.cfg" <<EOF
global
    log stderr format raw local0 err
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend api
    bind 127.0.0.1:$FRONT
    default_backend claribi
frontend stats
    bind 127.0.0.1:$STATS
    stats enable
    stats uri /stats
backend claribi
    option httpchk
    http-check send meth GET uri /api/health/ hdr X-Forwarded-Proto https
    http-check expect status 200
    http-request set-header X-Forwarded-Proto https
    option forwardfor
    server node1 127.0.0.1:$PLAIN_PORT check inter 100ms fall 2 rise 2
# The negative control: a check without the header gets 403 https_required (§1).
backend bare
    option httpchk GET /api/health/
    http-check expect status 200
    server node1 127.0.0.1:$PLAIN_PORT check inter 100ms fall 2 rise 2
EOF
haproxy -c -q -f "$HP_DIR/haproxy.cfg"
check "haproxy accepts the configuration" "$?" "0"
haproxy -db -f "$HP_DIR/haproxy.cfg" >"$HP_DIR/haproxy.log" 2>&1 &
HP_PID=$!

# The node's state as HAProxy's health check sees it (column 18 of the CSV stats).
node_status() { curl -s "http://127.0.0.1:$STATS/stats;csv" | awk -F, -v b="$1" '$1==b && $2=="node1" {print $18}'; }
wait_status() {  # wait_status BACKEND WANTED: polls HAProxy's view of the node for up to 10 s
  local s=""
  for _ in $(seq 1 100); do
    s=$(node_status "$1")
    if [ "$s" == "$2" ]; then break; fi
    sleep 0.1
  done
  echo "$s"
}
check "HAProxy marks the serving node UP by GET /api/health/" "$(wait_status claribi UP)" "UP"
check "a check without X-Forwarded-Proto marks it DOWN" "$(wait_status bare DOWN)" "DOWN"

# Through HAProxy the plain listener believes X-Forwarded-Proto: https ...
HP="http://127.0.0.1:$FRONT"
out=$(curl -s -w '\n%{http_code}' -X POST "$HP/api/auth/login/" -H "$CT" \
  -d '{"email": "admin@acme.test", "password": "admin-password"}')
take_response "$out"
check "login through HAProxy" "$ST" "200"
TOKEN=$(jr .access)
out=$(curl -s -w '\n%{http_code}' "$HP/api/auth/status/" -H "Authorization: Bearer $TOKEN")
take_response "$out"
check "an authenticated request through HAProxy" "$ST $(jr .user.email) $(jr .auth.method)" "200 admin@acme.test jwt"
# ... and the same request straight to the plain listener does not (the negative control).
out=$(curl -s -w '\n%{http_code}' "http://127.0.0.1:$PLAIN_PORT/api/auth/status/" -H "Authorization: Bearer $TOKEN")
take_response "$out"
check "the plain listener without the proxy's header" "$ST $(jr .error)" "403 https_required"

# SIGTERM: the node drains and HAProxy takes it out of rotation.
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || true
SERVER_PID=""
check "HAProxy marks the drained node DOWN" "$(wait_status claribi DOWN)" "DOWN"
out=$(curl -s -w '\n%{http_code}' "$HP/api/health/")
take_response "$out"
check "with no node left HAProxy answers 503" "$ST" "503"

finish
