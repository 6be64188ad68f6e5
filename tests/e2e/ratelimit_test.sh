#!/usr/bin/env bash
# §7 end to end: the 101st API-key request in a minute is 429 with the
# headers; another key is unaffected; a JWT user gets 1,000; login is limited
# per address and per email.
source "$(dirname "$0")/lib.sh"
start_server
A() { "$ADMIN_BIN" --data-dir "$DATA" "$@"; }
A bootstrap --org "Acme Corp" --plan professional --ai-credits 10 --email admin@acme.test \
  --password admin-password --first-name Ada --last-name Admin >/dev/null
key() { A keys create --email admin@acme.test --name "$1" --scopes dashboards:read | grep -o 'claribi_sk_live_[0-9A-Za-z]*' | head -1; }
K1=$(key one)
K2=$(key two)
URL="$BASE/api/auth/status/"

# n requests on one connection; prints the status codes, one per line.
burst() {  # burst N header
  local args=()
  for _ in $(seq 1 "$1"); do args+=(-o /dev/null "$URL"); done
  curl -s -w '%{http_code}\n' -H "$2" "${args[@]}"
}

codes=$(burst 100 "X-API-Key: $K1")
check "100 key requests admitted" "$(echo "$codes" | grep -c '^200$')" "100"
hdrs=$(curl -s -D - -o /tmp/rl-body.$$ -H "X-API-Key: $K1" "$URL" | tr -d '\r')
check "101st is 429" "$(echo "$hdrs" | head -1 | cut -d' ' -f2)" "429"
check "429 body" "$(jq -r .error < /tmp/rl-body.$$)" "rate_limited"
rm -f /tmp/rl-body.$$
retry=$(echo "$hdrs" | sed -n 's/^Retry-After: //p')
check "Retry-After in 1..60" "$([ "$retry" -ge 1 ] && [ "$retry" -le 60 ] && echo ok)" "ok"
check "X-RateLimit-Remaining 0" "$(echo "$hdrs" | sed -n 's/^X-RateLimit-Remaining: //p')" "0"
check "X-RateLimit-Limit" "$(echo "$hdrs" | sed -n 's/^X-RateLimit-Limit: //p')" "100"
check "RateLimit field" "$(echo "$hdrs" | sed -n 's/^RateLimit: //p' | cut -d';' -f1-2)" '"default";r=0'
check "other key unaffected" "$(curl -s -o /dev/null -w '%{http_code}' -H "X-API-Key: $K2" "$URL")" "200"

TOKEN=$(curl -s -X POST "$BASE/api/auth/login/" -H "Content-Type: application/json" \
  -d '{"email": "admin@acme.test", "password": "admin-password"}' | jq -r .access)
codes=$(burst 1001 "Authorization: Bearer $TOKEN")
check "JWT user gets 1000" "$(echo "$codes" | grep -c '^200$')" "1000"
check "then 429" "$(echo "$codes" | tail -1)" "429"

# Login: 10 per email per minute, 30 per address.
login_codes() {  # n email
  for _ in $(seq 1 "$1"); do
    curl -s -o /dev/null -w '%{http_code}\n' -X POST "$BASE/api/auth/login/" -H "Content-Type: application/json" \
      -d "{\"email\": \"$2\", \"password\": \"wrong\"}"
  done
}
codes=$(login_codes 11 victim@acme.test)
check "10 logins per email" "$(echo "$codes" | grep -c '^401$')" "10"
check "11th login for that email" "$(echo "$codes" | tail -1)" "429"
codes=$(for i in $(seq 1 20); do login_codes 1 "user$i@acme.test"; done)
# 1 (the token above) + 11 + 20 = 32 attempts from this address: the 31st
# and 32nd are refused.
check "30 logins per address" "$(echo "$codes" | grep -c '^429$')" "2"

stop_server
finish
