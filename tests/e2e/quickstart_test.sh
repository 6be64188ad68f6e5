#!/usr/bin/env bash
# The public quick start (shared/seed/api-quick-start.txt), verbatim with
# only the host changed, asserting the exact response shapes.
source "$(dirname "$0")/lib.sh"
start_server

"$ADMIN_BIN" --data-dir "$DATA" bootstrap --org "Acme Corp" --plan professional --ai-credits 1347 \
  --email you@example.com --password your-password --first-name Jane --last-name Smith >/dev/null
HOST="localhost:$PORT"

# Getting a token.
out=$(curl -s -X POST https://$HOST/api/auth/login/ \
  -H "Content-Type: application/json" \
  -d '{"email": "you@example.com", "password": "your-password"}')
check "login keys" "$(echo "$out" | jq -c 'keys')" '["access","refresh"]'
REFRESH=$(echo "$out" | jq -r '.refresh')

# Using the access token, exactly as printed (a truncated token): 401.
out=$(curl -s -w '\n%{http_code}' -H "Authorization: Bearer eyJ0eXAi..." \
  https://$HOST/api/auth/status/)
check "placeholder token status" "$(echo "$out" | tail -1)" "401"
check "placeholder token error" "$(echo "$out" | head -1 | jq -r .error)" "unauthorized"

# Refreshing the token: the placeholder is refused, the real one works.
out=$(curl -s -X POST https://$HOST/api/auth/token/refresh/ \
  -H "Content-Type: application/json" \
  -d '{"refresh": "eyJ0eXAi..."}')
check "placeholder refresh" "$(echo "$out" | jq -r .error)" "unauthorized"
out=$(curl -s -X POST https://$HOST/api/auth/token/refresh/ \
  -H "Content-Type: application/json" \
  -d "{\"refresh\": \"$REFRESH\"}")
check "refresh keys" "$(echo "$out" | jq -c 'keys')" '["access"]'

# The API key example with its placeholder key: 401 before any lookup.
out=$(curl -s -w '\n%{http_code}' -H "X-API-Key: claribi_sk_live_your_key_here" \
  https://$HOST/api/auth/status/)
check "placeholder key" "$(echo "$out" | tail -1)" "401"

# Your first request, using JWT.
# Step 1: Get a token
TOKEN=$(curl -s -X POST https://$HOST/api/auth/login/ \
  -H "Content-Type: application/json" \
  -d '{"email": "you@example.com", "password": "your-password"}' \
  | jq -r '.access')

# Step 2: Make an authenticated request
out=$(curl -H "Authorization: Bearer $TOKEN" \
  https://$HOST/api/auth/status/ 2>/dev/null)
check "status user" "$(echo "$out" | jq -c .user)" \
  '{"id":1,"email":"you@example.com","first_name":"Jane","last_name":"Smith","role":"administrator"}'
check "status organization" "$(echo "$out" | jq -c .organization)" \
  '{"id":1,"name":"Acme Corp","plan":"professional","ai_credits_remaining":1347}'
check "status auth" "$(echo "$out" | jq -c .auth)" '{"method":"jwt"}'

# Using an API key (a real one, made with the admin tool).
KEY=$("$ADMIN_BIN" --data-dir "$DATA" keys create --email you@example.com --name ci \
  --scopes dashboards:read | grep -o 'claribi_sk_live_[0-9A-Za-z]*' | head -1)
out=$(curl -s -H "X-API-Key: $KEY" \
  https://$HOST/api/auth/status/)
check "key status user" "$(echo "$out" | jq -r .user.email)" "you@example.com"
check "key status method" "$(echo "$out" | jq -r .auth.method)" "api_key"
check "key status scopes" "$(echo "$out" | jq -c .auth.scopes)" '["dashboards:read"]'

# Rate-limit headers on an authenticated response.
hdrs=$(curl -s -D - -o /dev/null -H "X-API-Key: $KEY" https://$HOST/api/auth/status/ | tr -d '\r')
check "ratelimit limit" "$(echo "$hdrs" | sed -n 's/^X-RateLimit-Limit: //p')" "100"
check "ratelimit policy" "$(echo "$hdrs" | sed -n 's/^RateLimit-Policy: //p')" '"default";q=100;w=60'

# Wrong password: invalid_credentials, same as an unknown email.
out=$(curl -s -X POST https://$HOST/api/auth/login/ -H "Content-Type: application/json" \
  -d '{"email": "you@example.com", "password": "wrong"}')
check "wrong password" "$(echo "$out" | jq -r .error)" "invalid_credentials"
out=$(curl -s -X POST https://$HOST/api/auth/login/ -H "Content-Type: application/json" \
  -d '{"email": "nobody@example.com", "password": "wrong"}')
check "unknown email" "$(echo "$out" | jq -r .error)" "invalid_credentials"
out=$(curl -s -X POST https://$HOST/api/auth/login/ -H "Content-Type: application/json" -d '{"email": "x@y.z"}')
check "missing password" "$(echo "$out" | jq -c .fields)" '{"password":["This field is required."]}'

# The done-means checks of the foundation: 404 over TLS, 403 over plain HTTP.
out=$(curl -sk https://127.0.0.1:$PORT/api/nope/)
check "404 body" "$(echo "$out" | jq -c 'keys')" '["detail","error","message"]'
out=$(curl -s http://127.0.0.1:$PLAIN_PORT/api/auth/status/)
check "plain http" "$(echo "$out" | jq -r .error)" "https_required"

stop_server
finish
