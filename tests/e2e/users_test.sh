#!/usr/bin/env bash
# Users and organization end to end (§2, §3, §5, §6): create, list (pagination,
# search, ordering), get, patch, put, delete; roles and scopes; the last active
# administrator rule; disabled and deleted users' credentials; cross-organization
# 404; GET and PATCH /api/organization/.
source "$(dirname "$0")/lib.sh"
start_server
A() { "$ADMIN_BIN" --data-dir "$DATA" "$@"; }

A bootstrap --org "Acme Corp" --plan professional --ai-credits 10 --email admin@acme.test \
  --password admin-password --first-name Ada --last-name Admin >/dev/null
A bootstrap --org "Other Inc" --plan starter --ai-credits 1 --email boss@other.test \
  --password other-password --first-name Bo --last-name Ss >/dev/null

login() { curl -s -X POST "$BASE/api/auth/login/" -H "Content-Type: application/json" -d "{\"email\": \"$1\", \"password\": \"$2\"}"; }
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
json() { curl -s "$@"; }
auth() { echo "Authorization: Bearer $1"; }
CT='Content-Type: application/json'

ADMIN=$(login admin@acme.test admin-password | jq -r .access)
OTHER=$(login boss@other.test other-password | jq -r .access)
ADMIN_ID=$(json -H "$(auth "$ADMIN")" "$BASE/api/auth/status/" | jq -r .user.id)
OTHER_ID=$(json -H "$(auth "$OTHER")" "$BASE/api/auth/status/" | jq -r .user.id)

# Create an editor and a viewer (role defaults to viewer).
out=$(json -w '\n%{http_code}' -X POST "$BASE/api/users/" -H "$(auth "$ADMIN")" -H "$CT" \
  -d '{"email": "Editor@Acme.test", "password": "editor-password", "first_name": "Ed", "last_name": "Itor", "role": "editor"}')
check "create editor status" "$(echo "$out" | tail -1)" "201"
body=$(echo "$out" | head -1)
EDITOR_ID=$(echo "$body" | jq -r .id)
check "create shape" "$(echo "$body" | jq -c "[.email, .first_name, .last_name, .role, .is_active, .last_login_at, .created_by == $ADMIN_ID, (.created_at | test(\"Z$\")), (.updated_at != null)]")" \
  '["editor@acme.test","Ed","Itor","editor",true,null,true,true,true]'
check "no password in response" "$(echo "$body" | jq -c 'keys - ["id","email","first_name","last_name","role","is_active","last_login_at","created_at","updated_at","created_by"]')" '[]'
out=$(json -X POST "$BASE/api/users/" -H "$(auth "$ADMIN")" -H "$CT" \
  -d '{"email": "viewer@acme.test", "password": "viewer-password", "first_name": "Vi", "last_name": "Ewer"}')
VIEWER_ID=$(echo "$out" | jq -r .id)
check "default role viewer" "$(echo "$out" | jq -r .role)" "viewer"
EDITOR=$(login editor@acme.test editor-password | jq -r .access)
VIEWER=$(login viewer@acme.test viewer-password | jq -r .access)
check "editor login" "$(json -H "$(auth "$EDITOR")" "$BASE/api/auth/status/" | jq -r .user.role)" "editor"
check "viewer login" "$(json -H "$(auth "$VIEWER")" "$BASE/api/auth/status/" | jq -r .user.role)" "viewer"
check "last_login_at set after login" "$(json -H "$(auth "$ADMIN")" "$BASE/api/users/$EDITOR_ID/" | jq -r '.last_login_at != null')" "true"

# Duplicate email (across organizations too, case-insensitively) → 409.
out=$(json -X POST "$BASE/api/users/" -H "$(auth "$ADMIN")" -H "$CT" \
  -d '{"email": "EDITOR@acme.test", "password": "xxxxxxxx", "first_name": "a", "last_name": "b"}')
check "duplicate email" "$(echo "$out" | jq -c '[.error, .detail]')" '["conflict","A user with that email already exists."]'
check "duplicate email other org" "$(code -X POST "$BASE/api/users/" -H "$(auth "$OTHER")" -H "$CT" \
  -d '{"email": "admin@acme.test", "password": "xxxxxxxx", "first_name": "a", "last_name": "b"}')" "409"

# Validation.
out=$(json -X POST "$BASE/api/users/" -H "$(auth "$ADMIN")" -H "$CT" -d '{}')
check "missing fields" "$(echo "$out" | jq -c '[.error, (.fields | keys)]')" '["validation_error",["email","first_name","last_name","password"]]'
out=$(json -X POST "$BASE/api/users/" -H "$(auth "$ADMIN")" -H "$CT" \
  -d '{"email": "not-an-email", "password": "short", "first_name": "a", "last_name": "b", "role": "owner", "is_active": "yes"}')
check "invalid fields" "$(echo "$out" | jq -c '.fields | keys')" '["email","is_active","password","role"]'
long=$(printf 'x%.0s' $(seq 1 151))
check "name too long" "$(json -X POST "$BASE/api/users/" -H "$(auth "$ADMIN")" -H "$CT" \
  -d "{\"email\": \"l@acme.test\", \"password\": \"xxxxxxxx\", \"first_name\": \"$long\", \"last_name\": \"b\"}" | jq -c '.fields | keys')" '["first_name"]'
check "invalid json" "$(json -X POST "$BASE/api/users/" -H "$(auth "$ADMIN")" -H "$CT" -d '{' | jq -r .error)" "invalid_json"

# Roles and scopes.
check "viewer lists" "$(json -H "$(auth "$VIEWER")" "$BASE/api/users/" | jq -r .count)" "3"
check "viewer gets" "$(code -H "$(auth "$VIEWER")" "$BASE/api/users/$ADMIN_ID/")" "200"
check "viewer cannot create" "$(json -X POST "$BASE/api/users/" -H "$(auth "$VIEWER")" -H "$CT" \
  -d '{"email": "v2@acme.test", "password": "xxxxxxxx", "first_name": "a", "last_name": "b"}' | jq -r .error)" "forbidden"
check "editor cannot patch" "$(json -X PATCH "$BASE/api/users/$VIEWER_ID/" -H "$(auth "$EDITOR")" -H "$CT" -d '{"role": "editor"}' | jq -r .error)" "forbidden"
check "editor cannot delete" "$(code -X DELETE "$BASE/api/users/$VIEWER_ID/" -H "$(auth "$EDITOR")")" "403"
mk() { json -X POST "$BASE/api/api-keys/" -H "$(auth "$1")" -H "$CT" -d "$2"; }
DKEY=$(mk "$ADMIN" '{"name": "dash", "scopes": ["dashboards:read"]}' | jq -r .key)
check "key without users:read" "$(json -H "X-API-Key: $DKEY" "$BASE/api/users/" | jq -r .error)" "insufficient_scope"
check "key without organization:read" "$(json -H "X-API-Key: $DKEY" "$BASE/api/organization/" | jq -r .error)" "insufficient_scope"
UKEY=$(mk "$ADMIN" '{"name": "users", "scopes": ["users:read"]}' | jq -r .key)
check "key with users:read lists" "$(code -H "X-API-Key: $UKEY" "$BASE/api/users/")" "200"
check "key with users:read cannot create" "$(json -X POST "$BASE/api/users/" -H "X-API-Key: $UKEY" -H "$CT" \
  -d '{"email": "k@acme.test", "password": "xxxxxxxx", "first_name": "a", "last_name": "b"}' | jq -r .error)" "insufficient_scope"
WKEY=$(mk "$ADMIN" '{"name": "users-w", "scopes": ["users:write"]}' | jq -r .key)
out=$(json -X POST "$BASE/api/users/" -H "X-API-Key: $WKEY" -H "$CT" \
  -d '{"email": "temp@acme.test", "password": "temp-password", "first_name": "Tem", "last_name": "Porary", "is_active": false}')
TEMP_ID=$(echo "$out" | jq -r .id)
check "key with users:write creates" "$(echo "$out" | jq -c '[.email, .is_active, .created_by]')" "[\"temp@acme.test\",false,$ADMIN_ID]"
check "inactive user cannot log in" "$(login temp@acme.test temp-password | jq -r .error)" "invalid_credentials"
EKEY=$(mk "$EDITOR" '{"name": "ed", "scopes": ["users:read"]}' | jq -r .key)
check "editor's key works" "$(code -H "X-API-Key: $EKEY" "$BASE/api/users/")" "200"

# List: pagination, search, ordering.
out=$(json -H "$(auth "$ADMIN")" "$BASE/api/users/?page_size=1")
check "page 1" "$(echo "$out" | jq -c '[.count, .previous, (.results | length), .results[0].id]')" "[4,null,1,$ADMIN_ID]"
check "next url" "$(echo "$out" | jq -r .next)" "$(json -H "$(auth "$ADMIN")" "$BASE/api/users/?page_size=1" | jq -r .next)"
check "next url shape" "$(echo "$out" | jq -r '.next | test("/api/users/\\?page=2&page_size=1$")')" "true"
check "page 2" "$(json -H "$(auth "$ADMIN")" "$BASE/api/users/?page_size=1&page=2" | jq -c '[.results[0].id, (.previous != null)]')" "[$EDITOR_ID,true]"
check "page past end" "$(json -H "$(auth "$ADMIN")" "$BASE/api/users/?page=9" | jq -r .error)" "not_found"
check "bad page" "$(json -H "$(auth "$ADMIN")" "$BASE/api/users/?page=0" | jq -r .error)" "validation_error"
check "search email" "$(json -H "$(auth "$ADMIN")" "$BASE/api/users/?search=EDITOR" | jq -c '[.results[].id]')" "[$EDITOR_ID]"
check "search first_name" "$(json -H "$(auth "$ADMIN")" "$BASE/api/users/?search=vi" | jq -c '[.results[].id]')" "[$VIEWER_ID]"
check "search last_name" "$(json -H "$(auth "$ADMIN")" "$BASE/api/users/?search=porary" | jq -c '[.results[].id]')" "[$TEMP_ID]"
check "search nothing" "$(json -H "$(auth "$ADMIN")" "$BASE/api/users/?search=zzz" | jq -c '[.count, .results]')" "[0,[]]"
check "ordering -email" "$(json -H "$(auth "$ADMIN")" "$BASE/api/users/?ordering=-email" | jq -c '[.results[].email]')" \
  '["viewer@acme.test","temp@acme.test","editor@acme.test","admin@acme.test"]'
check "ordering email" "$(json -H "$(auth "$ADMIN")" "$BASE/api/users/?ordering=email" | jq -r '.results[0].email')" "admin@acme.test"
check "ordering -id" "$(json -H "$(auth "$ADMIN")" "$BASE/api/users/?ordering=-id" | jq -r '.results[0].id')" "$TEMP_ID"
check "ordering name refused" "$(json -H "$(auth "$ADMIN")" "$BASE/api/users/?ordering=name" | jq -r .error)" "validation_error"
check "other org sees only its users" "$(json -H "$(auth "$OTHER")" "$BASE/api/users/" | jq -c '[.count, .results[0].id]')" "[1,$OTHER_ID]"

# PATCH and PUT.
out=$(json -X PATCH "$BASE/api/users/$VIEWER_ID/" -H "$(auth "$ADMIN")" -H "$CT" -d '{"role": "editor", "first_name": "Vivi"}')
check "patch role" "$(echo "$out" | jq -c '[.role, .first_name, .last_name, .email]')" '["editor","Vivi","Ewer","viewer@acme.test"]'
check "role change effective" "$(json -H "$(auth "$VIEWER")" "$BASE/api/auth/status/" | jq -r .user.role)" "editor"
check "patch email taken" "$(code -X PATCH "$BASE/api/users/$VIEWER_ID/" -H "$(auth "$ADMIN")" -H "$CT" -d '{"email": "editor@acme.test"}')" "409"
check "patch bad role" "$(json -X PATCH "$BASE/api/users/$VIEWER_ID/" -H "$(auth "$ADMIN")" -H "$CT" -d '{"role": "root"}' | jq -c '.fields | keys')" '["role"]'
check "put missing fields" "$(json -X PUT "$BASE/api/users/$VIEWER_ID/" -H "$(auth "$ADMIN")" -H "$CT" -d '{"email": "viewer@acme.test"}' | jq -c '.fields | keys')" \
  '["first_name","last_name","role"]'
out=$(json -X PUT "$BASE/api/users/$VIEWER_ID/" -H "$(auth "$ADMIN")" -H "$CT" \
  -d '{"email": "vi@acme.test", "first_name": "Vi", "last_name": "Ewer", "role": "viewer"}')
check "put" "$(echo "$out" | jq -c '[.email, .role, .first_name]')" '["vi@acme.test","viewer","Vi"]'
check "login with new email" "$(login vi@acme.test viewer-password | jq -r 'has("access")')" "true"
check "old email free again" "$(login viewer@acme.test viewer-password | jq -r .error)" "invalid_credentials"
# Password change by an administrator: old tokens stop, the new password works.
check "patch password" "$(code -X PATCH "$BASE/api/users/$VIEWER_ID/" -H "$(auth "$ADMIN")" -H "$CT" -d '{"password": "viewer-new-password"}')" "200"
check "old token after password reset" "$(code -H "$(auth "$VIEWER")" "$BASE/api/auth/status/")" "401"
check "short password" "$(json -X PATCH "$BASE/api/users/$VIEWER_ID/" -H "$(auth "$ADMIN")" -H "$CT" -d '{"password": "short"}' | jq -c '.fields | keys')" '["password"]'
VIEWER=$(login vi@acme.test viewer-new-password | jq -r .access)
check "new password works" "$(code -H "$(auth "$VIEWER")" "$BASE/api/auth/status/")" "200"

# The last active administrator cannot be demoted, disabled or deleted.
check "demote last admin" "$(json -X PATCH "$BASE/api/users/$ADMIN_ID/" -H "$(auth "$ADMIN")" -H "$CT" -d '{"role": "editor"}' | jq -r .error)" "conflict"
check "disable last admin" "$(code -X PATCH "$BASE/api/users/$ADMIN_ID/" -H "$(auth "$ADMIN")" -H "$CT" -d '{"is_active": false}')" "409"
check "put demoting last admin" "$(code -X PUT "$BASE/api/users/$ADMIN_ID/" -H "$(auth "$ADMIN")" -H "$CT" \
  -d '{"email": "admin@acme.test", "first_name": "Ada", "last_name": "Admin", "role": "viewer"}')" "409"
check "delete last admin" "$(code -X DELETE "$BASE/api/users/$ADMIN_ID/" -H "$(auth "$ADMIN")")" "409"
check "admin still admin" "$(json -H "$(auth "$ADMIN")" "$BASE/api/users/$ADMIN_ID/" | jq -c '[.role, .is_active]')" '["administrator",true]'
check "patch last admin harmless" "$(code -X PATCH "$BASE/api/users/$ADMIN_ID/" -H "$(auth "$ADMIN")" -H "$CT" -d '{"last_name": "Lovelace"}')" "200"
# With a second administrator, the first can step down; then the second is the last.
check "promote editor" "$(json -X PATCH "$BASE/api/users/$EDITOR_ID/" -H "$(auth "$ADMIN")" -H "$CT" -d '{"role": "administrator"}' | jq -r .role)" "administrator"
EDITOR=$(login editor@acme.test editor-password | jq -r .access)
check "demote first admin" "$(json -X PATCH "$BASE/api/users/$ADMIN_ID/" -H "$(auth "$EDITOR")" -H "$CT" -d '{"role": "editor"}' | jq -r .role)" "editor"
check "demoted admin forbidden" "$(code -X PATCH "$BASE/api/users/$ADMIN_ID/" -H "$(auth "$ADMIN")" -H "$CT" -d '{"role": "administrator"}')" "403"
check "second admin now last" "$(code -X PATCH "$BASE/api/users/$EDITOR_ID/" -H "$(auth "$EDITOR")" -H "$CT" -d '{"is_active": false}')" "409"
check "restore first admin" "$(json -X PATCH "$BASE/api/users/$ADMIN_ID/" -H "$(auth "$EDITOR")" -H "$CT" -d '{"role": "administrator"}' | jq -r .role)" "administrator"
check "demote editor back" "$(json -X PATCH "$BASE/api/users/$EDITOR_ID/" -H "$(auth "$ADMIN")" -H "$CT" -d '{"role": "editor"}' | jq -r .role)" "editor"
# Concurrent: two admins demote each other at once; exactly one succeeds.
json -X PATCH "$BASE/api/users/$EDITOR_ID/" -H "$(auth "$ADMIN")" -H "$CT" -d '{"role": "administrator"}' >/dev/null
code -X PATCH "$BASE/api/users/$ADMIN_ID/" -H "$(auth "$ADMIN")" -H "$CT" -d '{"is_active": false}' >"$DATA.c1" &
p1=$!
code -X PATCH "$BASE/api/users/$EDITOR_ID/" -H "$(auth "$ADMIN")" -H "$CT" -d '{"is_active": false}' >"$DATA.c2" &
p2=$!
wait "$p1" "$p2"  # not a bare wait: the server is a child too
# Whichever lands first wins (200). The other is refused: 409 if it would
# disable the last admin, or 401 if the first one disabled its caller.
outcome=$( (cat "$DATA.c1"; echo; cat "$DATA.c2"; echo) | sort | tr "\n" " ")
check "concurrent disable: one wins" "$(case "$outcome" in "200 409 "|"200 401 ") echo ok;; *) echo "$outcome";; esac)" "ok"
check "one active admin left" "$(json -H "$(auth "$VIEWER")" "$BASE/api/users/?search=d" | jq '[.results[] | select(.role == "administrator" and .is_active)] | length')" "1"
rm -f "$DATA.c1" "$DATA.c2"
# Put things back: admin active administrator, editor an editor.
EDITOR=$(login editor@acme.test editor-password | jq -r .access)
ADMIN=$(login admin@acme.test admin-password | jq -r .access)
if [ "$(code -H "$(auth "$ADMIN")" "$BASE/api/auth/status/")" = "200" ]; then
  code -X PATCH "$BASE/api/users/$EDITOR_ID/" -H "$(auth "$ADMIN")" -H "$CT" -d '{"is_active": true, "role": "editor"}' >/dev/null
else
  code -X PATCH "$BASE/api/users/$ADMIN_ID/" -H "$(auth "$EDITOR")" -H "$CT" -d '{"is_active": true}' >/dev/null
  ADMIN=$(login admin@acme.test admin-password | jq -r .access)
  code -X PATCH "$BASE/api/users/$EDITOR_ID/" -H "$(auth "$ADMIN")" -H "$CT" -d '{"role": "editor"}' >/dev/null
fi
EDITOR=$(login editor@acme.test editor-password | jq -r .access)
check "state restored" "$(json -H "$(auth "$ADMIN")" "$BASE/api/users/?ordering=id" | jq -c '[.results[] | [.role, .is_active]][0:2]')" \
  '[["administrator",true],["editor",true]]'

# Disabling a user: their token and key fail at once; enabling brings them back.
check "disable editor" "$(json -X PATCH "$BASE/api/users/$EDITOR_ID/" -H "$(auth "$ADMIN")" -H "$CT" -d '{"is_active": false}' | jq -r .is_active)" "false"
check "disabled token 401" "$(json -H "$(auth "$EDITOR")" "$BASE/api/auth/status/" | jq -r .error)" "unauthorized"
check "disabled key 401" "$(code -H "X-API-Key: $EKEY" "$BASE/api/users/")" "401"
check "enable editor" "$(code -X PATCH "$BASE/api/users/$EDITOR_ID/" -H "$(auth "$ADMIN")" -H "$CT" -d '{"is_active": true}')" "200"
check "enabled token works" "$(code -H "$(auth "$EDITOR")" "$BASE/api/auth/status/")" "200"

# Another organization's user: 404 for every method.
check "other org GET" "$(json -H "$(auth "$OTHER")" "$BASE/api/users/$EDITOR_ID/" | jq -r .error)" "not_found"
check "other org PATCH" "$(code -X PATCH "$BASE/api/users/$EDITOR_ID/" -H "$(auth "$OTHER")" -H "$CT" -d '{"role": "viewer"}')" "404"
check "other org PUT" "$(code -X PUT "$BASE/api/users/$EDITOR_ID/" -H "$(auth "$OTHER")" -H "$CT" -d '{}')" "404"
check "other org DELETE" "$(code -X DELETE "$BASE/api/users/$EDITOR_ID/" -H "$(auth "$OTHER")")" "404"
check "our GET of their user" "$(code -H "$(auth "$ADMIN")" "$BASE/api/users/$OTHER_ID/")" "404"
check "unknown id" "$(code -H "$(auth "$ADMIN")" "$BASE/api/users/99999/")" "404"
check "editor untouched" "$(json -H "$(auth "$ADMIN")" "$BASE/api/users/$EDITOR_ID/" | jq -r .role)" "editor"

# Organization.
out=$(json -H "$(auth "$VIEWER")" "$BASE/api/organization/")
check "organization" "$(echo "$out" | jq -c '[.name, .plan, .ai_credits_remaining, .member_count, .active_member_count, .api_key_count, (.created_at != null)]')" \
  '["Acme Corp","professional",10,4,3,4,true]'
check "other organization" "$(json -H "$(auth "$OTHER")" "$BASE/api/organization/" | jq -c '[.name, .member_count, .api_key_count]')" '["Other Inc",1,0]'
out=$(json -X PATCH "$BASE/api/organization/" -H "$(auth "$ADMIN")" -H "$CT" -d '{"name": "Acme Corporation", "plan": "enterprise", "ai_credits_remaining": 500}')
check "patch organization" "$(echo "$out" | jq -c '[.name, .plan, .ai_credits_remaining, .member_count]')" '["Acme Corporation","enterprise",500,4]'
check "status shows new name" "$(json -H "$(auth "$ADMIN")" "$BASE/api/auth/status/" | jq -r .organization.name)" "Acme Corporation"
check "patch organization partial" "$(json -X PATCH "$BASE/api/organization/" -H "$(auth "$ADMIN")" -H "$CT" -d '{"plan": "starter"}' | jq -c '[.name, .plan]')" '["Acme Corporation","starter"]'
check "patch organization by editor" "$(json -X PATCH "$BASE/api/organization/" -H "$(auth "$EDITOR")" -H "$CT" -d '{"name": "Hacked"}' | jq -r .error)" "forbidden"
out=$(json -X PATCH "$BASE/api/organization/" -H "$(auth "$ADMIN")" -H "$CT" -d '{"name": "", "ai_credits_remaining": -1, "plan": 5}')
check "organization validation" "$(echo "$out" | jq -c '[.error, (.fields | keys)]')" '["validation_error",["ai_credits_remaining","name","plan"]]'
check "other org untouched" "$(json -H "$(auth "$OTHER")" "$BASE/api/organization/" | jq -r .name)" "Other Inc"

# Delete: 204, then 404; their token and key stop at once (and the key leaves
# the organization's key list); records keep created_by.
check "the editor's key is in the organization's key list" \
  "$(json -H "$(auth "$ADMIN")" "$BASE/api/api-keys/?page_size=100" | jq '[.results[] | select(.name == "ed")] | length')" "1"
check "delete editor" "$(code -X DELETE "$BASE/api/users/$EDITOR_ID/" -H "$(auth "$ADMIN")")" "204"
check "deleted user 404" "$(code -H "$(auth "$ADMIN")" "$BASE/api/users/$EDITOR_ID/")" "404"
check "delete again 404" "$(code -X DELETE "$BASE/api/users/$EDITOR_ID/" -H "$(auth "$ADMIN")")" "404"
check "deleted user's token" "$(code -H "$(auth "$EDITOR")" "$BASE/api/auth/status/")" "401"
check "deleted user's key" "$(code -H "X-API-Key: $EKEY" "$BASE/api/users/")" "401"
check "and it left the organization's key list" \
  "$(json -H "$(auth "$ADMIN")" "$BASE/api/api-keys/?page_size=100" | jq '[.results[] | select(.name == "ed")] | length')" "0"
check "deleted user's login" "$(login editor@acme.test editor-password | jq -r .error)" "invalid_credentials"
check "member count after delete" "$(json -H "$(auth "$ADMIN")" "$BASE/api/organization/" | jq -r .member_count)" "3"
check "created_by kept" "$(json -H "$(auth "$ADMIN")" "$BASE/api/users/$TEMP_ID/" | jq -r .created_by)" "$ADMIN_ID"
check "email reusable after delete" "$(code -X POST "$BASE/api/users/" -H "$(auth "$ADMIN")" -H "$CT" \
  -d '{"email": "editor@acme.test", "password": "editor-password2", "first_name": "New", "last_name": "Ed"}')" "201"

# Durability: everything above survives a restart.
stop_server
start_server
ADMIN=$(login admin@acme.test admin-password | jq -r .access)
check "after restart" "$(json -H "$(auth "$ADMIN")" "$BASE/api/users/?ordering=email" | jq -c '[.count, [.results[].email]]')" \
  '[4,["admin@acme.test","editor@acme.test","temp@acme.test","vi@acme.test"]]'
check "organization after restart" "$(json -H "$(auth "$ADMIN")" "$BASE/api/organization/" | jq -c '[.name, .plan, .ai_credits_remaining]')" '["Acme Corporation","starter",500]'
check "deleted user stays deleted" "$(code -H "$(auth "$ADMIN")" "$BASE/api/users/$EDITOR_ID/")" "404"

stop_server
finish
