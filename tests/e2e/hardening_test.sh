#!/usr/bin/env bash
# What a hostile client tried (issue 15), end to end: ambiguous credentials
# (two Authorization headers of two organizations), a body in the wrong
# media type on a route that reads none (415, and the key stays unrevoked),
# duplicate JSON keys and NUL in text (400 naming the field, nothing
# stored), invalid_json offsets at the offending token (invalid UTF-8, a lone
# surrogate, 1e999, an integer past 64 bits), TLS 1.2 with AEAD suites only
# (CBC refused; a GCM suite as the positive control), HSTS on HTTPS, and
# X-Content-Type-Options: nosniff.
source "$(dirname "$0")/lib.sh"
start_server
two_organizations  # ADMIN and VIEWER of Acme Corp, OTHER (administrator) of Other Inc

# --- credentials -----------------------------------------------------------------
out=$(curl -s -w '\n%{http_code}' "$BASE/api/auth/status/" -H "Authorization: Bearer $ADMIN" -H "Authorization: Bearer $OTHER")
take_response "$out"
check "two Authorization headers (two organizations): 400 validation_error" "$ST $(jr .error)" "400 validation_error"
req GET /api/auth/status/ "$ADMIN"
check "(one of them alone is fine)" "$ST" 200

# --- media type on a route that reads no body --------------------------------------
req POST /api/api-keys/ "$ADMIN" '{"name": "ci", "scopes": ["dashboards:read"]}'
KEY=$(jr .key)
KEY_ID=$(jr .id)
req POST "/api/api-keys/$KEY_ID/revoke/" "$ADMIN" "please revoke" text/plain
check "revoke with a text/plain body: 415" "$ST $(jr .error)" "415 unsupported_media_type"
req GET /api/auth/status/ "$KEY"
check "and the key still works (nothing changed)" "$ST" 200
req POST "/api/api-keys/$KEY_ID/revoke/" "$ADMIN"
check "(revoke without a body works)" "$ST" 200

# --- JSON: duplicate keys, NUL --------------------------------------------------------
req GET /api/dashboards/ "$ADMIN"
BEFORE=$(jr .count)
req POST /api/dashboards/ "$ADMIN" '{"name":"First","name":"Last"}'
check "a key named twice: 400 naming it" "$ST $(jr .error) $(jb -c '.fields | keys')" '400 validation_error ["name"]'
req POST /api/dashboards/ "$ADMIN" '{"name":"Ok","widgets":[{"type":"kpi","title":"a","title":"b"}]}'
check "also nested, with its path" "$ST $(jb -c '.fields | keys')" '400 ["widgets[0].title"]'
req GET /api/dashboards/ "$ADMIN"
check "nothing was stored" "$(jr .count)" "$BEFORE"
req POST /api/users/ "$ADMIN" '{"email":"nul\u0000@example.com","password":"long-enough-password","first_name":"N","last_name":"U","role":"viewer"}'
check "NUL in an email: 400 naming it" "$ST $(jr .error) $(jb -c '.fields | keys')" '400 validation_error ["email"]'
req POST /api/dashboards/ "$ADMIN" '{"name":"a\u0000b"}'
check "NUL in a name: 400" "$ST $(jb -c '.fields | keys')" '400 ["name"]'

# --- invalid_json offsets ---------------------------------------------------------------
offset_of() { req POST /api/dashboards/ "$ADMIN" "$1"; echo "$ST $(jr .error) $(jr .detail | grep -o 'offset [0-9]*')"; }
check "invalid UTF-8: the byte's offset" "$(offset_of $'{"name":"bad\xff!"}')" "400 invalid_json offset 12"
check "a lone surrogate: its escape's offset" "$(offset_of '{"name":"x\ud800"}')" "400 invalid_json offset 10"
check "a low surrogate first: its offset" "$(offset_of '{"name":"\udc00\ud800"}')" "400 invalid_json offset 9"
check "1e999: the number's offset" "$(offset_of '{"n": 1e999}')" "400 invalid_json offset 6"
check "2^64: the number's offset" "$(offset_of '{"n": 18446744073709551616}')" "400 invalid_json offset 6"
check "(a good surrogate pair is fine)" "$(offset_of '{"name":"\ud83d\ude00"}' | cut -d' ' -f1)" "201"

# --- TLS -----------------------------------------------------------------------------------------
curl -s -o /dev/null --tls-max 1.2 --ciphers 'ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:AES128-SHA:AES256-SHA' \
  "$BASE/api/auth/status/" && CBC=accepted || CBC=refused
check "TLS 1.2 with CBC suites only: refused" "$CBC" refused
curl -s -o /dev/null --tls-max 1.2 --ciphers 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256' \
  "$BASE/api/auth/status/" && GCM=accepted || GCM=refused
check "TLS 1.2 with AES-GCM: accepted" "$GCM" accepted
check "HSTS and nosniff on HTTPS answers" \
  "$(curl -s -D - -o /dev/null "$BASE/api/auth/status/" | tr -d '\r' | grep -i -e '^strict-transport-security:' -e '^x-content-type-options:' | sort | tr '\n' '|')" \
  "Strict-Transport-Security: max-age=31536000|X-Content-Type-Options: nosniff|"
finish
