#!/usr/bin/env bash
# Rows of upload data sources end to end (API.md §10 "Rows of an upload data
# source", §6, §9): CSV (RFC 4180: quotes, doubled quotes, embedded newlines,
# BOM, CRLF) and JSON uploads, the 201 shape, type inference, new columns in
# later uploads, integer-to-float widening, nulls and `nullable`; every
# refusal with nothing appended, each beside a positive control; mode=replace;
# the schema and rows listings (§2 envelope, upload order, nulls present,
# pagination); row_count on the data source; chunked uploads; 415, 404 for
# another organization, 400 for other data-source types; roles and key
# scopes; a large streamed upload with the server's memory checked to stay
# bounded; kill -9 in the middle of a large upload, then restart (old rows
# intact, nothing partial, staged data gone); restart keeps everything;
# deleting the data source deletes its rows.
source "$(dirname "$0")/lib.sh"
# Under AddressSanitizer freed memory waits in a quarantine (256 MB by
# default) before reuse, which the memory check below would count.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=16"
start_server
A bootstrap --org "Acme Corp" --plan professional --ai-credits 10 --email admin@acme.test \
  --password admin-password --first-name Ada --last-name Admin >/dev/null
A bootstrap --org "Other Inc" --plan starter --ai-credits 1 --email boss@other.test \
  --password other-password --first-name Bo --last-name Ss >/dev/null

login() { curl -s -X POST "$BASE/api/auth/login/" -H "$CT" -d "{\"email\": \"$1\", \"password\": \"$2\"}" | jq -r .access; }
# upload FILE DS CRED [QUERY] [CONTENT-TYPE]: streams a file (curl -T), sets ST and B.
# (No trailing slash: curl -T appends the file name to a URL that ends in one.)
upload() {
  local out
  out=$(curl -s -w '\n%{http_code}' -X POST -T "$1" -H "Expect:" "$BASE/api/data-sources/$2/rows${4:-}" \
    -H "$(auth "$3")" -H "Content-Type: ${5:-text/csv}") || true
  take_response "$out"
}
count_of() { req GET "/api/data-sources/$1/" "$ADMIN"; jr .row_count; }

ADMIN=$(login admin@acme.test admin-password)
OTHER=$(login boss@other.test other-password)
req POST /api/users/ "$ADMIN" '{"email":"ed@acme.test","password":"editor-password","first_name":"E","last_name":"D","role":"editor"}'
check "editor created" "$ST" 201
req POST /api/users/ "$ADMIN" '{"email":"vi@acme.test","password":"viewer-password","first_name":"V","last_name":"I","role":"viewer"}'
check "viewer created" "$ST" 201
EDITOR=$(login ed@acme.test editor-password)
VIEWER=$(login vi@acme.test viewer-password)

req POST /api/data-sources/ "$ADMIN" '{"name":"orders","type":"upload"}'
check "upload data source" "$ST" 201
DS=$(jr .id)
check "new data source has no rows" "$(jr .row_count)" 0
req POST /api/data-sources/ "$ADMIN" '{"name":"warehouse","type":"postgresql"}'
PG=$(jr .id)

# --- an empty table -----------------------------------------------------------
req GET "/api/data-sources/$DS/schema/" "$VIEWER"
check "schema of an empty table" "$ST $(jb -c .)" '200 {"columns":[],"row_count":0}'
req GET "/api/data-sources/$DS/rows/" "$VIEWER"
check "rows of an empty table" "$ST $(jb -c .)" '200 {"count":0,"next":null,"previous":null,"results":[]}'

# --- CSV: types, nulls, RFC 4180 ------------------------------------------------
CSV1=$'\xef\xbb\xbfts,region,revenue,qty,paid,note\r\n2025-03-01T10:00:00Z,EMEA,12.5,3,true,"plain"\r\n2025-03-02,NA,7,,false,"with ""quotes"", a comma"\r\n2025-03-03T00:00:00+02:00,,100.25,4,TRUE,"two\nlines"\r\n'
req POST "/api/data-sources/$DS/rows/" "$EDITOR" "$CSV1" text/csv
check "csv upload" "$ST" 201
check "csv upload answer" "$(jb -c '[.appended, .row_count]')" '[3,3]'
check "csv column types" "$(jb -c '[.columns[] | [.name, .type, .nullable]]')" \
  '[["ts","timestamp",false],["region","string",true],["revenue","float",false],["qty","integer",true],["paid","boolean",false],["note","string",false]]'
req GET "/api/data-sources/$DS/schema/" "$VIEWER"
check "schema after csv" "$(jb -c '[.row_count, (.columns | length), .columns[2]]')" '[3,6,{"name":"revenue","type":"float","nullable":false}]'
req GET "/api/data-sources/$DS/rows/" "$VIEWER"
check "rows envelope" "$(jb -c '[.count, .next, .previous, (.results | length)]')" '[3,null,null,3]'
check "row 1" "$(jb -c '.results[0]')" '{"ts":"2025-03-01T10:00:00Z","region":"EMEA","revenue":12.5,"qty":3,"paid":true,"note":"plain"}'
check "row 2: a date is midnight UTC, empty is null, doubled quotes" "$(jb -c '.results[1]')" \
  '{"ts":"2025-03-02T00:00:00Z","region":"NA","revenue":7,"qty":null,"paid":false,"note":"with \"quotes\", a comma"}'
check "row 3: offset to UTC, embedded newline" "$(jb -c '.results[2] | [.ts, .region, .revenue, .paid, .note]')" \
  '["2025-03-02T22:00:00Z",null,100.25,true,"two\nlines"]'
check "row_count on the data source" "$(count_of "$DS")" 3

# --- JSON: a new column, widening, append order ---------------------------------
req POST "/api/data-sources/$DS/rows/" "$EDITOR" '[{"region":"APAC","qty":2.5,"extra":"x"},{"ts":"2025-04-01T00:00:00Z","revenue":1,"qty":1,"paid":null}]'
check "json upload" "$ST" 201
check "json upload answer" "$(jb -c '[.appended, .row_count]')" '[2,5]'
check "integer widened to float, new column nullable" "$(jb -c '[.columns[] | select(.name == "qty" or .name == "extra") | [.name, .type, .nullable]]')" \
  '[["qty","float",true],["extra","string",true]]'
req GET "/api/data-sources/$DS/rows/?page_size=2&page=2" "$VIEWER"
check "page 2 of 3" "$(jb -c '[.count, (.results | length), (.next | test("page=3")), (.previous | test("page_size=2"))]')" '[5,2,true,true]'
check "old row: new column null, widened value" "$(jb -c '.results[0] | [.qty, .extra]')" '[4,null]'
req GET "/api/data-sources/$DS/rows/?page_size=2&page=3" "$VIEWER"
check "upload order; missing keys are null" "$(jb -c '.results[0]')" '{"ts":"2025-04-01T00:00:00Z","region":null,"revenue":1,"qty":1,"paid":null,"note":null,"extra":null}'
req GET "/api/data-sources/$DS/rows/?page_size=2&page=2" "$VIEWER"
check "json row" "$(jb -c '.results[1]')" '{"ts":null,"region":"APAC","revenue":null,"qty":2.5,"paid":null,"note":null,"extra":"x"}'
req GET "/api/data-sources/$DS/rows/?page=4&page_size=2" "$VIEWER"
check "page past the end" "$ST $(jr .error)" "404 not_found"
req GET "/api/data-sources/$DS/rows/?page=0" "$VIEWER"
check "page 0" "$ST $(jr .error)" "400 validation_error"

# --- refusals: nothing appended, each beside a positive control ----------------
refuse() {  # refuse NAME BODY CONTENT-TYPE EXPECTED-ERROR DETAIL-REGEX
  req POST "/api/data-sources/$DS/rows/" "$EDITOR" "$2" "$3"
  check "$1: refused" "$ST $(jr .error)" "400 $4"
  check "$1: detail" "$(jr ".detail | test(\"$5\"; \"i\")")" true
  check "$1: nothing appended" "$(count_of "$DS")" "$BEFORE"
}
BEFORE=5
refuse "float column takes text" $'revenue,region\n1.5,a\nabc,b\n' text/csv validation_error 'Row 2.*revenue'
check "the field names the column" "$(jb -c '.fields | keys')" '["revenue"]'
refuse "timestamp column" $'ts\n2025-13-01T00:00:00Z\n' text/csv validation_error 'Row 1.*ts'
refuse "boolean column" '[{"paid":true},{"paid":1}]' application/json validation_error 'Row 2.*paid'
refuse "integer where a string is stored" '[{"note":"a"},{"region":{"nested":1}}]' application/json validation_error 'Row 2.*region'
refuse "too few fields" $'region,note\nx,y\nz\n' text/csv validation_error 'Row 2'
refuse "unterminated quote" $'region\n"abc\n' text/csv validation_error '[Rr]ow 1'
refuse "junk after a closing quote" $'region\n"a"b\n' text/csv validation_error '[Rr]ow 1'
refuse "duplicate header" $'region,region\na,b\n' text/csv validation_error 'twice'
refuse "empty column name" $'region,\na,b\n' text/csv validation_error 'characters'
LONG=$(printf 'c%.0s' $(seq 1 201))
refuse "201-character name" "$LONG"$'\n1\n' text/csv validation_error 'characters'
refuse "not an object" '[{"region":"a"},5]' application/json validation_error '[Rr]ow 2'
refuse "invalid json" '[{"region":"a"},{"region":}]' application/json invalid_json '[0-9]'
refuse "not an array" '{"region":"a"}' application/json invalid_json '[0-9]'
MANY=$(seq -s, 1 1025 | sed 's/[0-9]*/c&/g')
refuse "1,025 columns" "$MANY"$'\n' text/csv validation_error '1024'
refuse "invalid utf-8" $'region\n\xff\xfe\n' text/csv validation_error '[Rr]ow 1'
# Positive controls: the same shapes, valid.
req POST "/api/data-sources/$DS/rows/" "$EDITOR" $'revenue,region\n1.5,a\n2,b\n' text/csv
check "control: floats" "$ST $(jb -c '[.appended, .row_count]')" '201 [2,7]'
req POST "/api/data-sources/$DS/rows/" "$EDITOR" '[{"paid":true},{"paid":false},{"note":5}]'
check "control: booleans, a number into a string column" "$ST $(jb -c '[.appended, .row_count]')" '201 [3,10]'
req GET "/api/data-sources/$DS/rows/?page=4&page_size=3" "$VIEWER"
check "a number stored as text" "$(jb -c '.results[0].note')" '"5"'
MANY=$(seq -s, 1 1017 | sed 's/[0-9]*/c&/g')  # 7 columns exist: 1,024 in all
req POST "/api/data-sources/$DS/rows/" "$EDITOR" "$MANY"$'\n' text/csv
check "control: exactly 1,024 columns" "$ST $(jb -c '[.appended, (.columns | length)]')" '201 [0,1024]'

# --- other checks of the request ----------------------------------------------
req POST "/api/data-sources/$DS/rows/" "$EDITOR" 'a,b' text/plain
check "text/plain" "$ST $(jr .error)" "415 unsupported_media_type"
req POST "/api/data-sources/$DS/rows/?mode=merge" "$EDITOR" $'a\n1\n' text/csv
check "unknown mode" "$ST $(jr .error)" "400 validation_error"
req POST "/api/data-sources/$PG/rows/" "$EDITOR" $'a\n1\n' text/csv
check "postgresql data source holds no rows" "$ST $(jr .error)" "400 validation_error"
req GET "/api/data-sources/$PG/schema/" "$VIEWER"
check "postgresql data source has no schema" "$ST $(jr .error)" "400 validation_error"
req POST "/api/data-sources/$DS/rows/" "$OTHER" $'a\n1\n' text/csv
check "another organization's data source" "$ST $(jr .error)" "404 not_found"
req GET "/api/data-sources/$DS/rows/" "$OTHER"
check "another organization's rows" "$ST $(jr .error)" "404 not_found"
req POST "/api/data-sources/999999/rows/" "$EDITOR" $'a\n1\n' text/csv
check "unknown data source" "$ST" 404
req POST "/api/data-sources/$DS/rows/" "$VIEWER" $'a\n1\n' text/csv
check "viewer cannot upload" "$ST $(jr .error)" "403 forbidden"
RKEY=$(A keys create --email ed@acme.test --name read --scopes data_sources:read 2>/dev/null | grep -o 'claribi_sk_live_[0-9A-Za-z]*' | head -1)
WKEY=$(A keys create --email ed@acme.test --name write --scopes data_sources:write 2>/dev/null | grep -o 'claribi_sk_live_[0-9A-Za-z]*' | head -1)
req POST "/api/data-sources/$DS/rows/" "$RKEY" $'a\n1\n' text/csv
check "read key cannot upload" "$ST $(jr .error)" "403 insufficient_scope"
req GET "/api/data-sources/$DS/schema/" "$RKEY"
check "read key reads the schema" "$ST" 200
BEFORE=$(count_of "$DS")

# --- mode=replace ----------------------------------------------------------------
req POST "/api/data-sources/$DS/rows/?mode=replace" "$WKEY" $'id,name\n1,one\n2,two\n' text/csv
check "replace (write key)" "$ST $(jb -c '[.appended, .row_count, [.columns[] | [.name, .type, .nullable]]]')" \
  '201 [2,2,[["id","integer",false],["name","string",false]]]'
req GET "/api/data-sources/$DS/rows/" "$VIEWER"
check "only the new rows" "$(jb -c '.results')" '[{"id":1,"name":"one"},{"id":2,"name":"two"}]'
check "row_count after replace" "$(count_of "$DS")" 2

# --- chunked transfer encoding -----------------------------------------------------
printf 'id,name\n3,three\n4,four\n' >"$DATA/chunked.csv"
out=$(curl -s -w '\n%{http_code}' -X POST --data-binary @"$DATA/chunked.csv" -H "Transfer-Encoding: chunked" \
  -H "Content-Type: text/csv" -H "$(auth "$EDITOR")" "$BASE/api/data-sources/$DS/rows/")
check "chunked upload" "${out##*$'\n'} $(jq -c '[.appended, .row_count]' <<<"${out%$'\n'*}")" '201 [2,4]'

# --- Expect: 100-continue is answered once the upload is authorised ---------------
printf 'id,name\n5,five\n' >"$DATA/expect.csv"
curl -sv -X POST -T "$DATA/expect.csv" -H "Expect: 100-continue" -H "Content-Type: text/csv" \
  -H "$(auth "$EDITOR")" "$BASE/api/data-sources/$DS/rows" >"$DATA/expect.out" 2>&1 || true
check "100 Continue sent" "$(grep -c '< HTTP/1.1 100 Continue' "$DATA/expect.out")" 1
check "then 201" "$(grep -c '< HTTP/1.1 201' "$DATA/expect.out")" 1
curl -sv -X POST -T "$DATA/expect.csv" -H "Expect: 100-continue" -H "Content-Type: text/csv" \
  -H "$(auth "$VIEWER")" "$BASE/api/data-sources/$DS/rows" >"$DATA/expect.out" 2>&1 || true
check "no 100 Continue for a refused upload" "$(grep -c '< HTTP/1.1 100 Continue' "$DATA/expect.out")" 0
check "403 at once" "$(grep -c '< HTTP/1.1 403' "$DATA/expect.out")" 1

# --- a large streamed upload: memory stays bounded ---------------------------------
BIG_MB=${ROWS_TEST_BIG_MB:-200}
python3 - "$DATA/big.csv" "$BIG_MB" <<'EOF'
import sys
path, mb = sys.argv[1], int(sys.argv[2])
line_rows = []
for i in range(10000):
    line_rows.append("2025-%02d-%02dT%02d:%02d:%02dZ,%s,%s,P-%04d,%d,%d.%02d,%d\n" % (
        1 + i % 12, 1 + i % 28, i % 24, i % 60, (i * 7) % 60, ["EMEA", "NA", "APAC", "LATAM", "ANZ"][i % 5],
        ["DE", "FR", "US", "JP", "BR", "AU"][i % 6], 1 + (i * 37) % 1000, 1 + (i * 7919) % 200000, i % 2000, i % 100, 1 + i % 10))
block = "".join(line_rows)
with open(path, "w") as f:
    f.write("ts,region,country,product,customer_id,revenue,quantity\n")
    n = 0
    while n < mb * 1024 * 1024:
        f.write(block)
        n += len(block)
EOF
BIG_ROWS=$(($(wc -l <"$DATA/big.csv") - 1))
RSS_BEFORE=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
req POST /api/data-sources/ "$ADMIN" '{"name":"big","type":"upload"}'
BIG=$(jr .id)
upload "$DATA/big.csv" "$BIG" "$EDITOR"
check "large upload" "$ST $(jr .appended)" "201 $BIG_ROWS"
HWM=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status")
GROWTH_MB=$(((HWM - RSS_BEFORE) / 1024))
check "peak memory grew by less than 160 MB for a ${BIG_MB} MB body (grew ${GROWTH_MB} MB)" "$((GROWTH_MB < 160))" 1
req GET "/api/data-sources/$BIG/rows/?page=$((BIG_ROWS / 100))&page_size=100" "$VIEWER"
check "last full page of the large table" "$ST $(jb -c '.results | length')" "200 100"
check "staging directory is empty after the upload" "$(ls "$DATA/staging" | wc -l)" 0

# --- kill -9 in the middle of a large upload --------------------------------------
curl -s -o /dev/null -X POST -T "$DATA/big.csv" -H "Expect:" --limit-rate 20M -H "Content-Type: text/csv" \
  -H "$(auth "$EDITOR")" "$BASE/api/data-sources/$BIG/rows" &
CURL_PID=$!
sleep 2
kill9_server
wait "$CURL_PID" 2>/dev/null || true
start_server
ADMIN=$(login admin@acme.test admin-password)
VIEWER=$(login vi@acme.test viewer-password)
EDITOR=$(login ed@acme.test editor-password)
check "after kill -9: old rows intact, nothing partial" "$(count_of "$BIG")" "$BIG_ROWS"
req GET "/api/data-sources/$BIG/schema/" "$VIEWER"
check "after kill -9: schema row_count" "$(jr .row_count)" "$BIG_ROWS"
check "after kill -9: staged data removed" "$(ls "$DATA/staging" | wc -l)" 0

# --- restart keeps everything --------------------------------------------------------
stop_server
start_server
VIEWER=$(login vi@acme.test viewer-password)
ADMIN=$(login admin@acme.test admin-password)
req GET "/api/data-sources/$DS/rows/" "$VIEWER"
check "after restart: rows" "$(jb -c '[.count, .results[3], .results[4]]')" '[5,{"id":4,"name":"four"},{"id":5,"name":"five"}]'
req GET "/api/data-sources/$DS/schema/" "$VIEWER"
check "after restart: schema" "$(jb -c '[.columns[] | .type]')" '["integer","string"]'

# --- deleting the data source deletes its rows ----------------------------------------
req DELETE "/api/data-sources/$BIG/" "$ADMIN"
check "delete" "$ST" 204
req GET "/api/data-sources/$BIG/rows/" "$VIEWER"
check "rows of a deleted data source" "$ST" 404
stop_server
start_server
VIEWER=$(login vi@acme.test viewer-password)
req GET "/api/data-sources/$BIG/schema/" "$VIEWER"
check "deleted after restart too" "$ST" 404
finish
