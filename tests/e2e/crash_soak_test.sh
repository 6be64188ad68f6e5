#!/usr/bin/env bash
# Crash soak (issue 15): SOAK_CYCLES (10; `make soak`: 100) rounds of kill -9
# while four clients write at once — dashboards created, one dashboard
# renamed over and over, API keys created and revoked, rows appended to an
# upload data source — then a restart and a check of every acknowledged
# write: each created dashboard reads back with its name; the renamed one
# carries its last acknowledged name or the one in flight when the server
# died; every created key exists and every revoked key is refused; the
# row count is at least 10 per acknowledged upload and at most 10 per sent
# one. Then a last check of everything acknowledged over all the rounds.
source "$(dirname "$0")/lib.sh"
CYCLES=${SOAK_CYCLES:-10}
LIMITS=(--rate-limits-jwt-per-minute 100000000 --rate-limits-api-key-per-minute 100000000)
start_server "${LIMITS[@]}"
A bootstrap --org "Acme Corp" --plan professional --ai-credits 10 --email admin@acme.test \
  --password admin-password --first-name Ada --last-name Admin >/dev/null
ADMIN=$(login admin@acme.test admin-password)
req POST /api/data-sources/ "$ADMIN" '{"name":"soak","type":"upload"}'
DS=$(jr .id)
req POST /api/dashboards/ "$ADMIN" '{"name":"renamed-0"}'
RENAMED=$(jr .id)
LOGS="$DATA.soak"
mkdir -p "$LOGS"
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$LOGS"; cleanup' EXIT
H_AUTH="Authorization: Bearer $ADMIN"

# Each writer loops until the server is gone; acknowledgements (and, for
# the renamer and the uploader, what was sent) go to its log.
creator() {
  local i=0 out
  while :; do
    i=$((i + 1))
    out=$(curl -s --max-time 5 -w '\n%{http_code}' -X POST "$BASE/api/dashboards/" -H "$H_AUTH" -H "$CT" \
      -d "{\"name\": \"c$1-$i\"}") || return 0
    [ "${out##*$'\n'}" = 201 ] && echo "$(jq -r .id <<<"${out%$'\n'*}") c$1-$i" >>"$LOGS/created"
  done
}
renamer() {
  local i=0 code
  while :; do
    i=$((i + 1))
    echo "r$1-$i" >>"$LOGS/rename-sent"
    code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' -X PATCH "$BASE/api/dashboards/$RENAMED/" \
      -H "$H_AUTH" -H "$CT" -d "{\"name\": \"r$1-$i\"}") || return 0
    [ "$code" = 200 ] && echo "r$1-$i" >>"$LOGS/rename-acked"
    [ "$code" = 000 ] && return 0
  done
}
keys() {
  local i=0 out id code
  while :; do
    i=$((i + 1))
    out=$(curl -s --max-time 5 -w '\n%{http_code}' -X POST "$BASE/api/api-keys/" -H "$H_AUTH" -H "$CT" \
      -d "{\"name\": \"k$1-$i\", \"scopes\": [\"dashboards:read\"]}") || return 0
    [ "${out##*$'\n'}" = 201 ] || continue
    id=$(jq -r .id <<<"${out%$'\n'*}")
    echo "$id $(jq -r .key <<<"${out%$'\n'*}")" >>"$LOGS/keys"
    code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' -X POST "$BASE/api/api-keys/$id/revoke/" -H "$H_AUTH") || return 0
    [ "$code" = 200 ] && echo "$id" >>"$LOGS/revoked"
  done
}
uploader() {
  local rows code
  rows=$(printf 'n,tag\n'; seq 1 10 | sed "s/\$/,u$1/")
  while :; do
    echo x >>"$LOGS/upload-sent"
    code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' -X POST "$BASE/api/data-sources/$DS/rows/" \
      -H "$H_AUTH" -H 'Content-Type: text/csv' --data-binary "$rows") || return 0
    [ "$code" = 201 ] && echo x >>"$LOGS/upload-acked"
    [ "$code" = 000 ] && return 0
  done
}
count() { [ -f "$1" ] && wc -l <"$1" || echo 0; }

# Checks what was acknowledged; $1: lines of the created and key logs already checked.
verify() {
  local from_created=$1 from_keys=$2 bad=0 id name key sent acked
  while read -r id name; do
    req GET "/api/dashboards/$id/" "$ADMIN"
    [ "$ST $(jr .name)" = "200 $name" ] || { bad=$((bad + 1)); echo "lost dashboard $id $name: $ST $B"; }
  done < <(tail -n +"$((from_created + 1))" "$LOGS/created" 2>/dev/null)
  while read -r id key; do
    req GET "/api/api-keys/$id/" "$ADMIN"
    [ "$ST" = 200 ] || { bad=$((bad + 1)); echo "lost key $id: $ST"; }
  done < <(tail -n +"$((from_keys + 1))" "$LOGS/keys" 2>/dev/null)
  while read -r id; do
    key=$(awk -v id="$id" '$1 == id { print $2 }' "$LOGS/keys")
    req GET /api/auth/status/ "$key"
    [ "$ST" = 401 ] || { bad=$((bad + 1)); echo "revoked key $id still works: $ST"; }
  done < <(cat "$LOGS/revoked" 2>/dev/null)
  req GET "/api/dashboards/$RENAMED/" "$ADMIN"
  acked=$(tail -1 "$LOGS/rename-acked" 2>/dev/null || echo renamed-0)
  sent=$(grep -A1 -x "$acked" "$LOGS/rename-sent" 2>/dev/null | tail -1)
  [ "$(jr .name)" = "$acked" ] || [ "$(jr .name)" = "$sent" ] ||
    { bad=$((bad + 1)); echo "renamed dashboard is '$(jr .name)', last acknowledged '$acked', in flight '$sent'"; }
  req GET "/api/data-sources/$DS/" "$ADMIN"
  local rc=$(jr .row_count) lo=$((10 * $(count "$LOGS/upload-acked"))) hi=$((10 * $(count "$LOGS/upload-sent")))
  [ "$rc" -ge "$lo" ] && [ "$rc" -le "$hi" ] || { bad=$((bad + 1)); echo "row_count $rc, acknowledged $lo, sent $hi"; }
  echo "$bad"
}

checked_created=0
checked_keys=0
for cycle in $(seq 1 "$CYCLES"); do
  creator "$cycle" & renamer "$cycle" & keys "$cycle" & uploader "$cycle" &
  sleep "$(awk -v c="$cycle" 'BEGIN { printf "%.2f", 0.6 + (c * 37 % 10) / 10 }')"  # 0.6-1.5 s of writes
  kill9_server
  wait   # the writers end when the server is gone
  start_server "${LIMITS[@]}"
  out=$(verify "$checked_created" "$checked_keys")
  check "cycle $cycle: every acknowledged write survived kill -9 ($(count "$LOGS/created") dashboards, $(count "$LOGS/revoked") revocations, $(count "$LOGS/upload-acked") uploads so far)" "${out##*$'\n'}" 0
  [ "${out##*$'\n'}" = 0 ] || echo "$out"
  checked_created=$(count "$LOGS/created")
  checked_keys=$(count "$LOGS/keys")
done
check "the rounds wrote something of every kind" \
  "$([ "$(count "$LOGS/created")" -gt 0 ] && [ "$(count "$LOGS/rename-acked")" -gt 0 ] && [ "$(count "$LOGS/revoked")" -gt 0 ] && [ "$(count "$LOGS/upload-acked")" -gt 0 ] && echo yes)" yes
# Negative control: an acknowledgement the server never gave is noticed.
echo "999999999 never-created" >>"$LOGS/created"
out=$(verify "$(($(count "$LOGS/created") - 1))" "$(count "$LOGS/keys")")
check "(the check notices a write that is not there)" "${out##*$'\n'}" 1
sed -i '$d' "$LOGS/created"
out=$(verify 0 0)
check "at the end: everything acknowledged in all $CYCLES rounds reads back" "${out##*$'\n'}" 0
[ "${out##*$'\n'}" = 0 ] || echo "$out"
finish
