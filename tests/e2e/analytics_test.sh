#!/usr/bin/env bash
# POST /api/analytics/query/ end to end (API.md §10): every metric, count
# with and without a field, output names, group keys with nulls, every time
# granularity (ISO weeks across a year boundary, quarters, a leap day) with
# from/to, every filter op against each column type (null tests, float
# constants against integers, in-lists with null, case-insensitive
# contains), order_by with nulls last and key tie-breaks, limit/truncated,
# the one row of an ungrouped query over no rows; refusals naming the path,
# each beside a positive control; another organization's data source 404,
# other data-source types 400; roles and the analytics:read scope; an upload
# makes a cached result stale; then, on a table of 1,000,000 rows: a query
# cancelled by its client going away (499 in the access log), 503 with
# Retry-After when the queue is full while the server keeps answering
# /api/auth/status/, and 504 query_timeout past the memory budget.
source "$(dirname "$0")/lib.sh"
start_server --analytics-query-threads 1 --analytics-max-queued-queries 1 --analytics-query-timeout 600  # (slow sanitizer builds: never 504 here)
two_organizations  # ADMIN and VIEWER of Acme Corp, OTHER (administrator) of Other Inc

req POST /api/data-sources/ "$ADMIN" '{"name":"orders","type":"upload"}'
DS=$(jr .id)
req POST /api/data-sources/ "$ADMIN" '{"name":"empty","type":"upload"}'
EMPTY=$(jr .id)
req POST /api/data-sources/ "$ADMIN" '{"name":"warehouse","type":"postgresql"}'
PG=$(jr .id)
req POST /api/data-sources/ "$OTHER" '{"name":"theirs","type":"upload"}'
THEIRS=$(jr .id)

CSV=$'ts,region,country,product,revenue,qty,paid,note
2024-02-29T10:00:00Z,APAC,JP,P3,1,1,false,x
2024-12-30T23:59:59Z,EMEA,DE,P1,10.5,1,true,Alpha
2025-01-01T00:00:00Z,EMEA,FR,P2,20.25,2,false,beta
2025-01-05T12:00:00Z,NA,US,P1,5,3,true,GAMMA
2025-02-28T08:30:00Z,NA,US,P3,100,,false,
2025-03-31T23:00:00Z,APAC,JP,P2,7.75,5,,delta
2025-04-01T00:00:00Z,,US,P1,,4,true,Alphabet
'
req POST "/api/data-sources/$DS/rows/" "$ADMIN" "$CSV" text/csv
check "upload" "$ST $(jb -c '[.columns[] | .type]')" '201 ["timestamp","string","string","string","float","integer","boolean","string"]'

# q 'JSON fields after data_source_id' [CRED]: runs a query on $DS; sets ST and B.
q() { req POST /api/analytics/query/ "${2:-$ADMIN}" "{\"data_source_id\": $DS, $1}"; }
rows() { jb -c .rows; }
# qrows 'fields' expected-rows: runs the query and checks 200 and its rows.
qrows() { q "$2"; check "$1" "$ST $(rows)" "200 $3"; }

# --- metrics ------------------------------------------------------------------
q '"metrics": [{"op": "count"}]'
check "count: the response shape" "$ST $(jb -c '[.columns, .rows, .row_count, .truncated, (.elapsed_ms | type)]')" \
  '200 [[{"name":"count","type":"integer"}],[[7]],1,false,"number"]'
q '"metrics": [{"op": "count", "field": "revenue"}, {"op": "count", "field": "qty", "as": "n"}, {"op": "count_distinct", "field": "region"}, {"op": "count_distinct", "field": "qty"}]'
check "count of a field, count_distinct, output names" "$ST $(jb -c '[[.columns[] | .name], .rows]')" \
  '200 [["count_revenue","n","count_distinct_region","count_distinct_qty"],[[6,6,3,5]]]'
q '"metrics": [{"op": "sum", "field": "revenue"}, {"op": "sum", "field": "qty"}, {"op": "avg", "field": "qty"}, {"op": "avg", "field": "revenue"}]'
check "sum of floats is a float, of integers an integer, avg a float" "$ST $(jb -c '[[.columns[] | .type], .rows]')" \
  '200 [["float","integer","float","float"],[[144.5,16,2.6666666666666665,24.083333333333332]]]'
check "floats render so they read back as doubles" "$(printf '%s' "$B" | grep -o '"rows":\[\[[^]]*\]\]')" \
  '"rows":[[144.5,16,2.6666666666666665,24.083333333333332]]'
q '"metrics": [{"op": "min", "field": "ts"}, {"op": "max", "field": "ts"}, {"op": "min", "field": "note"}, {"op": "max", "field": "note"}, {"op": "min", "field": "revenue"}, {"op": "max", "field": "qty"}]'
check "min/max of timestamps, strings (bytewise), numbers" "$ST $(jb -c '[[.columns[] | .type], .rows]')" \
  '200 [["timestamp","timestamp","string","string","float","integer"],[["2024-02-29T10:00:00Z","2025-04-01T00:00:00Z","Alpha","x",1,5]]]'

# --- dimensions -----------------------------------------------------------------
qrows "by region: key order, null last, sum over no values is null" \
  '"metrics": [{"op": "count"}, {"op": "sum", "field": "revenue"}], "dimensions": ["region"]' \
  '[["APAC",2,8.75],["EMEA",2,30.75],["NA",2,105],[null,1,null]]'
qrows "by a boolean: false, true, null" '"metrics": [{"op": "count"}], "dimensions": ["paid"]' '[[false,3],[true,3],[null,1]]'
qrows "two dimensions" '"metrics": [{"op": "count"}], "dimensions": ["region", "country"], "filters": [{"field": "region", "op": "ne", "value": "EMEA"}]' \
  '[["APAC","JP",2],["NA","US",2]]'
qrows "by an integer with null" '"metrics": [{"op": "count"}], "dimensions": ["qty"]' '[[1,2],[2,1],[3,1],[4,1],[5,1],[null,1]]'

# --- time -----------------------------------------------------------------------
qrows "year buckets" '"metrics": [{"op": "count"}], "time": {"field": "ts", "granularity": "year"}' \
  '[["2024-01-01T00:00:00Z",2],["2025-01-01T00:00:00Z",5]]'
qrows "quarter buckets" '"metrics": [{"op": "count"}], "time": {"field": "ts", "granularity": "quarter"}' \
  '[["2024-01-01T00:00:00Z",1],["2024-10-01T00:00:00Z",1],["2025-01-01T00:00:00Z",4],["2025-04-01T00:00:00Z",1]]'
qrows "month buckets" '"metrics": [{"op": "count"}], "time": {"field": "ts", "granularity": "month"}' \
  '[["2024-02-01T00:00:00Z",1],["2024-12-01T00:00:00Z",1],["2025-01-01T00:00:00Z",2],["2025-02-01T00:00:00Z",1],["2025-03-01T00:00:00Z",1],["2025-04-01T00:00:00Z",1]]'
qrows "ISO weeks start on Monday, across the year boundary" '"metrics": [{"op": "count"}], "time": {"field": "ts", "granularity": "week"}' \
  '[["2024-02-26T00:00:00Z",1],["2024-12-30T00:00:00Z",3],["2025-02-24T00:00:00Z",1],["2025-03-31T00:00:00Z",2]]'
qrows "day buckets within from <= t < to" '"metrics": [{"op": "count"}], "time": {"field": "ts", "granularity": "day", "from": "2025-01-01T00:00:00Z", "to": "2025-02-28T08:30:00Z"}' \
  '[["2025-01-01T00:00:00Z",1],["2025-01-05T00:00:00Z",1]]'
qrows "hour and minute buckets" '"metrics": [{"op": "count"}], "time": {"field": "ts", "granularity": "minute", "from": "2025-02-28", "to": "2025-03-01"}, "dimensions": ["region"]' \
  '[["2025-02-28T08:30:00Z","NA",1]]'
q '"metrics": [{"op": "count"}], "time": {"field": "ts", "granularity": "hour", "from": "2025-02-28", "to": "2025-03-01"}'
check "hour bucket column named after the field" "$ST $(jb -c '[.columns[0], .rows]')" '200 [{"name":"ts","type":"timestamp"},[["2025-02-28T08:00:00Z",1]]]'
qrows "time range without granularity: a filter only" '"metrics": [{"op": "count"}], "time": {"field": "ts", "to": "2025-04-01T00:00:00Z"}' '[[6]]'
qrows "time from only, with an offset" '"metrics": [{"op": "count"}], "time": {"field": "ts", "from": "2025-04-01T02:00:00+02:00"}' '[[1]]'

# --- filters --------------------------------------------------------------------
f() { qrows "filter $1" "\"metrics\": [{\"op\": \"count\"}], \"filters\": [$2]" "[[$3]]"; }
f "in" '{"field": "country", "op": "in", "value": ["DE", "FR"]}' 2
f "in with null (matches nothing)" '{"field": "region", "op": "in", "value": ["NA", null]}' 2
f "in nothing" '{"field": "region", "op": "in", "value": []}' 0
f "gt none" '{"field": "revenue", "op": "gt", "value": 100}' 0
f "gte" '{"field": "revenue", "op": "gte", "value": 100}' 1
f "lt a float on an integer column" '{"field": "qty", "op": "lt", "value": 2.5}' 3
f "eq a fraction on an integer column" '{"field": "qty", "op": "eq", "value": 2.5}' 0
f "ne skips nulls" '{"field": "qty", "op": "ne", "value": 1}' 4
f "lte" '{"field": "qty", "op": "lte", "value": 2}' 3
f "boolean eq" '{"field": "paid", "op": "eq", "value": true}' 3
f "eq null" '{"field": "paid", "op": "eq", "value": null}' 1
f "ne null" '{"field": "paid", "op": "ne", "value": null}' 6
f "contains, case-insensitive" '{"field": "note", "op": "contains", "value": "ALPHA"}' 2
f "contains a" '{"field": "note", "op": "contains", "value": "a"}' 5
f "timestamp gte a date" '{"field": "ts", "op": "gte", "value": "2025-01-01"}' 5
f "timestamp eq" '{"field": "ts", "op": "eq", "value": "2025-01-05T12:00:00Z"}' 1
f "string lt" '{"field": "region", "op": "lt", "value": "EMEA"}' 2
f "string ne skips nulls" '{"field": "region", "op": "ne", "value": "EMEA"}' 4
f "all must hold" '{"field": "region", "op": "eq", "value": "NA"}, {"field": "qty", "op": "gt", "value": 0}' 1
qrows "no rows, no groups: one row (count 0, the others null)" \
  '"metrics": [{"op": "count"}, {"op": "sum", "field": "revenue"}, {"op": "min", "field": "ts"}, {"op": "count_distinct", "field": "region"}], "filters": [{"field": "revenue", "op": "gt", "value": 1000}]' \
  '[[0,null,null,0]]'
qrows "no rows with groups: no row" '"metrics": [{"op": "count"}], "dimensions": ["region"], "filters": [{"field": "revenue", "op": "gt", "value": 1000}]' '[]'

# --- order_by, limit ------------------------------------------------------------------
q '"metrics": [{"op": "sum", "field": "revenue"}], "dimensions": ["product"], "order_by": [{"field": "sum_revenue", "dir": "desc"}], "limit": 2'
check "top 2 by sum desc, truncated" "$ST $(jb -c '[.rows, .row_count, .truncated]')" '200 [[["P3",101],["P2",28]],2,true]'
q '"metrics": [{"op": "sum", "field": "revenue"}], "dimensions": ["product"], "order_by": [{"field": "sum_revenue", "dir": "desc"}], "limit": 3'
check "limit equal to the groups: not truncated" "$(jb -c '[.row_count, .truncated]')" '[3,false]'
qrows "desc keeps nulls last" '"metrics": [{"op": "sum", "field": "revenue"}], "dimensions": ["region"], "order_by": [{"field": "sum_revenue", "dir": "desc"}]' \
  '[["NA",105],["EMEA",30.75],["APAC",8.75],[null,null]]'
qrows "ties broken by the keys ascending" '"metrics": [{"op": "count"}], "dimensions": ["region"], "order_by": [{"field": "count", "dir": "desc"}]' \
  '[["APAC",2],["EMEA",2],["NA",2],[null,1]]'
qrows "order by a key desc" '"metrics": [{"op": "count"}], "dimensions": ["region"], "order_by": [{"field": "region", "dir": "desc"}]' \
  '[["NA",2],["EMEA",2],["APAC",2],[null,1]]'
qrows "order by the time bucket desc" '"metrics": [{"op": "count"}], "time": {"field": "ts", "granularity": "year"}, "order_by": [{"field": "ts", "dir": "desc"}]' \
  '[["2025-01-01T00:00:00Z",5],["2024-01-01T00:00:00Z",2]]'

# --- refusals, each beside its positive control above ---------------------------------
# bad 'fields' '["expected field paths"]'
bad() {
  q "$2"
  check "refused: $1" "$ST $(jb -c '[.error, (.fields | keys)]')" "400 [\"validation_error\",$3]"
}
bad "unknown metric field" '"metrics": [{"op": "sum", "field": "nope"}]' '["metrics[0].field"]'
bad "sum of a string" '"metrics": [{"op": "sum", "field": "region"}]' '["metrics[0].field"]'
bad "avg of a timestamp" '"metrics": [{"op": "avg", "field": "ts"}]' '["metrics[0].field"]'
bad "min of a boolean" '"metrics": [{"op": "count"}, {"op": "min", "field": "paid"}]' '["metrics[1].field"]'
bad "no metrics" '"dimensions": ["region"]' '["metrics"]'
bad "unknown dimension" '"metrics": [{"op": "count"}], "dimensions": ["region", "planet"]' '["dimensions[1]"]'
bad "time field not a timestamp" '"metrics": [{"op": "count"}], "time": {"field": "qty", "granularity": "day"}' '["time.field"]'
bad "unknown granularity" '"metrics": [{"op": "count"}], "time": {"field": "ts", "granularity": "fortnight"}' '["time.granularity"]'
bad "to before from" '"metrics": [{"op": "count"}], "time": {"field": "ts", "from": "2025-02-01", "to": "2025-01-01"}' '["time.to"]'
bad "a string for a float column" '"metrics": [{"op": "count"}], "filters": [{"field": "revenue", "op": "eq", "value": "x"}]' '["filters[0].value"]'
bad "not a timestamp" '"metrics": [{"op": "count"}], "filters": [{"field": "region", "op": "eq", "value": "NA"}, {"field": "ts", "op": "gt", "value": "yesterday"}]' '["filters[1].value"]'
bad "a number for a boolean column" '"metrics": [{"op": "count"}], "filters": [{"field": "paid", "op": "eq", "value": 1}]' '["filters[0].value"]'
bad "a number for a string column" '"metrics": [{"op": "count"}], "filters": [{"field": "region", "op": "in", "value": ["NA", 5]}]' '["filters[0].value"]'
bad "contains on a number" '"metrics": [{"op": "count"}], "filters": [{"field": "qty", "op": "contains", "value": "1"}]' '["filters[0].op"]'
bad "lt null" '"metrics": [{"op": "count"}], "filters": [{"field": "qty", "op": "lt", "value": null}]' '["filters[0].value"]'
bad "unknown filter field" '"metrics": [{"op": "count"}], "filters": [{"field": "planet", "op": "eq", "value": 1}]' '["filters[0].field"]'
bad "duplicate output names" '"metrics": [{"op": "count"}, {"op": "count"}]' '["metrics[1]"]'
bad "a metric named like a key" '"metrics": [{"op": "count", "as": "region"}], "dimensions": ["region"]' '["metrics[0].as"]'
bad "order_by not an output" '"metrics": [{"op": "count"}], "order_by": [{"field": "revenue"}]' '["order_by[0].field"]'
bad "limit 0" '"metrics": [{"op": "count"}], "limit": 0' '["limit"]'
bad "limit past 100000" '"metrics": [{"op": "count"}], "limit": 100001' '["limit"]'
qrows "limit 100000 is fine" '"metrics": [{"op": "count"}], "limit": 100000' '[[7]]'
req POST /api/analytics/query/ "$ADMIN" '{"metrics": [{"op": "count"}]}'
check "no data_source_id" "$ST $(jb -c '(.fields | keys)')" '400 ["data_source_id"]'
req POST /api/analytics/query/ "$ADMIN" '{"data_source_id": 1, "metrics": [{"op": "count"}'
check "invalid JSON" "$ST $(jr .error)" "400 invalid_json"
req POST /api/analytics/query/ "$ADMIN" "{\"data_source_id\": $DS, \"metrics\": [{\"op\": \"count\"}]}" text/plain
check "not JSON: 415" "$ST $(jr .error)" "415 unsupported_media_type"
req POST /api/analytics/query/ "$ADMIN" "{\"data_source_id\": $THEIRS, \"metrics\": [{\"op\": \"count\"}]}"
check "another organization's data source: 404" "$ST $(jr .error)" "404 not_found"
req POST /api/analytics/query/ "$OTHER" "{\"data_source_id\": $THEIRS, \"metrics\": [{\"op\": \"count\"}]}"
check "its own organization may query it" "$ST $(jb -c .rows)" "200 [[0]]"
req POST /api/analytics/query/ "$ADMIN" '{"data_source_id": 999999, "metrics": [{"op": "count"}]}'
check "no such data source: 404" "$ST $(jr .error)" "404 not_found"
req POST /api/analytics/query/ "$ADMIN" "{\"data_source_id\": $PG, \"metrics\": [{\"op\": \"count\"}]}"
check "a postgresql data source holds no rows: 400" "$ST $(jb -c '[.error, (.fields | keys)]')" '400 ["validation_error",["data_source_id"]]'
req POST /api/analytics/query/ "$ADMIN" "{\"data_source_id\": $EMPTY, \"metrics\": [{\"op\": \"count\"}]}"
check "an empty upload source: count 0" "$ST $(jb -c .rows)" "200 [[0]]"
req POST /api/analytics/query/ "$ADMIN" "{\"data_source_id\": $EMPTY, \"metrics\": [{\"op\": \"sum\", \"field\": \"revenue\"}]}"
check "an empty upload source has no fields" "$ST $(jb -c '(.fields | keys)')" '400 ["metrics[0].field"]'

# --- roles and scopes -----------------------------------------------------------------
q '"metrics": [{"op": "count"}]' "$VIEWER"
check "a viewer may query" "$ST $(rows)" "200 [[7]]"
req POST /api/api-keys/ "$ADMIN" '{"name": "bi", "scopes": ["analytics:read"]}'
KEY_OK=$(jr .key)
req POST /api/api-keys/ "$ADMIN" '{"name": "dash", "scopes": ["dashboards:read", "data_sources:read"]}'
KEY_NO=$(jr .key)
q '"metrics": [{"op": "count"}]' "$KEY_OK"
check "a key with analytics:read" "$ST $(rows)" "200 [[7]]"
q '"metrics": [{"op": "count"}]' "$KEY_NO"
check "a key without analytics:read" "$ST $(jr .error)" "403 insufficient_scope"
req POST /api/analytics/query/ "" "{\"data_source_id\": $DS, \"metrics\": [{\"op\": \"count\"}]}"
check "no credentials" "$ST $(jr .error)" "401 unauthorized"

# --- one snapshot, the cache never stale ------------------------------------------------
Q='"metrics": [{"op": "count"}, {"op": "sum", "field": "qty"}], "dimensions": ["region"]'
qrows "before an upload" "$Q" '[["APAC",2,6],["EMEA",2,3],["NA",2,3],[null,1,4]]'
qrows "the same query again (cached)" "$Q" '[["APAC",2,6],["EMEA",2,3],["NA",2,3],[null,1,4]]'
req POST "/api/data-sources/$DS/rows/" "$ADMIN" '[{"region": "NA", "qty": 10}]'
check "append a row" "$ST" 201
qrows "after the upload: the new row is in" "$Q" '[["APAC",2,6],["EMEA",2,3],["NA",3,13],[null,1,4]]'
curl_nc=$(curl -s -X POST "$BASE/api/analytics/query/" -H "$(auth "$ADMIN")" -H "$CT" -H "Cache-Control: no-cache" \
  -d "{\"data_source_id\": $DS, $Q}" | jq -c .rows)
check "Cache-Control: no-cache answers the same" "$curl_nc" '[["APAC",2,6],["EMEA",2,3],["NA",3,13],[null,1,4]]'

# --- a large table: cancellation, a full queue, the memory budget ----------------------
BIG=$DATA/big.csv
awk 'BEGIN { print "id,grp,v"; for (i = 0; i < 1000000; i++) printf "%d,g%d,%d\n", i, i % 7, i % 1000 }' >"$BIG"
req POST /api/data-sources/ "$ADMIN" '{"name":"big","type":"upload"}'
BIGDS=$(jr .id)
out=$(curl -s -w '\n%{http_code}' -X POST -T "$BIG" -H "Expect:" "$BASE/api/data-sources/$BIGDS/rows" \
  -H "$(auth "$ADMIN")" -H "Content-Type: text/csv")
take_response "$out"
check "a million rows" "$ST $(jr .row_count)" "201 1000000"
# One group per row, each with a distinct set: seconds of work on one thread.
SLOW="{\"data_source_id\": $BIGDS, \"metrics\": [{\"op\": \"count_distinct\", \"field\": \"v\"}, {\"op\": \"max\", \"field\": \"grp\"}], \"dimensions\": [\"id\"], \"limit\": 1}"
slow_query() { curl -s -o /dev/null -w '%{http_code}\n' -X POST "$BASE/api/analytics/query/" -H "$(auth "$ADMIN")" -H "$CT" -H "Cache-Control: no-cache" "$@" -d "$SLOW" || true; }

slow_query --max-time 0.3 >/dev/null
for _ in $(seq 1 100); do grep -q '/api/analytics/query/.* 499 ' "$LOG" && break; sleep 0.1; done
check "a client that goes away cancels its query (499 in the access log)" \
  "$(grep -c '/api/analytics/query/.* 499 ' "$LOG")" 1

slow_query >"$DATA/s1" &
P1=$!
sleep 0.2
for i in 2 3 4 5; do slow_query -D "$DATA/h$i" >"$DATA/s$i" & eval "P$i=\$!"; done
req GET /api/auth/status/ "$ADMIN"
check "status answers while the query pool is busy" "$ST" 200
wait "$P1" "$P2" "$P3" "$P4" "$P5"
CODES=$(cat "$DATA"/s[1-5] | sort | uniq -c | awk '{print $2 "x" $1}' | tr '\n' ' ')
check "with one thread and one queue slot, the extra queries get 503" \
  "$(cat "$DATA"/s[1-5] | grep -c 503 | awk '{print ($1 >= 2) ? "yes" : "no"}')" yes
check "and the others 200 ($CODES)" "$(cat "$DATA"/s[1-5] | grep -vc -e 503 -e 200 || true)" 0
check "503 carries Retry-After" "$(grep -il '^retry-after: 1' "$DATA"/h* | wc -l | awk '{print ($1 >= 2) ? "yes" : "no"}')" yes
req POST /api/analytics/query/ "$ADMIN" "{\"data_source_id\": $BIGDS, \"metrics\": [{\"op\": \"count\"}, {\"op\": \"sum\", \"field\": \"v\"}], \"dimensions\": [\"grp\"], \"limit\": 2}"
check "the big table answers" "$ST $(jb -c '[.rows, .truncated]')" '200 [[["g0",142858,71357571],["g1",142857,71357429]],true]'

stop_server
start_server --analytics-max-query-memory 16
ADMIN=$(login admin@acme.test admin-password)
req POST /api/analytics/query/ "$ADMIN" "$SLOW"
check "past analytics.max_query_memory: 504 query_timeout" "$ST $(jr .error)" "504 query_timeout"
req POST /api/analytics/query/ "$ADMIN" "{\"data_source_id\": $BIGDS, \"metrics\": [{\"op\": \"count\"}]}"
check "a small query under the same budget" "$ST $(jb -c .rows)" "200 [[1000000]]"

finish
