#!/usr/bin/env bash
# Identity end to end (§4, §5, §6 API keys, §9): refresh, logout, password
# change, API keys (create, rotate, revoke, expire, delete), scope and role
# refusals, cross-organization 404, and kill -9 right after a 201.
source "$(dirname "$0")/lib.sh"
start_server
A() { "$ADMIN_BIN" --data-dir "$DATA" "$@"; }

A bootstrap --org "Acme Corp" --plan professional --ai-credits 10 --email admin@acme.test \
  --password admin-password --first-name Ada --last-name Admin >/dev/null
A users create --org 1 --email editor@acme.test --password editor-password --first-name Ed --last-name Itor --role editor >/dev/null
A users create --org 1 --email viewer@acme.test --password viewer-password --first-name Vi --last-name Ewer --role viewer >/dev/null
A bootstrap --org "Other Inc" --plan starter --ai-credits 1 --email boss@other.test \
  --password other-password --first-name Bo --last-name Ss >/dev/null
check "bootstrap twice refused" "$(A bootstrap --org X --plan p --ai-credits 1 --email admin@acme.test --password xxxxxxxx --first-name a --last-name b >/dev/null 2>&1; echo $?)" "1"

login() { curl -s -X POST "$BASE/api/auth/login/" -H "Content-Type: application/json" -d "{\"email\": \"$1\", \"password\": \"$2\"}"; }
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
json() { curl -s "$@"; }

out=$(login admin@acme.test admin-password)
ADMIN=$(echo "$out" | jq -r .access)
ADMIN_REFRESH=$(echo "$out" | jq -r .refresh)
EDITOR=$(login editor@acme.test editor-password | jq -r .access)
VIEWER=$(login viewer@acme.test viewer-password | jq -r .access)
OTHER=$(login boss@other.test other-password | jq -r .access)
auth() { echo "Authorization: Bearer $1"; }

# Tokens verify with a standard JWT library and the server's secret.
SECRET=$(cat "$DATA/jwt.secret")
claims=$(/usr/bin/python3 -c 'import jwt,sys; c=jwt.decode(sys.argv[1], sys.argv[2], algorithms=["HS256"]); print(c["token_type"], c["user_id"], c["org_id"], c["ver"], "jti" in c, c["exp"]-c["iat"])' "$ADMIN" "$SECRET")
check "pyjwt verifies access token" "$claims" "access 1 1 1 True 3600"
claims=$(/usr/bin/python3 -c 'import jwt,sys; c=jwt.decode(sys.argv[1], sys.argv[2], algorithms=["HS256"]); print(c["token_type"], c["exp"]-c["iat"])' "$ADMIN_REFRESH" "$SECRET")
check "pyjwt verifies refresh token" "$claims" "refresh 604800"
# A token PyJWT signs with our secret is accepted; alg none is not.
forged=$(/usr/bin/python3 -c 'import jwt,sys,time; print(jwt.encode({"token_type":"access","user_id":1,"org_id":1,"ver":1,"jti":"abc","iat":int(time.time()),"exp":int(time.time())+60}, sys.argv[1], algorithm="HS256"))' "$SECRET")
check "pyjwt-signed token accepted" "$(code -H "$(auth "$forged")" "$BASE/api/auth/status/")" "200"
none=$(/usr/bin/python3 -c 'import jwt,time; print(jwt.encode({"token_type":"access","user_id":1,"org_id":1,"ver":1,"jti":"abc","exp":int(time.time())+60}, None, algorithm="none"))')
check "alg none refused" "$(code -H "$(auth "$none")" "$BASE/api/auth/status/")" "401"
check "access token as refresh refused" "$(json -X POST "$BASE/api/auth/token/refresh/" -H 'Content-Type: application/json' -d "{\"refresh\": \"$ADMIN\"}" | jq -r .error)" "unauthorized"
check "refresh token as access refused" "$(code -H "$(auth "$ADMIN_REFRESH")" "$BASE/api/auth/status/")" "401"
check "not Bearer" "$(code -H "Authorization: Token $ADMIN" "$BASE/api/auth/status/")" "401"
check "both credentials" "$(json -H "$(auth "$ADMIN")" -H "X-API-Key: x" "$BASE/api/auth/status/" | jq -r .error)" "validation_error"

# Logout blacklists the refresh token.
check "logout" "$(code -X POST "$BASE/api/auth/logout/" -H 'Content-Type: application/json' -d "{\"refresh\": \"$ADMIN_REFRESH\"}")" "204"
check "blacklisted refresh" "$(code -X POST "$BASE/api/auth/token/refresh/" -H 'Content-Type: application/json' -d "{\"refresh\": \"$ADMIN_REFRESH\"}")" "401"

# API keys.
mk() { json -X POST "$BASE/api/api-keys/" -H "$(auth "$1")" -H 'Content-Type: application/json' -d "$2"; }
out=$(mk "$ADMIN" '{"name": "ci", "scopes": ["dashboards:write", "organization:write"]}')
KEY=$(echo "$out" | jq -r .key)
KEY_ID=$(echo "$out" | jq -r .id)
check "key shape" "$(echo "$out" | jq -c '[.name, .scopes, (.prefix == .key[0:24]), .revoked_at, .expires_at]')" \
  '["ci",["dashboards:read","dashboards:write","organization:read","organization:write"],true,null,null]'
check "key format" "$(echo "$KEY" | grep -cE '^claribi_sk_live_[0-9A-Za-z]{38}$')" "1"
check "full key never shown again" "$(json -H "$(auth "$ADMIN")" "$BASE/api/api-keys/$KEY_ID/" | jq -r 'has("key")')" "false"
check "key works" "$(json -H "X-API-Key: $KEY" "$BASE/api/auth/status/" | jq -r .auth.key_id)" "$KEY_ID"
typo="${KEY:0:20}$( [ "${KEY:20:1}" = "a" ] && echo b || echo a )${KEY:21}"
check "typo rejected" "$(code -H "X-API-Key: $typo" "$BASE/api/auth/status/")" "401"
check "key lists keys (organization:write)" "$(code -H "X-API-Key: $KEY" "$BASE/api/api-keys/")" "200"
check "list count" "$(json -H "$(auth "$ADMIN")" "$BASE/api/api-keys/" | jq -c '[.count, .previous, .results[0].id]')" "[1,null,$KEY_ID]"

# A key cannot make a key with more than it has; a viewer cannot grant writes.
check "key escalation" "$(mk "$ADMIN" '{"name": "x"}' | jq -r .error)" "validation_error"
out=$(json -X POST "$BASE/api/api-keys/" -H "X-API-Key: $KEY" -H 'Content-Type: application/json' -d '{"name": "more", "scopes": ["users:write"]}')
check "key cannot grant more" "$(echo "$out" | jq -r .error)" "forbidden"
check "viewer cannot grant write" "$(mk "$VIEWER" '{"name": "v", "scopes": ["dashboards:write"]}' | jq -r .error)" "forbidden"
VKEY=$(mk "$VIEWER" '{"name": "v", "scopes": ["dashboards:read"]}' | jq -r .key)
check "viewer key works" "$(code -H "X-API-Key: $VKEY" "$BASE/api/auth/status/")" "200"
check "key without organization:write" "$(json -H "X-API-Key: $VKEY" "$BASE/api/api-keys/" | jq -r .error)" "insufficient_scope"
check "key on password change" "$(json -X POST -H "X-API-Key: $KEY" -H 'Content-Type: application/json' -d '{}' "$BASE/api/auth/password/" | jq -r .error)" "forbidden"
check "editor cannot see admin key" "$(code -H "$(auth "$EDITOR")" "$BASE/api/api-keys/$KEY_ID/")" "404"
check "other org cannot see key" "$(code -H "$(auth "$OTHER")" "$BASE/api/api-keys/$KEY_ID/")" "404"
check "other org cannot revoke key" "$(code -X POST -H "$(auth "$OTHER")" "$BASE/api/api-keys/$KEY_ID/revoke/")" "404"

# Rotate with a grace period: both work; the old one shows the end of the grace.
out=$(json -X POST -H "$(auth "$ADMIN")" -H 'Content-Type: application/json' -d '{"grace_period_seconds": 3600}' "$BASE/api/api-keys/$KEY_ID/rotate/")
NEW_KEY=$(echo "$out" | jq -r .key)
NEW_ID=$(echo "$out" | jq -r .id)
check "rotated name" "$(echo "$out" | jq -r .name)" "ci"
check "old key in grace" "$(code -H "X-API-Key: $KEY" "$BASE/api/auth/status/")" "200"
check "new key works" "$(code -H "X-API-Key: $NEW_KEY" "$BASE/api/auth/status/")" "200"
check "old key expires_at set" "$(json -H "$(auth "$ADMIN")" "$BASE/api/api-keys/$KEY_ID/" | jq -r '.expires_at != null')" "true"
# Rotate with no grace: the old key stops at once.
out=$(json -X POST -H "$(auth "$ADMIN")" -H 'Content-Type: application/json' -d '{"grace_period_seconds": 0}' "$BASE/api/api-keys/$NEW_ID/rotate/")
NEWER_KEY=$(echo "$out" | jq -r .key)
NEWER_ID=$(echo "$out" | jq -r .id)
check "no-grace old key stops" "$(code -H "X-API-Key: $NEW_KEY" "$BASE/api/auth/status/")" "401"
check "grace out of range" "$(json -X POST -H "$(auth "$ADMIN")" -H 'Content-Type: application/json' -d '{"grace_period_seconds": 604801}' "$BASE/api/api-keys/$NEWER_ID/rotate/" | jq -r .error)" "validation_error"

# Revoke: effective at once; a revoked key cannot be rotated.
check "revoke" "$(json -X POST -H "$(auth "$ADMIN")" "$BASE/api/api-keys/$NEWER_ID/revoke/" | jq -r '.revoked_at != null')" "true"
check "revoked key refused" "$(code -H "X-API-Key: $NEWER_KEY" "$BASE/api/auth/status/")" "401"
check "rotate revoked" "$(code -X POST -H "$(auth "$ADMIN")" -H 'Content-Type: application/json' -d '{}' "$BASE/api/api-keys/$NEWER_ID/rotate/")" "409"

# Expiry.
soon=$(date -u -d '+2 seconds' +%Y-%m-%dT%H:%M:%SZ)
EKEY=$(mk "$ADMIN" "{\"name\": \"short\", \"scopes\": [\"dashboards:read\"], \"expires_at\": \"$soon\"}" | jq -r .key)
check "expiring key works" "$(code -H "X-API-Key: $EKEY" "$BASE/api/auth/status/")" "200"
sleep 3
check "expired key refused" "$(code -H "X-API-Key: $EKEY" "$BASE/api/auth/status/")" "401"
check "past expires_at" "$(mk "$ADMIN" '{"name": "p", "scopes": [], "expires_at": "2001-01-01T00:00:00Z"}' | jq -r .error)" "validation_error"

# Delete: revoked and gone from lists.
DKEY_JSON=$(mk "$ADMIN" '{"name": "gone", "scopes": []}')
DKEY=$(echo "$DKEY_JSON" | jq -r .key); DKEY_ID=$(echo "$DKEY_JSON" | jq -r .id)
check "delete" "$(code -X DELETE -H "$(auth "$ADMIN")" "$BASE/api/api-keys/$DKEY_ID/")" "204"
check "deleted key refused" "$(code -H "X-API-Key: $DKEY" "$BASE/api/auth/status/")" "401"
check "deleted key not found" "$(code -H "$(auth "$ADMIN")" "$BASE/api/api-keys/$DKEY_ID/")" "404"

# Password change: every token issued before stops working.
check "wrong current password" "$(json -X POST -H "$(auth "$EDITOR")" -H 'Content-Type: application/json' -d '{"current_password": "nope", "new_password": "a-new-password"}' "$BASE/api/auth/password/" | jq -c .fields)" '{"current_password":["The current password is incorrect."]}'
check "password change" "$(code -X POST -H "$(auth "$EDITOR")" -H 'Content-Type: application/json' -d '{"current_password": "editor-password", "new_password": "a-new-password"}' "$BASE/api/auth/password/")" "204"
check "old token dead" "$(code -H "$(auth "$EDITOR")" "$BASE/api/auth/status/")" "401"
check "old password refused" "$(login editor@acme.test editor-password | jq -r .error)" "invalid_credentials"
check "new password works" "$(login editor@acme.test a-new-password | jq -r 'has("access")')" "true"

# Disabled user: tokens and keys stop at once (admin tool against the running server).
A users disable --email viewer@acme.test >/dev/null
check "disabled user's token" "$(code -H "$(auth "$VIEWER")" "$BASE/api/auth/status/")" "401"
check "disabled user's key" "$(code -H "X-API-Key: $VKEY" "$BASE/api/auth/status/")" "401"
check "disabled user's login" "$(login viewer@acme.test viewer-password | jq -r .error)" "invalid_credentials"

# Durability (§9): kill -9 right after a 201; the key is there after restart.
out=$(mk "$ADMIN" '{"name": "durable", "scopes": ["dashboards:read"]}')
DUR_KEY=$(echo "$out" | jq -r .key)
kill9_server
admin_users=$(A users list --org 1 | grep -c '@acme.test')
check "admin tool on stopped server" "$admin_users" "3"
start_server
check "key after kill -9" "$(json -H "X-API-Key: $DUR_KEY" "$BASE/api/auth/status/" | jq -r .auth.method)" "api_key"
check "logout survives restart" "$(code -X POST "$BASE/api/auth/token/refresh/" -H 'Content-Type: application/json' -d "{\"refresh\": \"$ADMIN_REFRESH\"}")" "401"
check "ids not reused" "$(mk "$ADMIN" '{"name": "next", "scopes": []}' | jq -r ".id > $DKEY_ID")" "true"
check "admin tool on running server" "$(A users list --org 1 | grep -c '@acme.test')" "3"

stop_server
finish
