#!/usr/bin/env bash
# GET /api/schema/ and GET /api/docs/ on the real server (issue 16): the
# OpenAPI document without a credential and without rate limiting, as JSON
# and (?format=yaml) as the same document in YAML; `redocly lint` (the pinned
# @redocly/cli of tools/openapi, its rules in tools/openapi/redocly.yaml) finds
# no error in either; its paths and methods are those the server answers; the
# Redoc page and its script are served, the script byte for byte the bundle
# the build installed; and headless Chromium renders the page into a route
# list (summaries and paths of the document). Every wait is bounded.
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TOOLS="$ROOT/tools/openapi"
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_COLOR=1

# The pinned npm packages (the build installed them already; this is quick then).
timeout 300 bash "$TOOLS/install.sh" || { echo "FAIL: tools/openapi/install.sh"; exit 1; }
REDOCLY="$TOOLS/node_modules/.bin/redocly"

# A public URL that is not localhost: the document names it as its server
# (redocly's no-server-example.com rule rightly warns about localhost).
start_server --public-url "https://api.claribi.test"
WORK="$DATA/openapi"
mkdir -p "$WORK"

# --- the document ------------------------------------------------------------------
# fetch PATH OUT: the body to OUT; sets ST (status) and CTYPE.
fetch() {
  local meta
  meta=$(curl -s --max-time 30 -o "$2" -w '%{http_code} %{content_type}' "$BASE$1") || true
  ST=${meta%% *}
  CTYPE=${meta#* }
}
fetch /api/schema/ "$WORK/schema.json"
check "GET /api/schema/ without a credential" "$ST $CTYPE" "200 application/json"
check "OpenAPI 3.1" "$(jq -r .openapi "$WORK/schema.json")" "3.1.0"
check "its server is the public URL" "$(jq -r '.servers[0].url' "$WORK/schema.json")" "https://api.claribi.test"
check "the two security schemes" "$(jq -c '.components.securitySchemes | map_values(.type)' "$WORK/schema.json")" \
  '{"bearerAuth":"http","apiKeyAuth":"apiKey"}'
check "X-API-Key is the key header" "$(jq -r .components.securitySchemes.apiKeyAuth.name "$WORK/schema.json")" "X-API-Key"
check "a scope per operation" "$(jq -c '.paths["/api/users/{id}/"].patch.security' "$WORK/schema.json")" \
  '[{"bearerAuth":[]},{"apiKeyAuth":["users:write"]}]'
check "and the minimum role" "$(jq -r '.paths["/api/users/{id}/"].patch["x-min-role"]' "$WORK/schema.json")" "administrator"
check "health is described" "$(jq -c '.paths["/api/health/"].get.responses | keys' "$WORK/schema.json")" '["200","415","503","default"]'
headers=$(curl -s --max-time 30 -D - -o /dev/null "$BASE/api/schema")
check "no rate limit on it (no X-RateLimit headers)" "$(grep -ci '^x-ratelimit' <<<"$headers" || true)" 0
check "without the trailing slash too" "$(head -1 <<<"$headers" | tr -d '\r')" "HTTP/1.1 200 OK"

fetch "/api/schema/?format=yaml" "$WORK/schema.yaml"
check "?format=yaml" "$ST $CTYPE" "200 application/yaml"
fetch "/api/schema/?format=xml" "$WORK/bad.json"
check "?format=xml: 400 naming the parameter" "$ST $(jq -c '.fields | keys' "$WORK/bad.json")" '400 ["format"]'

# Every route the document names is answered by the server (never 404 or
# 405 for its method): HEAD for GET routes, OPTIONS' Allow for the others.
missing=0
while IFS=$'\t' read -r path methods; do
  url=${path//\{id\}/1}
  url=${url//\{run_id\}/1}
  allow=$(curl -s --max-time 30 -X OPTIONS -D - -o /dev/null "$BASE$url" | tr -d '\r' | sed -n 's/^Allow: //Ip')
  for m in $methods; do
    case ", $allow," in *", $m,"*) ;; *) echo "FAIL: $m $path is in the document, the server allows [$allow]"; missing=$((missing + 1)) ;; esac
  done
done < <(jq -r '.paths | to_entries[] | [.key, (.value | keys - ["parameters"] | map(ascii_upcase) | join(" "))] | @tsv' \
  "$WORK/schema.json")
check "every documented method is allowed by the server" "$missing" 0

# --- redocly lint: no errors (warnings allowed), JSON and YAML; the YAML is the same document
lint() {
  local out rc=0
  out=$(cd "$WORK" && timeout 120 "$REDOCLY" lint --config "$TOOLS/redocly.yaml" "$1" 2>&1) || rc=$?
  check "redocly lint $1: no errors" "$rc" 0
  [ "$rc" -eq 0 ] || echo "$out" | grep -v '[╔║╚]' | tail -40
  grep -E '^(You have|Woohoo|❌)' <<<"$out" || true
}
lint schema.json
lint schema.yaml
(cd "$WORK" && timeout 120 "$REDOCLY" bundle schema.yaml --ext json -o from-yaml.json >/dev/null 2>&1) || true
check "the YAML is the JSON document" "$(jq -S -c . "$WORK/from-yaml.json" 2>/dev/null | md5sum)" \
  "$(jq -S -c . "$WORK/schema.json" | md5sum)"

# --- the Redoc page and its script ----------------------------------------------------------
fetch /api/docs/ "$WORK/page.html"
check "GET /api/docs/" "$ST $CTYPE" "200 text/html; charset=utf-8"
check "the page points Redoc at /api/schema/" "$(grep -c 'spec-url="/api/schema/"' "$WORK/page.html")" 1
script=$(sed -n 's/.*<script src="\([^"]*\)".*/\1/p' "$WORK/page.html")
fetch "$script" "$WORK/redoc.js"
check "GET $script" "$ST $CTYPE" "200 text/javascript; charset=utf-8"
check "is the installed Redoc bundle, byte for byte" \
  "$(cmp -s "$WORK/redoc.js" "$TOOLS/node_modules/redoc/bundles/redoc.standalone.js" && echo same)" same

# --- headless Chromium renders the route list -------------------------------------------
# Redoc fetches the document and renders every operation: the DOM holds the
# summaries and paths of the document (a few picked from it, not written here).
CHROME_HOME="$DATA/chromium"
mkdir -p "$CHROME_HOME"
dom="$WORK/dom.html"
for attempt in 1 2; do
  HOME="$CHROME_HOME" timeout 90 chromium --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --no-first-run --ignore-certificate-errors --user-data-dir="$CHROME_HOME/profile-$attempt" \
    --virtual-time-budget=15000 --dump-dom "$BASE/api/docs/" >"$dom" 2>"$WORK/chromium.log" || true
  grep -q 'operation/' "$dom" && break
done
rendered=0
for op in '.paths["/api/dashboards/{id}/"].get' '.paths["/api/reports/{id}/runs/{run_id}/"].get' \
          '.paths["/api/auth/login/"].post' '.paths["/api/data-sources/{id}/rows/"].post'; do
  summary=$(jq -r "$op.summary" "$WORK/schema.json")
  if grep -qF ">$summary<" "$dom"; then rendered=$((rendered + 1)); else echo "FAIL: \"$summary\" is not on the page"; fi
done
check "Redoc rendered the operations' summaries" "$rendered" 4
check "and their paths" "$(grep -c '/api/dashboards/{id}/' "$dom" | tr -d ' ' | sed 's/^[1-9][0-9]*$/yes/')" yes
check "every operation of the document is listed" \
  "$(grep -o 'data-item-id="tag/[^"]*/operation/[^"]*"' "$dom" | sort -u | wc -l)" \
  "$(jq '[.paths[] | keys - ["parameters"] | length] | add' "$WORK/schema.json")"
if [ "$FAILS" -gt 0 ]; then tail -5 "$WORK/chromium.log"; fi

finish
