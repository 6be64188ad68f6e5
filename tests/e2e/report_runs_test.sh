#!/usr/bin/env bash
# Dashboard data and report runs end to end (API.md §10): a dashboard's
# widgets run as POST /api/analytics/query/ would (values compared with the
# same query sent there), a widget whose data source was deleted carries its
# §3 body while the answer stays 200, widgets without a query are left out;
# report runs as JSON (report_id, run_id, the query response) and as RFC 4180
# CSV (Content-Type, Content-Disposition, quoting, values equal to the
# query's), large results chunked and whole (CSV, JSON, and the stored
# CSV inside the run detail), every run kept (manual trigger, status, row_count, error) and
# listed newest first, one with its stored result, a failed run recorded,
# only the newest reports.keep_runs kept, last_run_at set without touching
# updated_at, runs gone with their report; another organization's 404s and
# the scopes an API key needs.
source "$(dirname "$0")/lib.sh"
start_server --reports-keep-runs 3
two_organizations  # ADMIN and VIEWER of Acme Corp, OTHER (administrator) of Other Inc

req POST /api/data-sources/ "$ADMIN" '{"name":"orders","type":"upload"}'
DS=$(jr .id)
req POST /api/data-sources/ "$ADMIN" '{"name":"scratch","type":"upload"}'
GONE=$(jr .id)
CSV=$'region,product,revenue,qty
EMEA,"Widget, large",10.5,1
EMEA,"Say ""hi""",20.25,2
NA,Plain,5,3
NA,Plain,100,
APAC,Plain,7.75,5
'
req POST "/api/data-sources/$DS/rows/" "$ADMIN" "$CSV" text/csv
check "upload" "$ST" 201
req POST "/api/data-sources/$GONE/rows/" "$ADMIN" $'x\n1\n' text/csv
check "upload to the source deleted later" "$ST" 201

BY_REGION="{\"data_source_id\": $DS, \"metrics\": [{\"op\": \"sum\", \"field\": \"revenue\"}, {\"op\": \"count\"}], \"dimensions\": [\"region\"]}"
BY_PRODUCT="{\"data_source_id\": $DS, \"metrics\": [{\"op\": \"sum\", \"field\": \"qty\", \"as\": \"units\"}], \"dimensions\": [\"product\"], \"order_by\": [{\"field\": \"units\", \"dir\": \"desc\"}]}"
req POST /api/analytics/query/ "$ADMIN" "$BY_REGION"
EXPECT_REGION=$(jb -c '[.columns, .rows, .row_count, .truncated]')
req POST /api/analytics/query/ "$ADMIN" "$BY_PRODUCT"
EXPECT_PRODUCT=$(jb -c '[.columns, .rows, .row_count, .truncated]')
check "the reference queries" "$ST $EXPECT_PRODUCT" \
  '200 [[{"name":"product","type":"string"},{"name":"units","type":"integer"}],[["Plain",8],["Say \"hi\"",2],["Widget, large",1]],3,false]'

# --- dashboard data -------------------------------------------------------------------
req POST /api/dashboards/ "$ADMIN" "{\"name\": \"Sales\", \"widgets\": [
  {\"id\": \"w1\", \"type\": \"bar\", \"title\": \"By region\", \"query\": $BY_REGION},
  {\"id\": \"notes\", \"type\": \"kpi\", \"title\": \"No query\"},
  {\"id\": 7, \"type\": \"table\", \"title\": \"By product\", \"query\": $BY_PRODUCT},
  {\"type\": \"kpi\", \"title\": \"Gone\", \"query\": {\"data_source_id\": $GONE, \"metrics\": [{\"op\": \"count\"}]}},
  {\"id\": \"bad\", \"type\": \"kpi\", \"title\": \"No such field\", \"query\": {\"data_source_id\": $DS, \"metrics\": [{\"op\": \"sum\", \"field\": \"nope\"}]}}]}"
check "create the dashboard" "$ST" 201
DASH=$(jr .id)
req DELETE "/api/data-sources/$GONE/" "$ADMIN"
check "delete a widget's data source" "$ST" 204

req GET "/api/dashboards/$DASH/data/" "$VIEWER"
check "dashboard data: 200, keyed by widget id, widgets with a query only" \
  "$ST $(jb -c '[.dashboard_id == '"$DASH"', (.widgets | keys_unsorted)]')" '200 [true,["w1","7","w2","bad"]]'
check "a widget's result is the query's" "$(jb -c '.widgets.w1 | [.columns, .rows, .row_count, .truncated]')" "$EXPECT_REGION"
check "an integer widget id becomes its key" "$(jb -c '.widgets["7"] | [.columns, .rows, .row_count, .truncated]')" "$EXPECT_PRODUCT"
check "widget results carry elapsed_ms" "$(jb -c '[.widgets.w1.elapsed_ms, .widgets["7"].elapsed_ms] | map(type)')" '["number","number"]'
check "a widget whose data source was deleted carries the §3 404" \
  "$(jb -c '.widgets.w2 | [.error, (.message | type), (.detail | test("data source"))]')" '["not_found","string",true]'
check "a widget naming a missing field carries the §3 400" \
  "$(jb -c '.widgets.bad | [.error, (.fields | keys)]')" '["validation_error",["metrics[0].field"]]'
req GET "/api/dashboards/$DASH/data/" "$OTHER"
check "another organization's dashboard: 404" "$ST $(jr .error)" "404 not_found"
req GET "/api/dashboards/999999/data/" "$ADMIN"
check "no such dashboard: 404" "$ST $(jr .error)" "404 not_found"
req POST /api/dashboards/ "$ADMIN" '{"name": "Empty", "widgets": [{"type": "kpi", "title": "Text"}]}'
EMPTY_DASH=$(jr .id)
req GET "/api/dashboards/$EMPTY_DASH/data/" "$ADMIN"
check "a dashboard without queries: no widgets" "$ST $(jb -c .)" "200 {\"dashboard_id\":$EMPTY_DASH,\"widgets\":{}}"

# --- report runs: JSON ---------------------------------------------------------------
req POST /api/reports/ "$ADMIN" "{\"name\": \"Weekly\", \"query\": $BY_REGION, \"format\": \"json\"}"
check "create a JSON report" "$ST $(jb -c .last_run_at)" "201 null"
REP=$(jr .id)
UPDATED=$(jr .updated_at)
sleep 1.1  # so an updated_at touched by a run would show
req POST "/api/reports/$REP/run/" "$VIEWER"
check "run: 200 with report_id, run_id and the query response" \
  "$ST $(jb -c '[.report_id, (.run_id | type), (keys_unsorted[:2])]')" "200 [$REP,\"number\",[\"report_id\",\"run_id\"]]"
check "run: the values are the query's" "$(jb -c '[.columns, .rows, .row_count, .truncated]')" "$EXPECT_REGION"
RUN1=$(jr .run_id)
RUN1_BODY=$B
req GET "/api/reports/$REP/" "$ADMIN"
check "last_run_at is set, updated_at is not touched" "$(jb -c '[(.last_run_at | type), .updated_at]')" "[\"string\",\"$UPDATED\"]"

req GET "/api/reports/$REP/runs/" "$ADMIN"
check "runs: the §2 envelope with the run" \
  "$ST $(jb -c '[.count, .next, .previous, (.results[0] | [.id, .report_id, .trigger, .status, .row_count, .error, (.started_at | type), (.finished_at | type), has("result")])]')" \
  "200 [1,null,null,[$RUN1,$REP,\"manual\",\"succeeded\",3,null,\"string\",\"string\",false]]"
req GET "/api/reports/$REP/runs/$RUN1/" "$ADMIN"
check "one run with its stored result: the body run/ answered" "$ST $(jb -c '.result')" "200 $(jq -c . <<<"$RUN1_BODY")"

# --- report runs: CSV ----------------------------------------------------------------
req POST /api/reports/ "$ADMIN" "{\"name\": \"Products\", \"query\": $BY_PRODUCT, \"format\": \"csv\"}"
CSVREP=$(jr .id)
HDRS=$(mktemp)
CSV_FILE=$(mktemp)
curl -s -D "$HDRS" -o "$CSV_FILE" -X POST "$BASE/api/reports/$CSVREP/run/" -H "$(auth "$ADMIN")"
CSV_OUT=$(cat "$CSV_FILE"; echo .)  # the trailing "." keeps the final CRLF through $(...)
CSV_OUT=${CSV_OUT%.}
check "CSV run: 200, text/csv, attachment named after the report" \
  "$(head -1 "$HDRS" | tr -d '\r' | cut -d' ' -f2) $(grep -i '^content-type:' "$HDRS" | tr -d '\r' | cut -d' ' -f2-) $(grep -i '^content-disposition:' "$HDRS" | tr -d '\r' | cut -d' ' -f2-)" \
  "200 text/csv attachment; filename=\"$CSVREP.csv\""
check "CSV: a header row, RFC 4180 quoting, CRLF line ends, the query's values" "$(od -An -c "$CSV_FILE" | tr -s ' ' | tr -d '\n')" \
  "$(printf 'product,units\r\nPlain,8\r\n"Say ""hi""",2\r\n"Widget, large",1\r\n' | od -An -c | tr -s ' ' | tr -d '\n')"
req GET "/api/reports/$CSVREP/runs/" "$ADMIN"
CSVRUN=$(jr '.results[0].id')
req GET "/api/reports/$CSVREP/runs/$CSVRUN/" "$ADMIN"
check "a CSV run's stored result is the CSV text as a string" "$ST $(jb --arg csv "$CSV_OUT" '[.row_count, (.result == $csv)]')" "200 [3,true]"

# --- large results go out in parts (chunked) --------------------------------------------
# 40,000 rows of names with quotes, commas and non-ASCII: ~1.4 MB of CSV,
# more than one 64 KiB part, so the answer is chunked and must arrive whole.
req POST /api/data-sources/ "$ADMIN" '{"name":"big","type":"upload"}'
BIG=$(jr .id)
BIG_CSV=$(mktemp)
{ echo 'id,name'; seq 1 40000 | awk '{ printf "%d,\"Ümlaut \"\"%d\"\", €\"\n", $1, $1 }'; } >"$BIG_CSV"
curl -s -o /dev/null -X POST "$BASE/api/data-sources/$BIG/rows/" -H "$(auth "$ADMIN")" -H 'Content-Type: text/csv' --data-binary "@$BIG_CSV"
BIG_Q="{\"data_source_id\": $BIG, \"metrics\": [{\"op\": \"count\"}], \"dimensions\": [\"id\", \"name\"], \"order_by\": [{\"field\": \"id\", \"dir\": \"asc\"}], \"limit\": 100000}"
req POST /api/reports/ "$ADMIN" "{\"name\": \"Big CSV\", \"query\": $BIG_Q, \"format\": \"csv\"}"
BIGCSVREP=$(jr .id)
req POST /api/reports/ "$ADMIN" "{\"name\": \"Big JSON\", \"query\": $BIG_Q}"
BIGJSONREP=$(jr .id)
BIG_OUT=$(mktemp)
curl -s -D "$HDRS" -o "$BIG_OUT" -X POST "$BASE/api/reports/$BIGCSVREP/run/" -H "$(auth "$ADMIN")"
check "a large CSV run: 200, chunked, no Content-Length" \
  "$(head -1 "$HDRS" | tr -d '\r' | cut -d' ' -f2) $(grep -ci '^transfer-encoding: chunked' "$HDRS") $(grep -ci '^content-length:' "$HDRS")" "200 1 0"
check "its CSV is whole: the header and 40,000 records, in order, quoted" \
  "$(wc -l <"$BIG_OUT") $(sed -n '2p;40001p' "$BIG_OUT" | tr -d '\r' | tr '\n' '|')" \
  '40001 1,"Ümlaut ""1"", €",1|40000,"Ümlaut ""40000"", €",1|'
BIG_TEXT=$(cat "$BIG_OUT"; echo .)
BIG_TEXT=${BIG_TEXT%.}
req GET "/api/reports/$BIGCSVREP/runs/" "$ADMIN"
BIGRUN=$(jr '.results[0].id')
curl -s -D "$HDRS" -o "$BIG_OUT" "$BASE/api/reports/$BIGCSVREP/runs/$BIGRUN/" -H "$(auth "$ADMIN")"
check "its stored result comes back chunked, the CSV escaped as one JSON string" \
  "$(grep -ci '^transfer-encoding: chunked' "$HDRS") $(jq -c '[.row_count, (.result | type)]' "$BIG_OUT")" '1 [40000,"string"]'
check "the stored CSV equals the answered one byte for byte" \
  "$(jq -j .result "$BIG_OUT" | cmp -s - <(printf '%s' "$BIG_TEXT") && echo same)" "same"
req POST /api/analytics/query/ "$ADMIN" "$BIG_Q"
BIG_EXPECT=$(jb -c '[.columns, .rows, .row_count, .truncated]' | md5sum)
curl -s -D "$HDRS" -o "$BIG_OUT" -X POST "$BASE/api/reports/$BIGJSONREP/run/" -H "$(auth "$ADMIN")"
check "a large JSON run is chunked and equals the query" \
  "$(grep -ci '^transfer-encoding: chunked' "$HDRS") $(jq -c '[.columns, .rows, .row_count, .truncated]' "$BIG_OUT" | md5sum)" \
  "1 $BIG_EXPECT"
rm -f "$BIG_CSV" "$BIG_OUT"

# --- a failed run, then the newest 3 kept -------------------------------------------------
req POST /api/data-sources/ "$ADMIN" '{"name":"doomed","type":"upload"}'
DOOMED=$(jr .id)
req POST /api/reports/ "$ADMIN" "{\"name\": \"Doomed\", \"query\": {\"data_source_id\": $DOOMED, \"metrics\": [{\"op\": \"count\"}]}}"
DOOMREP=$(jr .id)
req DELETE "/api/data-sources/$DOOMED/" "$ADMIN"
req POST "/api/reports/$DOOMREP/run/" "$ADMIN"
check "a run that fails answers its §3 error" "$ST $(jr .error)" "404 not_found"
req GET "/api/reports/$DOOMREP/runs/" "$ADMIN"
check "and is recorded as failed with that error" \
  "$(jb -c '.results[0] | [.status, .row_count, .error.error]')" '["failed",0,"not_found"]'
FAILED_RUN=$(jr '.results[0].id')
req GET "/api/reports/$DOOMREP/runs/$FAILED_RUN/" "$ADMIN"
check "a failed run has no result" "$ST $(jb -c '[.status, .result]')" '200 ["failed",null]'

for _ in 1 2 3; do req POST "/api/reports/$REP/run/" "$ADMIN"; done
LAST=$(jr .run_id)
req GET "/api/reports/$REP/runs/" "$ADMIN"
check "only the newest reports.keep_runs (3) are kept, newest first" \
  "$(jb -c '[.count, ([.results[].id] | . == (sort | reverse)), .results[0].id == '"$LAST"', ([.results[].id] | index('"$RUN1"'))]')" \
  '[3,true,true,null]'
req GET "/api/reports/$REP/runs/$RUN1/" "$ADMIN"
check "a trimmed run is gone" "$ST $(jr .error)" "404 not_found"
req GET "/api/reports/$REP/runs/?page_size=2&page=2" "$ADMIN"
check "runs paginate" "$ST $(jb -c '[.count, (.results | length), (.previous | type)]')" '200 [3,1,"string"]'
req GET "/api/reports/$REP/runs/?page=3" "$ADMIN"
check "a page past the end: 404" "$ST" 404

# --- organizations, scopes, deletion -----------------------------------------------------
req POST "/api/reports/$REP/run/" "$OTHER"
check "another organization's report cannot be run: 404" "$ST $(jr .error)" "404 not_found"
req GET "/api/reports/$REP/runs/" "$OTHER"
check "nor its runs listed" "$ST" 404
req GET "/api/reports/$REP/runs/$LAST/" "$OTHER"
check "nor one read" "$ST" 404
req GET "/api/reports/$CSVREP/runs/$LAST/" "$ADMIN"
check "a run of another report: 404" "$ST" 404

req POST /api/api-keys/ "$ADMIN" '{"name": "reports only", "scopes": ["reports:read", "dashboards:read"]}'
NARROW=$(jr .key)
req POST /api/api-keys/ "$ADMIN" '{"name": "reports and analytics", "scopes": ["reports:read", "dashboards:read", "analytics:read"]}'
WIDE=$(jr .key)
req POST "/api/reports/$REP/run/" "$NARROW"
check "running needs analytics:read too" "$ST $(jr .error)" "403 insufficient_scope"
req GET "/api/dashboards/$DASH/data/" "$NARROW"
check "dashboard data needs analytics:read too" "$ST $(jr .error)" "403 insufficient_scope"
req GET "/api/reports/$REP/runs/" "$NARROW"
check "listing runs needs reports:read only" "$ST" 200
req POST "/api/reports/$REP/run/" "$WIDE"
check "with both scopes a key runs the report" "$ST" 200
req GET "/api/dashboards/$DASH/data/" "$WIDE"
check "and reads dashboard data" "$ST" 200

req DELETE "/api/reports/$REP/" "$ADMIN"
check "delete the report" "$ST" 204
req GET "/api/reports/$REP/runs/" "$ADMIN"
check "its runs are gone with it" "$ST" 404
stop_server
start_server --reports-keep-runs 3
req GET "/api/reports/$CSVREP/runs/$CSVRUN/" "$ADMIN"
check "runs survive a restart" "$ST $(jb --arg csv "$CSV_OUT" '.result == $csv')" "200 true"
rm -f "$HDRS" "$CSV_FILE"
finish
