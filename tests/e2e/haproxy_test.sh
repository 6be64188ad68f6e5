#!/usr/bin/env bash
# The README's "Behind HAProxy" section on a live server: a private HAProxy
# (Debian's haproxy) terminates nothing and forwards plain HTTP to the
# server's plain listener with X-Forwarded-Proto/-For, health-checks
# GET /api/health/, marks the node UP while it serves and DOWN once it drains;
# and config/haproxy.cfg.example runs with its addresses replaced (TLS ended in
# HAProxy, plain HTTP refused by the node even when it claims https).
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

# --- config/haproxy.cfg.example, its addresses replaced: TLS ends in HAProxy ----------------
EX_TLS=$(free_port)
EX_HTTP=$(free_port)
EX_STATS=$(free_port)
cat "$DATA/tls/dev-cert.pem" "$DATA/tls/dev-key.pem" >"$HP_DIR/claribi.pem"
sed -e "s|bind :443 ssl crt /etc/haproxy/certs/claribi.pem|bind 127.0.0.1:$EX_TLS ssl crt $HP_DIR/claribi.pem|" \
    -e "s|bind :80$|bind 127.0.0.1:$EX_HTTP|" \
    -e "s|10.0.0.11:8080|127.0.0.1:$PLAIN_PORT|" \
    -e "s|10.0.0.12:8080|127.0.0.1:$(free_port)|" -e "s|10.0.0.13:8080|127.0.0.1:$(free_port)|" \
    -e "s|log /dev/log local0 info|log stderr format raw local0 err|" \
    -e "s|inter 1s|inter 100ms|" -e "s|maxconn 20000|maxconn 1000|" \
    "$(dirname "$0")/../../config/haproxy.cfg.example" >"$HP_DIR/example.cfg"
printf 'frontend stats\n    bind 127.0.0.1:%s\n    stats enable\n    stats uri /stats\n' "$EX_STATS" >>"$HP_DIR/example.cfg"
check "haproxy accepts the example configuration" "$(haproxy -c -q -f "$HP_DIR/example.cfg" >/dev/null 2>&1; echo $?)" "0"
haproxy -db -f "$HP_DIR/example.cfg" >"$HP_DIR/example.log" 2>&1 &
EX_PID=$!
ex_status() { curl -s "http://127.0.0.1:$EX_STATS/stats;csv" | awk -F, -v n="$1" '$1=="claribi_nodes" && $2==n {print $18}'; }
for _ in $(seq 1 100); do [ "$(ex_status node1)" = UP ] && [ "$(ex_status node2)" = DOWN ] && break; sleep 0.1; done
check "the example: the live node UP, the two absent ones DOWN" "$(ex_status node1) $(ex_status node2) $(ex_status node3)" "UP DOWN DOWN"
ok=0
for _ in 1 2 3 4 5 6; do
  code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$DATA/tls/dev-cert.pem" \
    "https://localhost:$EX_TLS/api/auth/status/" -H "Authorization: Bearer $TOKEN")
  [ "$code" = 200 ] && ok=$((ok + 1))
done
check "the example: HTTPS through HAProxy, every request to the live node" "$ok" "6"
hsts=$(curl -s -D - -o /dev/null --cacert "$DATA/tls/dev-cert.pem" "https://localhost:$EX_TLS/api/health/" | tr -d '\r' |
  grep -ci '^strict-transport-security: max-age=31536000')
check "the example: the node sends HSTS on the proxied HTTPS answer" "$hsts" "1"
out=$(curl -s -w '\n%{http_code}' "http://127.0.0.1:$EX_HTTP/api/auth/status/" -H "Authorization: Bearer $TOKEN" \
  -H "X-Forwarded-Proto: https")
take_response "$out"
check "the example: plain HTTP, even claiming https, gets 403 https_required" "$ST $(jr .error)" "403 https_required"
# The negative control: the same claim straight to the plain listener from a trusted address is believed,
# so it is the example's del-header that refused it above.
check "(control) the claim is believed from a trusted proxy" \
  "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PLAIN_PORT/api/auth/status/" \
    -H "Authorization: Bearer $TOKEN" -H "X-Forwarded-Proto: https")" "200"
kill "$EX_PID"; wait "$EX_PID" 2>/dev/null || true

# SIGTERM: the node drains and HAProxy takes it out of rotation.
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || true
SERVER_PID=""
check "HAProxy marks the drained node DOWN" "$(wait_status claribi DOWN)" "DOWN"
out=$(curl -s -w '\n%{http_code}' "$HP/api/health/")
take_response "$out"
check "with no node left HAProxy answers 503" "$ST" "503"

finish
