# Shared helpers for the shell end-to-end tests: start the real server on
# ephemeral ports in a temporary data directory, stop it, assert things.
# Usage: source lib.sh; start_server [extra flags...]
set -euo pipefail

SERVER_BIN=${SERVER_BIN:?}
ADMIN_BIN=${ADMIN_BIN:?}
DATA=$(mktemp -d /tmp/claribi-e2e-sh-XXXXXX)
LOG="$DATA.log"
SERVER_PID=""
FAILS=0
PASSES=0

cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true; fi
  rm -rf "$DATA" "$LOG"
}
trap cleanup EXIT

start_server() {
  "$SERVER_BIN" --data-dir "$DATA" --listen 127.0.0.1:0 --plain-listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 --threads 2 \
    --auth-argon2-memory-kib 1024 --auth-argon2-iterations 1 "$@" >"$LOG" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    if grep -q "ready with" "$LOG" 2>/dev/null; then break; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then echo "server died:"; cat "$LOG"; exit 1; fi
    sleep 0.1
  done
  PORT=$(sed -n 's/.*https listening on .*:\([0-9]*\)$/\1/p' "$LOG" | tail -1)
  PLAIN_PORT=$(sed -n 's/.*http listening on .*:\([0-9]*\) .*/\1/p' "$LOG" | tail -1)
  METRICS_PORT=$(sed -n 's/.*metrics listening on .*:\([0-9]*\) .*/\1/p' "$LOG" | tail -1)
  BASE="https://localhost:$PORT"
  # The quick start's curl commands run verbatim: the CA comes from the environment.
  export CURL_CA_BUNDLE="$DATA/tls/dev-cert.pem"
}

stop_server() {
  kill -TERM "$SERVER_PID"
  local rc=0
  wait "$SERVER_PID" || rc=$?
  SERVER_PID=""
  return $rc
}

kill9_server() {
  kill -KILL "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

check() {  # check "description" actual expected
  if [ "$2" == "$3" ]; then
    PASSES=$((PASSES + 1))
  else
    FAILS=$((FAILS + 1))
    echo "FAIL: $1: got [$2], expected [$3]"
  fi
}

# --- shared by the API tests ----------------------------------------------------

A() { "$ADMIN_BIN" --data-dir "$DATA" "$@"; }
CT='Content-Type: application/json'
# The credential header: API keys (claribi_sk_...) go in X-API-Key, anything else is a JWT.
auth() { case "$1" in claribi_sk_*) echo "X-API-Key: $1" ;; *) echo "Authorization: Bearer $1" ;; esac; }
# Splits curl's output of -w '\n%{http_code}' into ST (status) and B (body).
take_response() {
  ST=${1##*$'\n'}
  B=${1%"$ST"}
  B=${B%$'\n'}
}
# req METHOD PATH CREDENTIAL [BODY [CONTENT-TYPE]]: one request; sets ST and B.
# Never call it inside $(...): the results live in these globals.
req() {
  local args=(-s -w '\n%{http_code}' -X "$1" "$BASE$2" -H "$(auth "$3")") out
  if [ $# -ge 4 ]; then args+=(-H "Content-Type: ${5:-application/json}" --data-binary "$4"); fi
  out=$(curl "${args[@]}") || true
  take_response "$out"
}
# upload_csv FILE CREDENTIAL: a new upload data source (its id in DS) and FILE
# streamed to it as CSV (curl -T: chunked, no 100-continue wait); sets ST and B.
upload_csv() {
  req POST /api/data-sources/ "$2" '{"name":"orders","type":"upload"}'
  DS=$(jr .id)
  local out
  out=$(curl -s -w '\n%{http_code}' -X POST -T "$1" -H "Expect:" "$BASE/api/data-sources/$DS/rows" \
    -H "$(auth "$2")" -H "Content-Type: text/csv") || true
  take_response "$out"
}
# jq over the last body (compact / raw); a body that is not JSON shows up in the failure.
jb() { jq -c "$@" <<<"$B" 2>/dev/null || echo "(jq failed on: ${B:0:200})"; }
jr() { jq -r "$@" <<<"$B" 2>/dev/null || echo "(jq failed on: ${B:0:200})"; }

login() { curl -s -X POST "$BASE/api/auth/login/" -H "$CT" -d "{\"email\": \"$1\", \"password\": \"$2\"}" | jq -r .access; }
# Two organizations: sets ADMIN and VIEWER (tokens of Acme Corp's administrator
# and a viewer), OTHER (Other Inc's administrator).
two_organizations() {
  A bootstrap --org "Acme Corp" --plan professional --ai-credits 10 --email admin@acme.test \
    --password admin-password --first-name Ada --last-name Admin >/dev/null
  A bootstrap --org "Other Inc" --plan starter --ai-credits 1 --email boss@other.test \
    --password other-password --first-name Bo --last-name Ss >/dev/null
  ADMIN=$(login admin@acme.test admin-password)
  OTHER=$(login boss@other.test other-password)
  req POST /api/users/ "$ADMIN" '{"email":"vi@acme.test","password":"viewer-password","first_name":"V","last_name":"I","role":"viewer"}'
  VIEWER=$(login vi@acme.test viewer-password)
}

finish() {
  echo "$PASSES passed, $FAILS failed"
  [ "$FAILS" -eq 0 ]
}
