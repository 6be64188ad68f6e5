#!/usr/bin/env bash
# Data sources, dashboards and reports end to end (API.md §2, §3, §5, §6 and
# docs/resources.md), for /api/data-sources/, /api/dashboards/, /api/reports/:
# create (exact shape, defaults, created_by, timestamps), get, list, PATCH
# (only the named fields change; read-only and unknown fields ignored), PUT
# (required fields, optional ones kept), DELETE (204, then 404 everywhere);
# validation (names, types, widgets and their ids and positions, cron
# schedules, recipients, analytics queries; every bad field in one 400 with
# nested paths), invalid JSON and wrong content types; write-only secrets in
# data-source configs (masked, kept, replaced, removed); lists (pagination,
# absolute next/previous URLs from --public-url that keep the other
# parameters, ordering, search); roles (viewer, editor, administrator) and
# API-key scopes; another organization's records are 404 and its lists empty;
# the organization's resource counts; durability across a restart (records,
# masked secrets, counts) and ids never reused after a delete.
source "$(dirname "$0")/lib.sh"
PUBLIC=https://api.example.test
start_server --public-url "$PUBLIC"

A bootstrap --org "Acme Corp" --plan professional --ai-credits 10 --email admin@acme.test \
  --password admin-password --first-name Ada --last-name Admin >/dev/null
A bootstrap --org "Other Inc" --plan starter --ai-credits 1 --email boss@other.test \
  --password other-password --first-name Bo --last-name Ss >/dev/null

login() { curl -s -X POST "$BASE/api/auth/login/" -H "$CT" -d "{\"email\": \"$1\", \"password\": \"$2\"}"; }
json() { curl -s "$@"; }
# The last body's id, or null (without starting jq when the object begins with it).
idof() {
  if [[ "$B" =~ ^\{\"id\":([0-9]+)[,}] ]]; then echo "${BASH_REMATCH[1]}"; return; fi
  jq -r '.id // "null"' <<<"$B" 2>/dev/null || echo null
}
# Canonical form of a JSON text (sorted keys), to compare objects regardless of key order.
norm() { jq -cS . <<<"$1" 2>/dev/null || echo "(not JSON: ${1:0:120})"; }
# "validation_error" and the sorted names in .fields of the last body.
fields() { jb '[.error, (.fields // {} | keys)]'; }
# Whether the last body contains a string (for secrets that must never come back).
leaks() { if [[ "$B" == *"$1"* ]]; then echo "leaked $1"; else echo "clean"; fi; }
# An ISO 8601 UTC timestamp with seconds and Z.
TSRE='test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")'
# id, created_by, created_at, updated_at of the last body: [id ok, created_by, ts, ts, updated >= created].
shape() { jb "[(.id | type == \"number\" and . > 0), .created_by, (.created_at | $TSRE), (.updated_at | $TSRE), (.updated_at >= .created_at)]"; }
rep() { printf "$1%.0s" $(seq 1 "$2"); }  # rep CHAR N
# Requests that must fail validation: vq DESC METHOD PATH BODY FIELDS sends the
# request now (as the administrator; BODY '' = none) and queues the check that
# it was 400 validation_error with exactly FIELDS (a sorted JSON list) in
# .fields; vflush checks the queue with a single jq, whose start-up time
# would otherwise dominate this test's run time.
VQ_DESC=() VQ_ST=() VQ_BODY=() VQ_WANT=()
vq() {
  if [ -n "$4" ]; then req "$2" "$3" "$ADMIN" "$4"; else req "$2" "$3" "$ADMIN"; fi
  VQ_DESC+=("$1") VQ_ST+=("$ST") VQ_BODY+=("$B") VQ_WANT+=("$5")
}
vflush() {
  local got i
  if [ ${#VQ_DESC[@]} -eq 0 ]; then return 0; fi
  mapfile -t got < <(printf '%s\n' "${VQ_BODY[@]}" | jq -c '[.error, (.fields // {} | keys)]' 2>/dev/null || true)
  for i in "${!VQ_DESC[@]}"; do
    check "${VQ_DESC[$i]}" "${VQ_ST[$i]} ${got[$i]:-}" "400 [\"validation_error\",${VQ_WANT[$i]}]"
  done
  VQ_DESC=() VQ_ST=() VQ_BODY=() VQ_WANT=()
}

DS_KEYS='["config","created_at","created_by","id","name","row_count","status","type","updated_at"]'
DB_KEYS='["created_at","created_by","description","id","is_public","name","updated_at","widgets"]'
REP_KEYS='["created_at","created_by","format","id","last_run_at","name","next_run_at","query","recipients","schedule","updated_at"]'
WIDGET_KEYS='["id","position","query","title","type"]'
declare -A NOUN=([data-sources]="data source" [dashboards]="dashboard" [reports]="report")

# What Acme should hold, counted from the creates and deletes that succeeded,
# and the largest id each collection has handed out (deleted ones included).
declare -A COUNT=([data-sources]=0 [dashboards]=0 [reports]=0)
declare -A MAXID=([data-sources]=0 [dashboards]=0 [reports]=0)
# mk COLLECTION BODY [CREDENTIAL]: POST /api/COLLECTION/ in Acme (default: the administrator).
mk() {
  req POST "/api/$1/" "${3:-$ADMIN}" "$2"
  if [ "$ST" = 201 ]; then
    COUNT[$1]=$((${COUNT[$1]} + 1))
    local id
    id=$(idof)
    if [[ "$id" =~ ^[0-9]+$ ]] && [ "$id" -gt "${MAXID[$1]}" ]; then MAXID[$1]=$id; fi
  fi
}
# del COLLECTION ID [CREDENTIAL]: DELETE /api/COLLECTION/ID/ in Acme.
del() {
  req DELETE "/api/$1/$2/" "${3:-$ADMIN}"
  if [ "$ST" = 204 ]; then COUNT[$1]=$((${COUNT[$1]} - 1)); fi
}
tracked() { echo "[${COUNT[data-sources]},${COUNT[dashboards]},${COUNT[reports]}]"; }
org_counts() {  # org_counts CREDENTIAL
  json -H "$(auth "$1")" "$BASE/api/organization/" | jq -c '[.data_source_count, .dashboard_count, .report_count]' 2>/dev/null || true
}
list_counts() {  # list_counts CREDENTIAL
  local c n out=""
  for c in data-sources dashboards reports; do
    n=$(json -H "$(auth "$1")" "$BASE/api/$c/" | jq -c .count 2>/dev/null || true)
    out+="${out:+,}${n:-none}"
  done
  echo "[$out]"
}

ADMIN=$(login admin@acme.test admin-password | jq -r .access)
OTHER=$(login boss@other.test other-password | jq -r .access)
ADMIN_ID=$(json -H "$(auth "$ADMIN")" "$BASE/api/auth/status/" | jq -r .user.id)
req POST /api/users/ "$ADMIN" '{"email": "editor@acme.test", "password": "editor-password", "first_name": "Ed", "last_name": "Itor", "role": "editor"}'
check "create editor" "$ST" "201"
EDITOR_ID=$(idof)
req POST /api/users/ "$ADMIN" '{"email": "viewer@acme.test", "password": "viewer-password", "first_name": "Vi", "last_name": "Ewer", "role": "viewer"}'
check "create viewer" "$ST" "201"
EDITOR=$(login editor@acme.test editor-password | jq -r .access)
VIEWER=$(login viewer@acme.test viewer-password | jq -r .access)

check "organization counts start at zero" "$(org_counts "$ADMIN")" "[0,0,0]"
for c in data-sources dashboards reports; do
  req GET "/api/$c/" "$ADMIN"
  check "$c: empty list" "$ST $(jb '[.count, .next, .previous, .results]')" "200 [0,null,null,[]]"
done

# ---------------------------------------------------------------------------
# Lists (§2), on 25 dashboards whose names sort one way by id, another
# bytewise and a third case-insensitively: board i is named after letter
# (7 i mod 26), upper case for even i, e.g. "hhh Board 1", "OOO Board 2".
letters=abcdefghijklmnopqrstuvwxyz
BOARD_IDS=()
made=0
for i in $(seq 1 25); do
  l=${letters:$(((7 * i) % 26)):1}
  if [ $((i % 2)) -eq 0 ]; then l=${l^^}; fi
  mk dashboards "{\"name\": \"$l$l$l Board $i\"}"
  if [ "$ST" = 201 ]; then made=$((made + 1)); fi
  BOARD_IDS+=("$(idof)")
done
check "25 dashboards created" "$made" "25"
IDS_ASC=$(printf '%s\n' "${BOARD_IDS[@]}" | jq -sc . 2>/dev/null || echo '[]')
BY_NAME=$(for i in $(seq 1 25); do echo "$(((7 * i) % 26)) ${BOARD_IDS[$((i - 1))]}"; done | sort -n | awk '{print $2}' | jq -sc . 2>/dev/null || echo '[]')

req GET /api/dashboards/ "$ADMIN"
check "list page 1" "$ST $(jb '[.count, (.results | length), .next, .previous]')" "200 [25,20,\"$PUBLIC/api/dashboards/?page=2\",null]"
check "list default ordering is id" "$(jb '[.results[].id]')" "$(jq -c '.[0:20]' <<<"$IDS_ASC")"
check "list items are full objects" "$(jb '.results[0] | keys')" "$DB_KEYS"
req GET "/api/dashboards/?page=2" "$ADMIN"
check "list page 2" "$ST $(jb '[.count, (.results | length), .next]')" "200 [25,5,null]"
check "list page 2 ids" "$(jb '[.results[].id]')" "$(jq -c '.[20:]' <<<"$IDS_ASC")"
check "list page 2 previous" "$(jr --arg p "$PUBLIC/api/dashboards/" 'if .previous == $p or .previous == ($p + "?page=1") then "ok" else .previous end')" "ok"
req GET "/api/dashboards/?page=3" "$ADMIN"
check "page past the end" "$ST $(jr .error)" "404 not_found"
vq "page=0" GET "/api/dashboards/?page=0" '' '["page"]'
vq "page=abc" GET "/api/dashboards/?page=abc" '' '["page"]'
vq "page_size=0" GET "/api/dashboards/?page_size=0" '' '["page_size"]'
req GET "/api/dashboards/?page_size=1000" "$ADMIN"
check "page_size=1000 clamps to 100" "$ST $(jb '[.count, (.results | length), .next, .previous]')" "200 [25,25,null,null]"
req GET "/api/dashboards/?page_size=3&page=2" "$ADMIN"
check "page_size=3 page 2" "$(jb '[.count, [.results[].id]]')" "[25,$(jq -c '.[3:6]' <<<"$IDS_ASC")]"

# next/previous keep the other parameters (in any order) and can be followed.
query_of() { jq -rn --arg u "$1" '$u | (split("?")[1] // "") | split("&") | map(select(. != "page=1")) | sort | join("&")'; }
req GET "/api/dashboards/?search=BOARD&ordering=name&page_size=10" "$ADMIN"
check "search+ordering page 1" "$ST $(jb '[.count, (.results | length), .previous]')" "200 [25,10,null]"
check "ordering=name is case-insensitive" "$(jb '[.results[].id]')" "$(jq -c '.[0:10]' <<<"$BY_NAME")"
NEXT=$(jr .next)
check "next is absolute" "${NEXT%%\?*}" "$PUBLIC/api/dashboards/"
check "next keeps the parameters" "$(query_of "$NEXT")" "ordering=name&page=2&page_size=10&search=BOARD"
req GET "${NEXT#"$PUBLIC"}" "$ADMIN"
check "following next" "$ST $(jb '[.results[].id]')" "200 $(jq -c '.[10:20]' <<<"$BY_NAME")"
PREV=$(jr .previous)
check "previous is absolute" "${PREV%%\?*}" "$PUBLIC/api/dashboards/"
check "previous keeps the parameters" "$(query_of "$PREV")" "ordering=name&page_size=10&search=BOARD"
check "page 2 next" "$(query_of "$(jr .next)")" "ordering=name&page=3&page_size=10&search=BOARD"

# Ordering.
req GET "/api/dashboards/?ordering=name&page_size=100" "$ADMIN"
check "ordering=name, all" "$(jb '[.results[].id]')" "$BY_NAME"
check "names are not in byte order" "$(jb '[.results[].name] | . != sort')" "true"
req GET "/api/dashboards/?ordering=-name&page_size=100" "$ADMIN"
check "ordering=-name" "$(jb '[.results[].id]')" "$(jq -c reverse <<<"$BY_NAME")"
req GET "/api/dashboards/?ordering=-id&page_size=100" "$ADMIN"
check "ordering=-id" "$(jb '[.results[].id]')" "$(jq -c reverse <<<"$IDS_ASC")"
req GET "/api/dashboards/?ordering=-created_at&page_size=100" "$ADMIN"
check "ordering=-created_at: times descending" "$(jb '[.results[].created_at] | . == (sort | reverse)')" "true"
# Ties (same second) break by id in the same direction.
check "ordering=-created_at: ids descending" "$(jb '[.results[].id]')" "$(jq -c reverse <<<"$IDS_ASC")"
vq "ordering=bogus" GET "/api/dashboards/?ordering=bogus" '' '["ordering"]'
req GET "/api/dashboards/?ordering=email" "$ADMIN"
check "ordering=email (users only)" "$ST $(jr .error)" "400 validation_error"

# Search: case-insensitive substring of the name.
req GET "/api/dashboards/?search=HHH" "$ADMIN"
check "search upper finds lower" "$ST $(jb '[.count, [.results[].id]]')" "200 [1,[${BOARD_IDS[0]}]]"
req GET "/api/dashboards/?search=ooo%20board" "$ADMIN"
check "search lower finds upper" "$(jb '[.count, [.results[].id]]')" "[1,[${BOARD_IDS[1]}]]"
req GET "/api/dashboards/?search=board%2025" "$ADMIN"
check "search substring" "$(jb '[.results[].id]')" "[${BOARD_IDS[24]}]"
req GET "/api/dashboards/?search=no-such-thing" "$ADMIN"
check "search without match" "$ST $(jb '[.count, .next, .previous, .results]')" "200 [0,null,null,[]]"

# A change moves a dashboard to the front of -updated_at (a second later, so strictly).
sleep 1
B5=${BOARD_IDS[4]}
req PATCH "/api/dashboards/$B5/" "$ADMIN" '{"description": "touched"}'
check "patch after a second" "$ST $(jb '[.description, .updated_at > .created_at]')" '200 ["touched",true]'
req GET "/api/dashboards/?ordering=-updated_at&page_size=2" "$ADMIN"
check "ordering=-updated_at" "$(jb '.results[0].id')" "$B5"
req GET "/api/dashboards/?ordering=updated_at&page=25&page_size=1" "$ADMIN"
check "ordering=updated_at, last page" "$(jb '[.results[].id]')" "[$B5]"
check "counts after 25 dashboards" "$(org_counts "$ADMIN")" "[0,25,0]"

vflush

# ---------------------------------------------------------------------------
# Data sources.
mk data-sources '{"name": "  Warehouse  ", "type": "postgresql"}'
check "ds create" "$ST" "201"
DS1=$(idof)
DS1_BODY=$B
check "ds keys" "$(jb keys)" "$DS_KEYS"
check "ds shape" "$(shape)" "[true,$ADMIN_ID,true,true,true]"
check "ds defaults (name trimmed)" "$(jb '[.name, .type, .config, .status, .row_count]')" '["Warehouse","postgresql",{},"active",0]'
req GET "/api/data-sources/$DS1/" "$ADMIN"
check "ds get" "$ST $(jb -S .)" "200 $(norm "$DS1_BODY")"
req GET "/api/data-sources/$DS1" "$ADMIN"
check "ds get without trailing slash" "$ST $(jb .id)" "200 $DS1"
req GET /api/data-sources/ "$ADMIN"
check "ds list" "$ST $(jb '[.count, (.results | length)]')" "200 [1,1]"
check "ds list item" "$(jb -S '.results[0]')" "$(norm "$DS1_BODY")"
for t in mysql bigquery snowflake rest_api csv upload; do
  mk data-sources "{\"name\": \"Type $t\", \"type\": \"$t\"}"
  check "ds type $t" "$ST $(jb '[.type, .config, .status, .row_count]')" "201 [\"$t\",{},\"active\",0]"
done

mk data-sources '{"name": "Ops DB", "type": "mysql", "config": {"host": "ops", "port": 3306, "options": {"ssl": true}, "tags": ["a", 1, null]}}'
check "ds create with config" "$ST $(jb -S .config)" "201 $(norm '{"host": "ops", "port": 3306, "options": {"ssl": true}, "tags": ["a", 1, null]}')"
DS2=$(idof)
BEFORE=$B
req PATCH "/api/data-sources/$DS2/" "$ADMIN" '{"name": "Ops DB EU"}'
check "ds patch name only" "$ST $(jb -S 'del(.updated_at)')" "200 $(jq -cS 'del(.updated_at) | .name = "Ops DB EU"' <<<"$BEFORE")"
check "ds patch updated_at" "$(jb --argjson b "$BEFORE" '[.updated_at >= .created_at, .updated_at >= $b.updated_at]')" "[true,true]"
BEFORE=$B
req PATCH "/api/data-sources/$DS2/" "$ADMIN" \
  '{"id": 999999, "status": "broken", "row_count": 7, "created_by": 999999, "created_at": "2000-01-01T00:00:00Z", "updated_at": "2000-01-01T00:00:00Z", "colour": "red"}'
check "ds patch read-only and unknown fields ignored" "$ST $(jb -S 'del(.updated_at)')" "200 $(jq -cS 'del(.updated_at)' <<<"$BEFORE")"
check "ds patch updated_at not taken from the body" "$(jb --argjson b "$BEFORE" '.updated_at >= $b.updated_at')" "true"
vq "ds patch bad type" PATCH "/api/data-sources/$DS2/" '{"name": "Renamed", "type": "oracle"}' '["type"]'
vq "ds patch blank name" PATCH "/api/data-sources/$DS2/" '{"name": ""}' '["name"]'
req GET "/api/data-sources/$DS2/" "$ADMIN"
check "ds failed patches changed nothing" "$(jb '[.name, .type]')" '["Ops DB EU","mysql"]'
vq "ds put without type" PUT "/api/data-sources/$DS2/" '{"name": "Ops"}' '["type"]'
vq "ds put without name and type" PUT "/api/data-sources/$DS2/" '{"config": {}}' '["name","type"]'
req PUT "/api/data-sources/$DS2/" "$ADMIN" '{"name": "Ops DB", "type": "snowflake"}'
check "ds put keeps config" "$ST $(jb -S '[.name, .type, .config]')" "200 $(jq -cS '[.name, .type, .config] | .[0] = "Ops DB" | .[1] = "snowflake"' <<<"$BEFORE")"
req PUT "/api/data-sources/$DS2/" "$ADMIN" '{"name": "Ops DB", "type": "snowflake", "config": {"account": "acme"}}'
check "ds put replaces config" "$ST $(jb -c '.config')" '200 {"account":"acme"}'
req GET "/api/data-sources/$DS2/" "$ADMIN"
check "ds get after put" "$(jb '[.name, .type, .config, .created_by]')" "[\"Ops DB\",\"snowflake\",{\"account\":\"acme\"},$ADMIN_ID]"

# Validation.
vq "ds missing fields" POST /api/data-sources/ '{}' '["name","type"]'
vq "ds bad type" POST /api/data-sources/ '{"name": "x", "type": "oracle"}' '["type"]'
vq "ds name of 201 characters" POST /api/data-sources/ "{\"name\": \"$(rep n 201)\", \"type\": \"csv\"}" '["name"]'
mk data-sources "{\"name\": \"$(rep n 200)\", \"type\": \"csv\"}"
check "ds name of 200 characters" "$ST $(jb '.name | length')" "201 200"
mk data-sources "{\"name\": \"$(rep é 200)\", \"type\": \"csv\"}"
check "ds name of 200 two-byte characters" "$ST $(jb '.name | length')" "201 200"
vq "ds blank name" POST /api/data-sources/ '{"name": "   ", "type": "csv"}' '["name"]'
vq "ds null name" POST /api/data-sources/ '{"name": null, "type": "csv"}' '["name"]'
vq "ds wrong JSON types" POST /api/data-sources/ '{"name": ["x"], "type": 5, "config": []}' '["config","name","type"]'
vq "ds config not an object" POST /api/data-sources/ '{"name": "x", "type": "csv", "config": "host=db"}' '["config"]'
vq "ds config over 16 KiB" POST /api/data-sources/ "$(jq -nc '{name: "Big", type: "csv", config: {blob: ("x" * 17000)}}')" '["config"]'

# Secrets: stored, never rendered.
SECRET_CFG='{"host": "db", "port": 5432, "password": "s3cret", "nested": {"token": "t"}}'
MASKED_CFG='{"host": "db", "port": 5432, "password": "********", "nested": {"token": "********"}}'
mk data-sources "{\"name\": \"Secret DB\", \"type\": \"postgresql\", \"config\": $SECRET_CFG}"
SDS=$(idof)
check "secret create" "$ST $(jb -S .config)" "201 $(norm "$MASKED_CFG")"
check "secret not in create response" "$(leaks s3cret)" "clean"
req GET "/api/data-sources/$SDS/" "$ADMIN"
check "secret get" "$ST $(jb -S .config)" "200 $(norm "$MASKED_CFG")"
check "secret not in get response" "$(leaks s3cret)" "clean"
req GET "/api/data-sources/?page_size=100" "$ADMIN"
check "secret list" "$(jb -S --argjson id "$SDS" '[.results[] | select(.id == $id) | .config]')" "[$(norm "$MASKED_CFG")]"
check "secret not in list response" "$(leaks s3cret)" "clean"
req GET "/api/data-sources/?search=secret" "$ADMIN"
check "secret list by search" "$(jb '[.count, .results[0].config.password]')" '[1,"********"]'
check "secret not in searched list" "$(leaks s3cret)" "clean"
req PATCH "/api/data-sources/$SDS/" "$ADMIN" '{"name": "Secret DB 2"}'
check "patch without config keeps it" "$ST $(jb -S .config)" "200 $(norm "$MASKED_CFG")"
req PATCH "/api/data-sources/$SDS/" "$ADMIN" '{"config": {"host": "db2"}}'
check "patch config without the secret keeps it" "$ST $(jb '[.config.host, .config.password, (.config | has("port"))]')" '200 ["db2","********",false]'
check "secret not in patch response" "$(leaks s3cret)" "clean"
req GET "/api/data-sources/$SDS/" "$ADMIN"
check "kept secret still there" "$(jb '[.config.host, .config.password]')" '["db2","********"]'
req PATCH "/api/data-sources/$SDS/" "$ADMIN" '{"config": {"host": "db3", "password": "********"}}'
check "patch echoing the mask keeps it" "$ST $(jb '[.config.host, .config.password]')" '200 ["db3","********"]'
req PATCH "/api/data-sources/$SDS/" "$ADMIN" '{"config": {"host": "db3", "password": "n3w-pass"}}'
check "patch with a new secret" "$ST $(jb '.config.password') $(leaks n3w-pass)" '200 "********" clean'
req PATCH "/api/data-sources/$SDS/" "$ADMIN" '{"config": {"host": "db4", "password": null}}'
check "patch null removes the secret" "$ST $(jb '[.config.host, (.config | has("password"))]')" '200 ["db4",false]'
req GET "/api/data-sources/$SDS/" "$ADMIN"
check "removed secret stays removed" "$(jb '.config | has("password")')" "false"
# Every secret name, at any depth of objects.
mk data-sources '{"name": "Keys", "type": "rest_api", "config": {"url": "https://x.test", "token": "TK-444", "auth": {"api_key": "AK-111", "secret": "SV-222", "deeper": {"private_key": "PK-333", "user": "me"}}}}'
KDS=$(idof)
check "all secret names masked" "$ST $(jb -S .config)" \
  "201 $(norm '{"url": "https://x.test", "token": "********", "auth": {"api_key": "********", "secret": "********", "deeper": {"private_key": "********", "user": "me"}}}')"
check "no secret values rendered" "$(leaks TK-444) $(leaks AK-111) $(leaks SV-222) $(leaks PK-333)" "clean clean clean clean"
# PUT echoing a GET (masks included) keeps the secrets.
req GET "/api/data-sources/$KDS/" "$ADMIN"
ECHO=$(jb '{name: (.name + " 2"), type, config}')
req PUT "/api/data-sources/$KDS/" "$ADMIN" "$ECHO"
check "put echoing a get" "$ST $(jb -S '[.name, .config]')" "200 $(jq -cS '[.name, .config]' <<<"$ECHO")"

vflush

# ---------------------------------------------------------------------------
# Dashboards.
mk dashboards '{"name": "Sales"}'
check "db create" "$ST" "201"
DB1=$(idof)
DB1_BODY=$B
check "db keys" "$(jb keys)" "$DB_KEYS"
check "db shape" "$(shape)" "[true,$ADMIN_ID,true,true,true]"
check "db defaults" "$(jb '[.name, .description, .widgets, .is_public]')" '["Sales","",[],false]'
req GET "/api/dashboards/$DB1/" "$ADMIN"
check "db get" "$ST $(jb -S .)" "200 $(norm "$DB1_BODY")"
req GET "/api/dashboards/?search=sales" "$ADMIN"
check "db list" "$ST $(jb -S '[.count, .results]')" "200 [1,[$(norm "$DB1_BODY")]]"

mk dashboards "{\"name\": \"KPIs\", \"description\": \"Top line\", \"is_public\": true, \"widgets\": [
  {\"id\": \"rev\", \"type\": \"kpi\", \"title\": \"Revenue\", \"colour\": \"red\",
   \"query\": {\"data_source_id\": $DS1, \"metrics\": [{\"op\": \"sum\", \"field\": \"revenue\", \"as\": \"revenue\"}]},
   \"position\": {\"x\": 0, \"y\": 0, \"w\": 6, \"h\": 3}},
  {\"type\": \"line\"},
  {\"id\": 7, \"type\": \"table\", \"title\": \"Rows\", \"position\": {\"x\": 6, \"y\": 0, \"w\": 6, \"h\": 8}}]}"
check "db create with widgets" "$ST $(jb '[.name, .description, .is_public, (.widgets | length), [.widgets[].id]]')" \
  '201 ["KPIs","Top line",true,3,["rev","w1",7]]'
DB2=$(idof)
check "widget keys (unknown ones dropped)" "$(jb '[.widgets[] | keys]')" "[$WIDGET_KEYS,$WIDGET_KEYS,$WIDGET_KEYS]"
check "widget 0" "$(jb -S '.widgets[0] | [.type, .title, .query.data_source_id, .query.metrics[0], .position]')" \
  "$(norm "[\"kpi\", \"Revenue\", $DS1, {\"op\": \"sum\", \"field\": \"revenue\", \"as\": \"revenue\"}, {\"x\": 0, \"y\": 0, \"w\": 6, \"h\": 3}]")"
check "widget defaults" "$(jb -S '.widgets[1]')" "$(norm '{"id": "w1", "type": "line", "title": "", "query": null, "position": {"x": 0, "y": 0, "w": 4, "h": 4}}')"
check "widget with integer id" "$(jb -S '.widgets[2]')" "$(norm '{"id": 7, "type": "table", "title": "Rows", "query": null, "position": {"x": 6, "y": 0, "w": 6, "h": 8}}')"
mk dashboards '{"name": "Auto ids", "widgets": [{"type": "kpi"}, {"type": "bar"}]}'
check "widget ids assigned" "$ST $(jb '[.widgets[].id]')" '201 ["w1","w2"]'
DB3=$(idof)
req PATCH "/api/dashboards/$DB3/" "$ADMIN" '{"widgets": [{"id": "w2", "type": "kpi"}, {"type": "bar"}, {"type": "pie"}]}'
check "widget ids: the first free ones" "$ST $(jb '[.widgets[].id]')" '200 ["w2","w1","w3"]'
mk dashboards "$(jq -nc '{name: "Fifty", widgets: [range(50) | {type: "pie"}]}')"
check "50 widgets" "$ST $(jb '[(.widgets | length), .widgets[49].id]')" '201 [50,"w50"]'

# PATCH and PUT.
req GET "/api/dashboards/$DB2/" "$ADMIN"
BEFORE=$B
req PATCH "/api/dashboards/$DB2/" "$ADMIN" '{"description": "Changed"}'
check "db patch description only" "$ST $(jb -S 'del(.updated_at)')" "200 $(jq -cS 'del(.updated_at) | .description = "Changed"' <<<"$BEFORE")"
check "db patch updated_at" "$(jb --argjson b "$BEFORE" '[.updated_at >= .created_at, .updated_at >= $b.updated_at, .created_at == $b.created_at]')" "[true,true,true]"
req PATCH "/api/dashboards/$DB2/" "$ADMIN" '{"is_public": false}'
check "db patch is_public only" "$ST $(jb -S 'del(.updated_at)')" "200 $(jq -cS 'del(.updated_at) | .description = "Changed" | .is_public = false' <<<"$BEFORE")"
BEFORE=$B
vq "db put without name" PUT "/api/dashboards/$DB2/" '{"description": "x", "is_public": true}' '["name"]'
req PUT "/api/dashboards/$DB2/" "$ADMIN" '{"name": "KPIs 2"}'
check "db put keeps optional fields" "$ST $(jb -S 'del(.updated_at)')" "200 $(jq -cS 'del(.updated_at) | .name = "KPIs 2"' <<<"$BEFORE")"
req PUT "/api/dashboards/$DB2/" "$ADMIN" '{"name": "KPIs", "description": "", "widgets": [], "is_public": true}'
check "db put all fields" "$ST $(jb '[.name, .description, .widgets, .is_public]')" '200 ["KPIs","",[],true]'
req PATCH "/api/dashboards/$DB1/" "$ADMIN" '{"widgets": [{"type": "kpi", "title": "Orders", "query": {"data_source_id": 1, "metrics": [{"op": "count"}]}}]}'
check "db patch widgets" "$ST $(jb '[(.widgets | length), .widgets[0].id, .widgets[0].title, .name]')" '200 [1,"w1","Orders","Sales"]'

# Validation.
vq "db missing name" POST /api/dashboards/ '{}' '["name"]'
vq "db name of 201 characters" POST /api/dashboards/ "{\"name\": \"$(rep d 201)\"}" '["name"]'
vq "db blank name" POST /api/dashboards/ '{"name": "   "}' '["name"]'
vq "db description of 2001 characters" POST /api/dashboards/ "{\"name\": \"x\", \"description\": \"$(rep d 2001)\"}" '["description"]'
vq "db wrong JSON types" POST /api/dashboards/ '{"name": ["x"], "description": [], "widgets": {}, "is_public": "maybe"}' '["description","is_public","name","widgets"]'
vq "widget type radar" POST /api/dashboards/ '{"name": "x", "widgets": [{"type": "radar"}]}' '["widgets[0].type"]'
vq "widget without type" POST /api/dashboards/ '{"name": "x", "widgets": [{"type": "kpi"}, {"title": "no type"}]}' '["widgets[1].type"]'
vq "widget position w 0" POST /api/dashboards/ '{"name": "x", "widgets": [{"type": "kpi", "position": {"x": 0, "y": 0, "w": 0, "h": 4}}]}' '["widgets[0].position.w"]'
vq "widget position without h" POST /api/dashboards/ '{"name": "x", "widgets": [{"type": "kpi", "position": {"x": 0, "y": 0, "w": 2}}]}' '["widgets[0].position.h"]'
vq "widget position x, y out of range" POST /api/dashboards/ '{"name": "x", "widgets": [{"type": "kpi", "position": {"x": -1, "y": 10001, "w": 4, "h": 4}}]}' '["widgets[0].position.x","widgets[0].position.y"]'
vq "widget title of 201 characters" POST /api/dashboards/ "{\"name\": \"x\", \"widgets\": [{\"type\": \"kpi\", \"title\": \"$(rep t 201)\"}]}" '["widgets[0].title"]'
vq "widget bad ids" POST /api/dashboards/ "{\"name\": \"x\", \"widgets\": [{\"id\": \"\", \"type\": \"kpi\"}, {\"id\": 0, \"type\": \"kpi\"}, {\"id\": \"$(rep i 65)\", \"type\": \"kpi\"}]}" '["widgets[0].id","widgets[1].id","widgets[2].id"]'
req POST /api/dashboards/ "$ADMIN" '{"name": "x", "widgets": [{"id": "a", "type": "kpi"}, {"id": "a", "type": "bar"}]}'
check "widget duplicate ids" "$ST $(jb '[.error, (.fields // {} | keys | length > 0 and all(startswith("widgets")))]')" '400 ["validation_error",true]'
vq "widget query without data_source_id" POST /api/dashboards/ '{"name": "x", "widgets": [{"type": "kpi", "query": {"metrics": [{"op": "count"}]}}]}' '["widgets[0].query.data_source_id"]'
vq "51 widgets" POST /api/dashboards/ "$(jq -nc '{name: "Too many", widgets: [range(51) | {type: "kpi"}]}')" '["widgets"]'
vq "every bad field in one answer" POST /api/dashboards/ '{"name": "", "widgets": [{"type": "kpi"}, {"type": "radar", "position": {"x": 0, "y": 0, "w": 0, "h": 1}}]}' '["name","widgets[1].position.w","widgets[1].type"]'
vq "db patch bad widget" PATCH "/api/dashboards/$DB1/" '{"widgets": [{"type": "radar"}]}' '["widgets[0].type"]'
req GET "/api/dashboards/$DB1/" "$ADMIN"
check "db failed patch changed nothing" "$(jb '[.widgets[].type]')" '["kpi"]'

vflush

# ---------------------------------------------------------------------------
# Reports.
mk reports "{\"name\": \"Weekly\", \"query\": {\"data_source_id\": $DS1}}"
check "rep create" "$ST" "201"
REP1=$(idof)
REP1_BODY=$B
check "rep keys" "$(jb keys)" "$REP_KEYS"
check "rep shape" "$(shape)" "[true,$ADMIN_ID,true,true,true]"
check "rep defaults" "$(jb '[.name, .format, .schedule, .recipients, .last_run_at, .query.data_source_id]')" "[\"Weekly\",\"json\",null,[],null,$DS1]"
req GET "/api/reports/$REP1/" "$ADMIN"
check "rep get" "$ST $(jb -S .)" "200 $(norm "$REP1_BODY")"
req GET /api/reports/ "$ADMIN"
check "rep list" "$ST $(jb -S '[.count, .results]')" "200 [1,[$(norm "$REP1_BODY")]]"

QUERY="{\"data_source_id\": $DS1,
  \"metrics\": [{\"op\": \"sum\", \"field\": \"revenue\", \"as\": \"revenue\"}, {\"op\": \"count\"}],
  \"dimensions\": [\"region\"],
  \"time\": {\"field\": \"ts\", \"granularity\": \"day\", \"from\": \"2025-01-01T00:00:00Z\", \"to\": \"2025-02-01T00:00:00Z\"},
  \"filters\": [{\"field\": \"country\", \"op\": \"in\", \"value\": [\"DE\", \"FR\"]}],
  \"order_by\": [{\"field\": \"revenue\", \"dir\": \"desc\"}], \"limit\": 100, \"cache\": true}"
mk reports "{\"name\": \"Daily revenue\", \"format\": \"csv\", \"schedule\": \"*/15 9-17 * * MON-FRI\",
  \"recipients\": [\" Ann@Example.COM \", \"bob@example.com\", \"ann@example.com\", \"BOB@example.com\"], \"query\": $QUERY}"
check "rep create full" "$ST $(jb '[.format, .schedule, .recipients]')" '201 ["csv","*/15 9-17 * * MON-FRI",["ann@example.com","bob@example.com"]]'
REP2=$(idof)
check "rep query kept" "$(jb -S '.query | [.data_source_id, .metrics[0], .metrics[1].op, .dimensions, .time, .filters, .order_by, .limit]')" \
  "$(jq -cS '[.data_source_id, .metrics[0], .metrics[1].op, .dimensions, .time, .filters, .order_by, .limit]' <<<"$QUERY")"
check "rep query unknown keys not stored" "$(jb '.query | has("cache")')" "false"

# PATCH and PUT.
req GET "/api/reports/$REP2/" "$ADMIN"
BEFORE=$B
req PATCH "/api/reports/$REP2/" "$ADMIN" '{"format": "json"}'
check "rep patch format only" "$ST $(jb -S 'del(.updated_at)')" "200 $(jq -cS 'del(.updated_at) | .format = "json"' <<<"$BEFORE")"
check "rep patch updated_at" "$(jb --argjson b "$BEFORE" '[.updated_at >= .created_at, .updated_at >= $b.updated_at]')" "[true,true]"
req PATCH "/api/reports/$REP2/" "$ADMIN" '{"last_run_at": "2025-01-01T00:00:00Z", "id": 1}'
check "rep patch read-only fields ignored" "$ST $(jb '[.id, .last_run_at]')" "200 [$REP2,null]"
req PATCH "/api/reports/$REP2/" "$ADMIN" '{"recipients": [" X@Example.com", "x@example.com ", "y@example.com"]}'
check "rep patch recipients" "$ST $(jb '[.recipients, .schedule, .format]')" '200 [["x@example.com","y@example.com"],"*/15 9-17 * * MON-FRI","json"]'
BEFORE=$B
vq "rep put without query" PUT "/api/reports/$REP2/" '{"name": "Daily"}' '["query"]'
vq "rep put without name and query" PUT "/api/reports/$REP2/" '{"format": "csv"}' '["name","query"]'
req PUT "/api/reports/$REP2/" "$ADMIN" "{\"name\": \"Daily\", \"query\": {\"data_source_id\": $DS2}}"
check "rep put keeps optional fields" "$ST $(jb '[.name, .query.data_source_id, .format, .schedule, .recipients]')" \
  "200 [\"Daily\",$DS2,\"json\",\"*/15 9-17 * * MON-FRI\",[\"x@example.com\",\"y@example.com\"]]"
req PATCH "/api/reports/$REP2/" "$ADMIN" '{"schedule": null}'
check "rep patch schedule null" "$ST $(jb '[.schedule, .name]')" '200 [null,"Daily"]'

# Cron schedules, tried on REP1 with PATCH (the answers go through one jq).
# each_body FILTER: FILTER over each of BODIES, one line each.
each_body() { printf '%s\n' "${BODIES[@]}" | jq -c "$1" 2>/dev/null || true; }
GOOD=("@daily" "@hourly" "@weekly" "@monthly" "@yearly" "@annually" "@midnight" "0 0 * * 7" "0 0 * * 0"
  "30 4 1,15 * 5" "0 0 1 JAN,JUL *" "0-30/10 */6 1-31/2 1-12 0-7" "59 23 31 12 SUN-SAT" "*/15 9-17 * * MON-FRI")
STATUSES=() BODIES=()
for s in "${GOOD[@]}"; do
  req PATCH "/api/reports/$REP1/" "$ADMIN" "{\"schedule\": \"$s\"}"
  STATUSES+=("$ST") BODIES+=("$B")
done
mapfile -t GOT < <(each_body .schedule)
for i in "${!GOOD[@]}"; do
  check "good schedule '${GOOD[$i]}'" "${STATUSES[$i]} ${GOT[$i]:-}" "200 \"${GOOD[$i]}\""
done
BAD=("61 * * * *" "* * *" "@often" "* 24 * * *" "* * 0 * *" "* * 32 * *" "* * * 13 *" "* * * * 8"
  "*/0 * * * *" "* * * * * *" "a * * * *" "* * * FOO *")
STATUSES=() BODIES=()
for s in "${BAD[@]}"; do
  req PATCH "/api/reports/$REP1/" "$ADMIN" "{\"schedule\": \"$s\"}"
  STATUSES+=("$ST") BODIES+=("$B")
done
mapfile -t GOT < <(each_body '[.error, (.fields // {} | keys)]')
for i in "${!BAD[@]}"; do
  check "bad schedule '${BAD[$i]}'" "${STATUSES[$i]} ${GOT[$i]:-}" '400 ["validation_error",["schedule"]]'
done
req GET "/api/reports/$REP1/" "$ADMIN"
check "bad schedules changed nothing" "$(jr .schedule)" "*/15 9-17 * * MON-FRI"
mk reports "{\"name\": \"Daily digest\", \"schedule\": \"@daily\", \"query\": {\"data_source_id\": $DS1}}"
check "rep create @daily" "$ST $(jr .schedule)" "201 @daily"

# Validation.
vq "rep missing fields" POST /api/reports/ '{}' '["name","query"]'
vq "rep without query" POST /api/reports/ '{"name": "r"}' '["query"]'
vq "rep query not an object" POST /api/reports/ '{"name": "r", "query": "select 1"}' '["query"]'
vq "rep format xml" POST /api/reports/ "{\"name\": \"r\", \"format\": \"xml\", \"query\": {\"data_source_id\": $DS1}}" '["format"]'
vq "rep bad schedule on create" POST /api/reports/ "{\"name\": \"r\", \"schedule\": \"61 * * * *\", \"query\": {\"data_source_id\": $DS1}}" '["schedule"]'
vq "rep bad recipient" POST /api/reports/ "{\"name\": \"r\", \"recipients\": [\"ok@example.com\", \"not-an-email\"], \"query\": {\"data_source_id\": $DS1}}" '["recipients[1]"]'
vq "rep recipient not a string" POST /api/reports/ "{\"name\": \"r\", \"recipients\": [5], \"query\": {\"data_source_id\": $DS1}}" '["recipients[0]"]'
vq "rep recipients not a list" POST /api/reports/ "{\"name\": \"r\", \"recipients\": \"a@example.com\", \"query\": {\"data_source_id\": $DS1}}" '["recipients"]'
vq "rep 51 recipients" POST /api/reports/ "$(jq -nc --argjson ds "$DS1" '{name: "Many", query: {data_source_id: $ds}, recipients: [range(51) | "r\(.)@example.com"]}')" '["recipients"]'
mk reports "$(jq -nc --argjson ds "$DS1" '{name: "Fifty", query: {data_source_id: $ds}, recipients: [range(50) | "r\(.)@example.com"]}')"
check "rep 50 recipients" "$ST $(jb '.recipients | length')" "201 50"
vq "query without data_source_id" POST /api/reports/ '{"name": "r", "query": {"metrics": [{"op": "count"}]}}' '["query.data_source_id"]'
vq "query data_source_id 0" POST /api/reports/ '{"name": "r", "query": {"data_source_id": 0}}' '["query.data_source_id"]'
vq "metric op median" POST /api/reports/ "{\"name\": \"r\", \"query\": {\"data_source_id\": $DS1, \"metrics\": [{\"op\": \"median\", \"field\": \"x\"}]}}" '["query.metrics[0].op"]'
vq "every bad query field in one answer" POST /api/reports/ "{\"name\": \"r\", \"query\": {\"data_source_id\": $DS1,
  \"metrics\": [{\"op\": \"median\", \"field\": \"x\"}, {\"op\": \"sum\"}],
  \"time\": {\"field\": \"ts\", \"granularity\": \"fortnight\", \"from\": \"yesterday\"},
  \"filters\": [{\"field\": \"c\", \"op\": \"like\", \"value\": 1}, {\"field\": \"c\", \"op\": \"in\", \"value\": \"DE\"}],
  \"order_by\": [{\"field\": \"x\", \"dir\": \"up\"}], \"limit\": 0}}" \
  '["query.filters[0].op","query.filters[1].value","query.limit","query.metrics[0].op","query.metrics[1].field","query.order_by[0].dir","query.time.from","query.time.granularity"]'
vq "rep several bad fields" POST /api/reports/ "{\"name\": \"   \", \"format\": \"xml\", \"query\": {\"data_source_id\": $DS1, \"limit\": 100001}}" '["format","name","query.limit"]'

# Bodies that are not JSON, or not sent as JSON.
for c in data-sources dashboards reports; do
  req POST "/api/$c/" "$ADMIN" '{"name": '
  check "$c: invalid JSON" "$ST $(jr .error)" "400 invalid_json"
  req POST "/api/$c/" "$ADMIN" '{"name": "x", "type": "csv"}' "text/plain"
  check "$c: text/plain body" "$ST $(jr .error)" "415 unsupported_media_type"
  req POST "/api/$c/" "$ADMIN" '[{"name": "x"}]'
  check "$c: body not an object" "$ST $(jr .error)" "400 validation_error"
done
req PATCH "/api/dashboards/$DB1/" "$ADMIN" '{"name": "x",}'
check "patch invalid JSON" "$ST $(jr .error)" "400 invalid_json"
req PUT "/api/dashboards/$DB1/" "$ADMIN" '{"name": "x"}' "application/x-www-form-urlencoded"
check "put form body" "$ST $(jr .error)" "415 unsupported_media_type"
req GET "/api/dashboards/$DB1/" "$ADMIN"
check "rejected bodies changed nothing" "$(jr .name)" "Sales"
req DELETE /api/dashboards/ "$ADMIN"
check "DELETE on a collection" "$ST $(jr .error)" "405 method_not_allowed"
req POST "/api/dashboards/$DB1/" "$ADMIN" '{"name": "x"}'
check "POST on an item" "$ST $(jr .error)" "405 method_not_allowed"
req GET /api/dashboards/999999/ "$ADMIN"
check "unknown id" "$ST $(jb '[.error, .detail]')" '404 ["not_found","No dashboard with ID 999999 was found."]'
req GET /api/dashboards/abc/ "$ADMIN"
check "non-numeric id" "$ST $(jr .error)" "404 not_found"
check "counts after creates" "$(org_counts "$ADMIN")" "$(tracked)"
check "list counts after creates" "$(list_counts "$ADMIN")" "$(tracked)"

vflush

# ---------------------------------------------------------------------------
# Delete: 204, then 404 for every method, gone from the list and the count;
# the id is not handed out again.
for c in data-sources dashboards reports; do
  case $c in
    data-sources) body='{"name": "Doomed", "type": "csv", "config": {"password": "gone"}}' ;;
    dashboards) body='{"name": "Doomed", "widgets": [{"type": "kpi"}]}' ;;
    reports) body="{\"name\": \"Doomed\", \"query\": {\"data_source_id\": $DS1}}" ;;
  esac
  mk "$c" "$body"
  id=$(idof)
  req GET "/api/$c/?page_size=100" "$ADMIN"
  check "$c: listed before delete" "$(jb --argjson id "$id" '[.count, any(.results[]; .id == $id)]')" "[${COUNT[$c]},true]"
  del "$c" "$id"
  check "$c: delete" "$ST [$B]" "204 []"
  req GET "/api/$c/$id/" "$ADMIN"
  check "$c: get deleted" "$ST $(jb '[.error, .detail]')" "404 [\"not_found\",\"No ${NOUN[$c]} with ID $id was found.\"]"
  req PATCH "/api/$c/$id/" "$ADMIN" '{"name": "back"}'
  check "$c: patch deleted" "$ST $(jr .error)" "404 not_found"
  req PUT "/api/$c/$id/" "$ADMIN" "$body"
  check "$c: put deleted" "$ST $(jr .error)" "404 not_found"
  del "$c" "$id"
  check "$c: delete again" "$ST $(jr .error)" "404 not_found"
  req GET "/api/$c/?page_size=100" "$ADMIN"
  check "$c: gone from the list" "$(jb --argjson id "$id" '[.count, any(.results[]; .id == $id)]')" "[${COUNT[$c]},false]"
  req GET "/api/$c/?search=doomed" "$ADMIN"
  check "$c: gone from search" "$(jb '[.count, .results]')" "[0,[]]"
  mk "$c" "$(jq -c '.name = "Successor"' <<<"$body")"
  check "$c: id not reused" "$ST $(jb --argjson id "$id" '.id > $id')" "201 true"
done
check "counts after deletes" "$(org_counts "$ADMIN")" "$(tracked)"
check "list counts after deletes" "$(list_counts "$ADMIN")" "$(tracked)"

# ---------------------------------------------------------------------------
# Roles (§5): viewers read; editors and administrators create, change and
# delete any record of the organization.
declare -A BODY=(
  [data-sources]='{"name": "Role test", "type": "csv"}'
  [dashboards]='{"name": "Role test"}'
  [reports]="{\"name\": \"Role test\", \"query\": {\"data_source_id\": $DS1}}"
)
declare -A EXISTING=([data-sources]=$DS1 [dashboards]=$DB1 [reports]=$REP1)
for c in data-sources dashboards reports; do
  id=${EXISTING[$c]}
  req GET "/api/$c/$id/" "$ADMIN"
  before=$(jb -S .)
  req GET "/api/$c/" "$VIEWER"
  check "$c: viewer lists" "$ST $(jb .count)" "200 ${COUNT[$c]}"
  req GET "/api/$c/$id/" "$VIEWER"
  check "$c: viewer gets" "$ST $(jb -S .)" "200 $before"
  req POST "/api/$c/" "$VIEWER" "${BODY[$c]}"
  check "$c: viewer cannot create" "$ST $(jr .error)" "403 forbidden"
  req PATCH "/api/$c/$id/" "$VIEWER" '{"name": "Viewer was here"}'
  check "$c: viewer cannot patch" "$ST $(jr .error)" "403 forbidden"
  req PUT "/api/$c/$id/" "$VIEWER" "${BODY[$c]}"
  check "$c: viewer cannot put" "$ST $(jr .error)" "403 forbidden"
  req DELETE "/api/$c/$id/" "$VIEWER"
  check "$c: viewer cannot delete" "$ST $(jr .error)" "403 forbidden"
  req GET "/api/$c/$id/" "$ADMIN"
  check "$c: untouched by the viewer" "$(jb -S .)" "$before"

  # The editor creates, changes and deletes, its own records and the administrator's.
  mk "$c" "${BODY[$c]}" "$EDITOR"
  eid=$(idof)
  check "$c: editor creates" "$ST $(jb .created_by)" "201 $EDITOR_ID"
  req PATCH "/api/$c/$eid/" "$EDITOR" '{"name": "Edited"}'
  check "$c: editor patches own" "$ST $(jr .name)" "200 Edited"
  mk "$c" "${BODY[$c]}"
  aid=$(idof)
  req PATCH "/api/$c/$aid/" "$EDITOR" '{"name": "Edited by editor"}'
  check "$c: editor patches the administrator's" "$ST $(jb '[.name, .created_by]')" "200 [\"Edited by editor\",$ADMIN_ID]"
  req PUT "/api/$c/$aid/" "$EDITOR" "$(jq -c '.name = "Put by editor"' <<<"${BODY[$c]}")"
  check "$c: editor puts the administrator's" "$ST $(jb '[.name, .created_by]')" "200 [\"Put by editor\",$ADMIN_ID]"
  del "$c" "$aid" "$EDITOR"
  check "$c: editor deletes the administrator's" "$ST" "204"
  # The administrator changes and deletes the editor's.
  req PATCH "/api/$c/$eid/" "$ADMIN" '{"name": "Edited by admin"}'
  check "$c: administrator patches the editor's" "$ST $(jb '[.name, .created_by]')" "200 [\"Edited by admin\",$EDITOR_ID]"
  req PUT "/api/$c/$eid/" "$ADMIN" "$(jq -c '.name = "Put by admin"' <<<"${BODY[$c]}")"
  check "$c: administrator puts the editor's" "$ST $(jr .name)" "200 Put by admin"
  del "$c" "$eid"
  check "$c: administrator deletes the editor's" "$ST" "204"
  mk "$c" "${BODY[$c]}" "$EDITOR"
  check "$c: editor's record stays" "$ST" "201"
done
check "counts after role tests" "$(org_counts "$VIEWER")" "$(tracked)"

# ---------------------------------------------------------------------------
# API keys (§4): X:read reads, X:write also writes; no scope, no access.
# Keys allow 100 requests a minute each: a handful of requests per key.
newkey() {  # newkey CREDENTIAL NAME SCOPES-JSON; sets KEY
  req POST /api/api-keys/ "$1" "{\"name\": \"$2\", \"scopes\": $3}"
  check "key $2 created" "$ST" "201"
  KEY=$(jr '.key // ""')
}
newkey "$ADMIN" dash-read '["dashboards:read"]'
KR=$KEY
req GET /api/dashboards/ "$KR"
check "read key lists" "$ST $(jb .count)" "200 ${COUNT[dashboards]}"
req GET "/api/dashboards/$DB1/" "$KR"
check "read key gets" "$ST $(jb .id)" "200 $DB1"
req POST /api/dashboards/ "$KR" '{"name": "Via read key"}'
check "read key cannot create" "$ST $(jr .error)" "403 insufficient_scope"
req PATCH "/api/dashboards/$DB1/" "$KR" '{"name": "Via read key"}'
check "read key cannot patch" "$ST $(jr .error)" "403 insufficient_scope"
req DELETE "/api/dashboards/$DB1/" "$KR"
check "read key cannot delete" "$ST $(jr .error)" "403 insufficient_scope"

newkey "$ADMIN" dash-write '["dashboards:write"]'
KW=$KEY
mk dashboards '{"name": "Via write key"}' "$KW"
KDB=$(idof)
check "write key creates, as its owner" "$ST $(jb .created_by)" "201 $ADMIN_ID"
req GET "/api/dashboards/$KDB/" "$KW"
check "write implies read" "$ST $(jr .name)" "200 Via write key"
req PATCH "/api/dashboards/$KDB/" "$KW" '{"is_public": true}'
check "write key patches" "$ST $(jb .is_public)" "200 true"
del dashboards "$KDB" "$KW"
check "write key deletes" "$ST" "204"
req GET /api/data-sources/ "$KW"
check "dashboards key cannot read data sources" "$ST $(jr .error)" "403 insufficient_scope"

newkey "$ADMIN" reports-read '["reports:read"]'
KN=$KEY
req GET /api/dashboards/ "$KN"
check "key without dashboards scope" "$ST $(jr .error)" "403 insufficient_scope"
req GET "/api/dashboards/$DB1/" "$KN"
check "key without dashboards scope, item" "$ST $(jr .error)" "403 insufficient_scope"
req GET /api/reports/ "$KN"
check "reports key lists reports" "$ST $(jb .count)" "200 ${COUNT[reports]}"
req POST /api/reports/ "$KN" "${BODY[reports]}"
check "reports:read cannot create" "$ST $(jr .error)" "403 insufficient_scope"

newkey "$ADMIN" ds-write '["data_sources:write"]'
KD=$KEY
mk data-sources "{\"name\": \"Via key\", \"type\": \"mysql\", \"config\": $SECRET_CFG}" "$KD"
check "data_sources:write creates, secrets masked" "$ST $(jb -S .config) $(leaks s3cret)" "201 $(norm "$MASKED_CFG") clean"
req GET /api/data-sources/ "$KD"
check "data_sources:write lists" "$ST $(leaks s3cret)" "200 clean"
req GET /api/dashboards/ "$KD"
check "data_sources key cannot read dashboards" "$ST $(jr .error)" "403 insufficient_scope"

newkey "$EDITOR" ed-reports '["reports:write"]'
KE=$KEY
mk reports "${BODY[reports]}" "$KE"
check "editor's key creates as the editor" "$ST $(jb .created_by)" "201 $EDITOR_ID"
req POST /api/api-keys/ "$VIEWER" '{"name": "too much", "scopes": ["dashboards:write"]}'
check "viewer cannot get a write key" "$ST $(jr .error)" "403 forbidden"
newkey "$VIEWER" vi-read '["dashboards:read", "reports:read", "data_sources:read"]'
KV=$KEY
req GET "/api/dashboards/$DB1/" "$KV"
check "viewer's read key reads" "$ST $(jb .id)" "200 $DB1"
req PATCH "/api/dashboards/$DB1/" "$KV" '{"name": "Via viewer key"}'
check "viewer's read key cannot write" "$ST" "403"
req GET "/api/data-sources/$KDS/" "$KV"
check "viewer's key sees masked secrets" "$ST $(jb .config.token) $(leaks TK-444)" '200 "********" clean'

# ---------------------------------------------------------------------------
# Isolation: another organization sees none of it, and gets 404 (never 403).
for c in data-sources dashboards reports; do
  req GET "/api/$c/" "$OTHER"
  check "$c: other organization's list is empty" "$ST $(jb '[.count, .results]')" "200 [0,[]]"
  id=${EXISTING[$c]}
  req GET "/api/$c/$id/" "$ADMIN"
  before=$(jb -S .)
  req GET "/api/$c/$id/" "$OTHER"
  check "$c: other organization GET" "$ST $(jb '[.error, .detail]')" "404 [\"not_found\",\"No ${NOUN[$c]} with ID $id was found.\"]"
  req PATCH "/api/$c/$id/" "$OTHER" '{"name": "Taken over"}'
  check "$c: other organization PATCH" "$ST $(jr .error)" "404 not_found"
  req PUT "/api/$c/$id/" "$OTHER" "${BODY[$c]}"
  check "$c: other organization PUT" "$ST $(jr .error)" "404 not_found"
  req DELETE "/api/$c/$id/" "$OTHER"
  check "$c: other organization DELETE" "$ST $(jr .error)" "404 not_found"
  req GET "/api/$c/$id/" "$ADMIN"
  check "$c: untouched by the other organization" "$ST $(jb -S .)" "200 $before"
done
check "other organization's counts" "$(org_counts "$OTHER")" "[0,0,0]"
req POST /api/dashboards/ "$OTHER" '{"name": "Theirs"}'
check "other organization creates" "$ST" "201"
THEIRS=$(idof)
req GET "/api/dashboards/$THEIRS/" "$ADMIN"
check "we get 404 for theirs" "$ST $(jr .error)" "404 not_found"
req GET "/api/dashboards/?search=theirs" "$ADMIN"
check "theirs not in our list" "$(jb .count)" "0"
check "other organization's counts after create" "$(org_counts "$OTHER")" "[0,1,0]"
check "our counts unchanged" "$(org_counts "$ADMIN")" "$(tracked)"

# ---------------------------------------------------------------------------
# Durability: everything survives a restart; masked secrets are still stored;
# ids handed out before (deleted ones included) are not handed out again.
mk data-sources '{"name": "Durable", "type": "postgresql", "config": {"host": "d", "password": "dur-s3cret"}}'
DUR=$(idof)
for c in data-sources dashboards reports; do
  mk "$c" "${BODY[$c]}"
  del "$c" "$(idof)"   # the newest id of each collection is a deleted one
  check "$c: newest deleted" "$ST" "204"
done
declare -A SNAPSHOT=()
for c in data-sources dashboards reports; do
  SNAPSHOT[$c]=$(json -H "$(auth "$ADMIN")" "$BASE/api/$c/?page_size=100" | jq -cS . 2>/dev/null || true)
done
COUNTS_BEFORE=$(org_counts "$ADMIN")
check "counts before restart" "$COUNTS_BEFORE" "$(tracked)"

stop_server
start_server --public-url "$PUBLIC"
ADMIN=$(login admin@acme.test admin-password | jq -r .access)
OTHER=$(login boss@other.test other-password | jq -r .access)
for c in data-sources dashboards reports; do
  check "$c: identical after restart" "$(json -H "$(auth "$ADMIN")" "$BASE/api/$c/?page_size=100" | jq -cS . 2>/dev/null || true)" "${SNAPSHOT[$c]}"
done
check "counts after restart" "$(org_counts "$ADMIN")" "$COUNTS_BEFORE"
check "other organization's counts after restart" "$(org_counts "$OTHER")" "[0,1,0]"
req GET "/api/data-sources/$SDS/" "$ADMIN"
check "secret config after restart" "$ST $(jb '[.config.host, (.config | has("password"))]')" '200 ["db4",false]'
req GET "/api/data-sources/$DUR/" "$ADMIN"
check "masked secret after restart" "$ST $(jb .config.password) $(leaks dur-s3cret)" '200 "********" clean'
req PATCH "/api/data-sources/$DUR/" "$ADMIN" '{"config": {"host": "d2"}}'
check "secret itself survived the restart" "$ST $(jb -c .config)" '200 {"host":"d2","password":"********"}'
req GET "/api/dashboards/$DB2/" "$ADMIN"
check "dashboard after restart" "$ST $(jb '[.name, .is_public, .created_by]')" "200 [\"KPIs\",true,$ADMIN_ID]"
req GET "/api/reports/$REP2/" "$ADMIN"
check "report after restart" "$ST $(jb '[.name, .schedule, .recipients]')" '200 ["Daily",null,["x@example.com","y@example.com"]]'
for c in data-sources dashboards reports; do
  old=${MAXID[$c]}
  mk "$c" "${BODY[$c]}"
  check "$c: new id after restart above every old one" "$ST $(jb --argjson m "$old" '.id > $m')" "201 true"
done
check "counts after restart and creates" "$(org_counts "$ADMIN")" "$(tracked)"
check "list counts after restart and creates" "$(list_counts "$ADMIN")" "$(tracked)"

stop_server
finish
