#!/usr/bin/env bash
# What an operator and a load balancer see (issue 16): GET /api/health/
# (public, never rate limited, left out of a sampled access log) and the
# Prometheus metrics listener (its own port, never the public one; the
# figures count what was sent; `promtool check metrics` accepts the text).
source "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null || { echo "promtool not installed (tools/install-deps.sh)"; exit 1; }
start_server --log-access sampled --log-access-sample-rate 1 --rate-limits-jwt-per-minute 5
two_organizations

# --- health -------------------------------------------------------------------------
out=$(curl -s -w '\n%{http_code}' "$BASE/api/health/")
take_response "$out"
check "health: 200 {\"status\":\"ok\"} without a credential" "$ST $B" '200 {"status":"ok"}'
out=$(curl -s -w '\n%{http_code}' "$BASE/api/health/" -H "Authorization: Bearer not-a-token")
take_response "$out"
check "a bad credential does not matter (public)" "$ST" 200
codes=$(for _ in $(seq 1 40); do curl -s -o /dev/null -w '%{http_code}\n' "$BASE/api/health/"; done | sort | uniq -c | tr -s ' ')
check "40 probes in a row: all 200, no rate limit" "$codes" " 40 200"
out=$(curl -s -D - -o /dev/null "$BASE/api/health/")
check "no rate-limit headers on health" "$(grep -ci '^x-ratelimit' <<<"$out")" 0
out=$(curl -s -w '\n%{http_code}' -X POST "$BASE/api/health/")
take_response "$out"
check "POST: 405" "$ST" 405

# --- traffic the metrics must count -----------------------------------------------------
for _ in 1 2 3; do req GET /api/auth/status/ "$ADMIN"; done
check "(status with a JWT)" "$ST" 200
for _ in 1 2 3 4 5; do req GET /api/dashboards/ "$OTHER"; done  # the limit is 5: the 6th is refused
req GET /api/dashboards/ "$OTHER"
check "(over the JWT limit: 429)" "$ST" 429
curl -s -o /dev/null "$BASE/api/no-such-route/"

# --- sampled access log leaves health out ---------------------------------------------
for _ in $(seq 1 50); do grep -q '/api/auth/status/' "$LOG" && break; sleep 0.1; done
check "a sampled log (rate 1) has the status requests" "$(grep -c 'GET /api/auth/status/ 200' "$LOG")" 3
check "... and no health probe" "$(grep -c 'GET /api/health/' "$LOG")" 0

# --- metrics ------------------------------------------------------------------------------
check "the metrics listener is announced" "$([ -n "$METRICS_PORT" ] && echo yes)" yes
M="$DATA.metrics"
curl -s "http://127.0.0.1:$METRICS_PORT/metrics" >"$M"
check "promtool check metrics: no problems" "$(promtool check metrics <"$M" 2>&1; echo "rc=$?")" "rc=0"
metric() { awk -v name="$1" '$1 == name {print $2}' "$M"; }
check "health probes counted by route and class" \
  "$(metric 'claribi_http_requests_total{method="GET",route="/api/health/",code="2xx"}')" 43
check "a 405 counts under route=(none), not the route (no route for that method)" \
  "$(metric 'claribi_http_requests_total{method="POST",route="/api/health/",code="4xx"}')" ""
check "status requests counted" "$(metric 'claribi_http_requests_total{method="GET",route="/api/auth/status/",code="2xx"}')" 3
check "a 429 is a 4xx of its route" \
  "$(metric 'claribi_http_requests_total{method="GET",route="/api/dashboards/",code="4xx"}')" 1
check "and a JWT rate-limit rejection" "$(metric 'claribi_rate_limited_total{credential="jwt"}')" 1
check "unknown paths count under route=(none)" "$(metric 'claribi_http_requests_total{route="(none)",code="4xx"}')" 2
check "latency histogram count = requests" \
  "$(metric 'claribi_http_request_duration_seconds_count{method="GET",route="/api/auth/status/"}')" 3
check "TLS handshakes counted" "$(awk '$1 == "claribi_tls_handshakes_total" && $2 > 50 {print "many"}' "$M")" many
check "group commit: synced writes seen (users created)" \
  "$(awk '$1 == "claribi_group_commit_batches_count" && $2 > 0 {print "some"}' "$M")" some
check "ready" "$(metric claribi_ready)" 1
out=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/metrics")
check "metrics are not on the public port" "$out" 404
out=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$METRICS_PORT/other")
check "the metrics listener serves /metrics only" "$out" 404
rm -f "$M"

# --- SIGHUP: certificate rotation without dropping connections ---------------------------
# An open keep-alive connection is asked once before and once after the
# SIGHUP; new connections then get the new certificate. A bad certificate
# afterwards keeps the good one serving.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=rotated.test \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$DATA.newkey" -out "$DATA.newcert" 2>/dev/null
rotation=$(LOG="$LOG" python3 - "$PORT" "$SERVER_PID" "$DATA/tls/dev-cert.pem" "$DATA/tls/dev-key.pem" "$DATA.newcert" "$DATA.newkey" <<'PY'
import hashlib, os, shutil, signal, socket, ssl, sys, time
port, pid, cert, key, newcert, newkey = int(sys.argv[1]), int(sys.argv[2]), *sys.argv[3:]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
def connect():
    return ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10), server_hostname="localhost")
def fingerprint(conn):
    return hashlib.sha256(conn.getpeercert(binary_form=True)).hexdigest()
def ask(conn):
    conn.sendall(b"GET /api/health/ HTTP/1.1\r\nHost: localhost\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data or not data.endswith(b"}"):
        chunk = conn.recv(4096)
        if not chunk:
            return "closed"
        data += chunk
    return data.split(b" ")[1].decode()
def log_lines():
    return open(os.environ["LOG"]).read()
old = connect()
first = fingerprint(old)
out = [ask(old)]
shutil.copy(newcert, cert); shutil.copy(newkey, key)
os.kill(pid, signal.SIGHUP)
for _ in range(50):
    if "reloaded for new connections" in log_lines(): break
    time.sleep(0.1)
out.append(ask(old))                       # the open connection still works
fresh = connect()
out.append("new-cert" if fingerprint(fresh) != first else "same-cert")
out.append(ask(fresh))
with open(cert, "w") as f: f.write("not a certificate\n")
os.kill(pid, signal.SIGHUP)
for _ in range(50):
    if "certificate not reloaded" in log_lines(): break
    time.sleep(0.1)
third = connect()
out.append("kept" if fingerprint(third) == fingerprint(fresh) else "changed")
out.append(ask(third))
print(" ".join(out))
PY
)
check "SIGHUP: an open connection keeps working, new ones get the new certificate; a bad one is refused" \
  "$rotation" "200 200 new-cert 200 kept 200"
check "the log says why the bad certificate was not loaded" \
  "$(grep -c 'SIGHUP: certificate not reloaded, the current one keeps serving: cannot load certificate' "$LOG")" 1
cp "$DATA.newcert" "$DATA/tls/dev-cert.pem"  # a good pair again for what follows
rm -f "$DATA.newcert" "$DATA.newkey"

# --- --check-config ---------------------------------------------------------------------------
FRESH="$DATA.fresh"
out=$("$SERVER_BIN" --check-config --data-dir "$FRESH" --reports-smtp-url 'smtp://mailer:s3cret-pw@127.0.0.1:2525' 2>&1; echo "rc=$?")
check "check-config: a valid configuration exits 0" "$(tail -1 <<<"$out")" "rc=0"
check "... says so" "$(grep -c 'the configuration is valid' <<<"$out")" 1
check "... prints the effective settings" "$(grep -c '^reports.smtp_url = "smtp://mailer:\*\*\*@127.0.0.1:2525"$' <<<"$out")" 1
check "... never the SMTP password" "$(grep -c 's3cret-pw' <<<"$out")" 0
check "... and creates nothing (no data directory)" "$([ -e "$FRESH" ] && echo created || echo none)" none
out=$("$SERVER_BIN" --check-config --data-dir "$FRESH" 2>&1 | grep -v '^ok\|^#\|^claribi' >"$DATA.check.toml"; \
  "$SERVER_BIN" --check-config --config "$DATA.check.toml" >/dev/null 2>&1; echo "rc=$?")
check "the printed settings are a config file that checks" "$out" "rc=0"
rm -f "$DATA.check.toml"
out=$("$SERVER_BIN" --check-config --data-dir "$FRESH" --tls-cert-file /nonexistent.pem --tls-key-file /nonexistent.key 2>&1; echo "rc=$?")
check "a certificate that does not load: exit 2" "$(tail -1 <<<"$out")" "rc=2"
check "... naming the problem" "$(grep -c '^FAIL  tls: cannot load certificate /nonexistent.pem' <<<"$out")" 1
out=$("$SERVER_BIN" --check-config --threads many 2>&1; echo "rc=$?")
check "a value that does not parse: exit 2" "$(tail -1 <<<"$out")" "rc=2"

# --- a backup taken while serving restores to a working server ---------------------------------
req POST /api/dashboards/ "$ADMIN" '{"name": "Before the backup"}'
check "(a dashboard to find in the backup)" "$ST" 201
mkdir -p "$DATA.backup"
out=$(A backup "$DATA.backup/db" 2>&1; echo "rc=$?")
check "backup while serving (through the admin socket)" "$(tail -1 <<<"$out")" "rc=0"
"$SERVER_BIN" --data-dir "$DATA.backup" --listen 127.0.0.1:0 --plain-listen "" --metrics-listen "" --threads 1 \
  --auth-argon2-memory-kib 1024 --auth-argon2-iterations 1 >"$DATA.backup.log" 2>&1 &
RESTORED_PID=$!
for _ in $(seq 1 100); do grep -q "ready with" "$DATA.backup.log" && break; sleep 0.1; done
RPORT=$(sed -n 's/.*https listening on .*:\([0-9]*\)$/\1/p' "$DATA.backup.log" | tail -1)
RBASE="https://localhost:$RPORT"
RTOKEN=$(curl -s --cacert "$DATA.backup/tls/dev-cert.pem" -X POST "$RBASE/api/auth/login/" -H "$CT" \
  -d '{"email": "admin@acme.test", "password": "admin-password"}' | jq -r .access)
out=$(curl -s --cacert "$DATA.backup/tls/dev-cert.pem" "$RBASE/api/dashboards/?search=Before" -H "Authorization: Bearer $RTOKEN")
check "a server on the restored backup logs in and serves what was acknowledged before it" \
  "$(jq -r '.results[0].name' <<<"$out" 2>/dev/null)" "Before the backup"
kill -TERM "$RESTORED_PID"; wait "$RESTORED_PID" || true
rm -rf "$DATA.backup" "$DATA.backup.log"

# --- SIGHUP: the access-log file reopened (logrotate) ------------------------------------------
stop_server
ACCESS="$DATA.access"
start_server --log-access-file "$ACCESS"
curl -s -o /dev/null "$BASE/api/health/"
for _ in $(seq 1 50); do grep -q 'GET /api/health/' "$ACCESS" 2>/dev/null && break; sleep 0.1; done
mv "$ACCESS" "$ACCESS.1"
kill -HUP "$SERVER_PID"
for _ in $(seq 1 50); do grep -q 'access log .* reopened' "$LOG" && break; sleep 0.1; done
curl -s -o /dev/null "$BASE/api/auth/status/"
for _ in $(seq 1 50); do [ -s "$ACCESS" ] && break; sleep 0.1; done
check "the rotated file has the line from before" "$(grep -c 'GET /api/health/ 200' "$ACCESS.1")" 1
check "a new file has the line from after" "$(grep -c 'GET /api/auth/status/ 401' "$ACCESS" 2>/dev/null)" 1
rm -f "$ACCESS" "$ACCESS.1"
finish
