#!/usr/bin/env bash
# claribi-admin rows import end to end (API.md §10 rows of an upload data
# source, README "Operating it"): with the server running, a generated CSV of
# 300,000 rows goes over the admin socket (the tool passes the open file, the
# server feeds the upload pipeline) and the API shows the rows; the summary
# line; progress lines on a non-terminal stderr (no \r), and a redrawn bar on
# a terminal; a refused file (bad row, bad JSON) exits 1 with the API's own
# detail and appends nothing; unknown and non-upload data sources exit 1;
# usage errors exit 2; JSON by extension and by --format; a pipe as FILE
# (size unknown); other admin commands are answered while an import runs;
# a tool killed in the middle of an import appends nothing; --replace. Then
# the server is stopped and the same import runs in the tool itself (same
# output), and after a restart the API's row_count includes both imports.
source "$(dirname "$0")/lib.sh"
start_server
A bootstrap --org "Acme Corp" --plan professional --ai-credits 10 --email admin@acme.test \
  --password admin-password --first-name Ada --last-name Admin >/dev/null

login() { curl -s -X POST "$BASE/api/auth/login/" -H "$CT" -d "{\"email\": \"$1\", \"password\": \"$2\"}" | jq -r .access; }
# as_admin METHOD PATH [BODY [CONTENT-TYPE]]: req with the administrator's token.
as_admin() {
  local method=$1 path=$2
  shift 2
  req "$method" "$path" "$TOKEN" "$@"
}
schema_count() { as_admin GET "/api/data-sources/$1/schema/"; jr .row_count; }
# imp ARGS...: runs claribi-admin rows import ARGS, stderr to a file (not a
# terminal); sets OUT, ERR, RC.
imp() {
  OUT=$(A rows import "$@" 2>"$DATA/import.err") && RC=0 || RC=$?
  ERR=$(cat "$DATA/import.err")
}
TOKEN=$(login admin@acme.test admin-password)

as_admin POST /api/data-sources/ '{"name":"orders","type":"upload"}'
check "upload data source" "$ST" 201
DS=$(jr .id)
as_admin POST /api/data-sources/ '{"name":"warehouse","type":"postgresql"}'
PG=$(jr .id)

ROWS=300000
python3 - "$DATA/orders.csv" "$ROWS" <<'EOF'
import sys
path, n = sys.argv[1], int(sys.argv[2])
regions = ["EMEA", "NA", "APAC", "LATAM", "ANZ"]
with open(path, "w") as f:
    f.write("id,region,amount,ts\n")
    for i in range(1, n + 1):
        f.write("%d,%s,%d.%02d,2025-01-%02dT00:00:00Z\n" % (i, regions[i % 5], i % 1000, i % 100, 1 + i % 28))
EOF

# --- server running: the import goes over the admin socket ---------------------------
imp --data-source "$DS" "$DATA/orders.csv"
check "import: exit" "$RC" 0
check "import: summary line" "$OUT" "imported $ROWS rows into data source $DS (row_count $ROWS)"
check "import went through the server" "$(grep -c "admin command 'rows import' from uid [0-9]*: exit 0" "$LOG")" 1
check "progress: first line at 0%" "$(head -1 <<<"$ERR" | grep -cE '^rows import: 0% \(0\.0 of [0-9.]+ MB, 0 rows, ')" 1
# (rows/s and the time left need 50 ms of history: "-" and none before.)
check "progress: last line at 100%" "$(tail -1 <<<"$ERR" | grep -cE "^rows import: 100% \(([0-9.]+) of \1 MB, 300,000 rows, ([0-9,]+ rows/s, ETA 0:00|- rows/s)\)$")" 1
check "progress: no carriage return when stderr is not a terminal" "$(tr -cd '\r' <<<"$ERR" | wc -c)" 0
check "progress: nothing but progress lines" "$(grep -vc '^rows import: ' <<<"$ERR")" 0
check "schema row_count" "$(schema_count "$DS")" "$ROWS"
as_admin GET "/api/data-sources/$DS/schema/"
check "schema types" "$(jb -c '[.columns[] | [.name, .type]]')" '[["id","integer"],["region","string"],["amount","float"],["ts","timestamp"]]'
as_admin GET "/api/data-sources/$DS/rows/?page_size=2"
check "first rows" "$(jb -c '[.count, .results]')" \
  "[$ROWS,[{\"id\":1,\"region\":\"NA\",\"amount\":1.01,\"ts\":\"2025-01-02T00:00:00Z\"},{\"id\":2,\"region\":\"APAC\",\"amount\":2.02,\"ts\":\"2025-01-03T00:00:00Z\"}]]"
as_admin GET "/api/data-sources/$DS/rows/?page_size=100&page=$((ROWS / 100))"
check "last row" "$(jb -c '.results[99].id')" "$ROWS"
as_admin GET "/api/data-sources/$DS/"
check "row_count on the data source" "$(jr .row_count)" "$ROWS"

# --- a refusal: the API's words, nothing appended --------------------------------------
python3 - "$DATA/bad.csv" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write("id,region,amount,ts\n")
    for i in range(1, 150001):
        f.write("%d,X,%s,2025-02-01\n" % (i, "abc" if i == 120000 else "1.5"))
EOF
as_admin POST "/api/data-sources/$DS/rows/" "@$DATA/bad.csv" text/csv
BAD_DETAIL=$(jr .detail)
check "the API refuses the bad file" "$ST $(jr .error)" "400 validation_error"
imp --data-source "$DS" "$DATA/bad.csv"
check "bad row: exit" "$RC" 1
check "bad row: stdout empty" "$OUT" ""
check "bad row: the API's detail" "$(grep -v '^rows import: ' <<<"$ERR")" "claribi-admin: $BAD_DETAIL"
check "bad row: names row and column" "$(grep -c 'Row 120000.*amount.*Nothing was appended\.$' <<<"$ERR")" 1
check "bad row: nothing appended" "$(schema_count "$DS")" "$ROWS"

printf '[{"id": 1}, {"id": }]' >"$DATA/bad.json"
as_admin POST "/api/data-sources/$DS/rows/" "$(cat "$DATA/bad.json")"
API_DETAIL=$(jr .detail)
imp --data-source "$DS" "$DATA/bad.json"
check "bad json (format from .json): exit" "$RC" 1
check "bad json: the API's invalid_json detail" "$(grep -v '^rows import: ' <<<"$ERR")" "claribi-admin: $API_DETAIL"
check "bad json: detail has the offset" "$(grep -c 'JSON parse error at byte offset [0-9]' <<<"$ERR")" 1
check "bad json: nothing appended" "$(schema_count "$DS")" "$ROWS"

# --- the data source and the command line ----------------------------------------------
imp --data-source "$PG" "$DATA/orders.csv"
check "postgresql data source: exit" "$RC" 1
check "postgresql data source: message" "$(grep -c "data source $PG (warehouse) is not an upload data source" <<<"$ERR")" 1
imp --data-source 999999 "$DATA/orders.csv"
check "unknown data source" "$RC $ERR" "1 claribi-admin: no data source with id 999999"
imp --data-source "$DS" "$DATA/missing.csv"
check "missing file" "$RC $(grep -c "cannot open $DATA/missing.csv: No such file" <<<"$ERR")" "1 1"
imp --data-source "$DS" "$DATA"
check "a directory" "$RC" 1
imp "$DATA/orders.csv";                                  check "usage: no --data-source" "$RC" 2
imp --data-source "$DS";                                 check "usage: no FILE" "$RC" 2
imp --data-source 0 "$DATA/orders.csv";                  check "usage: id 0" "$RC" 2
imp --data-source "$DS" --format xml "$DATA/orders.csv"; check "usage: --format xml" "$RC" 2
imp --data-source "$DS" --frobnicate "$DATA/orders.csv"; check "usage: unknown flag" "$RC" 2
check "usage error names the option" "$(grep -c -- '--frobnicate' <<<"$ERR")" 1
OUT=$(A rows import --help 2>&1) && RC=0 || RC=$?
check "rows import --help" "$RC $(grep -c -- '--replace' <<<"$OUT")" "0 1"
OUT=$(A rows 2>&1) && RC=0 || RC=$?
check "rows without a subcommand" "$RC" 2

# --- JSON, by --format; a pipe as FILE (size unknown) -----------------------------------
printf '[{"id": %d, "region": "JS", "amount": 0.5, "ts": "2025-03-01"}, {"id": 2, "region": null}]' "$((ROWS + 1))" >"$DATA/two.txt"
imp --data-source "$DS" --format json "$DATA/two.txt"
check "json by --format" "$RC $OUT" "0 imported 2 rows into data source $DS (row_count $((ROWS + 2)))"
OUT=$(printf 'id,region\n%d,PIPE\n' "$((ROWS + 3))" | A rows import --data-source "$DS" /dev/stdin 2>"$DATA/import.err") && RC=0 || RC=$?
check "a pipe" "$RC $OUT" "0 imported 1 row into data source $DS (row_count $((ROWS + 3)))"
check "a pipe: progress without a size, ending at the final count" \
  "$(grep -cE '^rows import: [0-9.]+ MB, [0-9,]+ rows, ' "$DATA/import.err" | awk '{print ($1 >= 1)}') $(tail -1 "$DATA/import.err" | grep -c ', 1 rows, ')" "1 1"
check "a pipe: no percentage" "$(grep -c '%' "$DATA/import.err")" 0
BEFORE=$(schema_count "$DS")

# --- while an import runs: other commands answer; a killed tool appends nothing -----------
# A FIFO as FILE: the import waits for bytes for as long as the writer (fd 3)
# keeps it open. It gets a header and 99,999 rows.
IMPORTS_LOGGED=$(grep -c "admin command 'rows import'" "$LOG")
mkfifo "$DATA/slow.csv"
"$ADMIN_BIN" --data-dir "$DATA" rows import --data-source "$DS" "$DATA/slow.csv" >"$DATA/slow.out" 2>"$DATA/slow.err" &
TOOL=$!
exec 3>"$DATA/slow.csv"
head -n 100000 "$DATA/orders.csv" >&3
for _ in $(seq 1 50); do grep -q "^rows import: " "$DATA/slow.err" 2>/dev/null && break; sleep 0.1; done
OUT=$(timeout 10 "$ADMIN_BIN" --data-dir "$DATA" stats 2>&1) && RC=0 || RC=$?
check "stats answered while an import runs" "$RC $(grep -c '^organizations: 1$' <<<"$OUT")" "0 1"
check "the import is in progress meanwhile" "$(kill -0 "$TOOL" 2>/dev/null && echo running)" running
# Size unknown: a line at the start, then one every 5 s.
for _ in $(seq 1 100); do grep -q "[1-9][0-9,]* rows" "$DATA/slow.err" 2>/dev/null && break; sleep 0.1; done
# (The rows count is the parser's: it trails the bytes read by up to a block.)
check "progress of a FIFO import, 5 s later" "$(grep -cE "^rows import: [0-9.]+ MB, [1-9][0-9,]* rows, [0-9,]+ rows/s$" "$DATA/slow.err")" 1
kill -TERM "$TOOL"
wait "$TOOL" 2>/dev/null || true
# The writer stays open: only the tool's going away can end this import.
for _ in $(seq 1 100); do
  [ "$(grep -c "admin command 'rows import'" "$LOG")" -gt "$IMPORTS_LOGGED" ] && break
  sleep 0.1
done
check "the server cancelled the import of the killed tool" \
  "$(grep "admin command 'rows import'" "$LOG" | tail -1 | grep -c "exit 1$")" 1
exec 3>&-
check "a killed import appends nothing" "$(schema_count "$DS")" "$BEFORE"
check "staging directory empty" "$(ls "$DATA/staging" | wc -l)" 0

# --- a terminal: a bar redrawn with \r ------------------------------------------------------
script -qec "$ADMIN_BIN --data-dir $DATA rows import --data-source $DS $DATA/orders.csv" /dev/null >"$DATA/tty.out" 2>&1 || true
check "terminal: redrawn with carriage returns" "$(($(tr -cd '\r' <"$DATA/tty.out" | wc -c) >= 2))" 1
check "terminal: bar, percentage, rows/s" "$(grep -c '] 100%  [0-9.]*/[0-9.]* MB  [0-9,]* rows/s  ETA 0:00' "$DATA/tty.out")" 1
check "terminal: summary" "$(grep -c "imported $ROWS rows into data source $DS (row_count $((BEFORE + ROWS)))" "$DATA/tty.out")" 1
RUNNING_TOTAL=$((BEFORE + ROWS))

# --- stopping the server cancels an import still reading its file -------------------------
rm -f "$DATA/slow.csv"
mkfifo "$DATA/slow.csv"
"$ADMIN_BIN" --data-dir "$DATA" rows import --data-source "$DS" "$DATA/slow.csv" >"$DATA/slow.out" 2>"$DATA/slow.err" &
TOOL=$!
exec 3>"$DATA/slow.csv"
head -n 100000 "$DATA/orders.csv" >&3
for _ in $(seq 1 50); do grep -q "^rows import: " "$DATA/slow.err" 2>/dev/null && break; sleep 0.1; done
kill -TERM "$SERVER_PID"
for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
check "the server stops within 10 s while an import waits for bytes" "$(kill -0 "$SERVER_PID" 2>/dev/null && echo running || echo stopped)" stopped
kill -KILL "$SERVER_PID" 2>/dev/null || true
wait "$SERVER_PID" && RC=0 || RC=$?
SERVER_PID=""
check "the server exits 0" "$RC" 0
for _ in $(seq 1 50); do kill -0 "$TOOL" 2>/dev/null || break; sleep 0.1; done
wait "$TOOL" && RC=0 || RC=$?
exec 3>&-
check "the tool hears that the import was cancelled" "$RC $(grep -v '^rows import: ' "$DATA/slow.err")" \
  "1 claribi-admin: the import into data source $DS was cancelled (the server is stopping); nothing was appended"
check "and prints no summary" "$(cat "$DATA/slow.out")" ""

# --- server stopped: the same import in the tool itself ----------------------------------
check "no admin socket while stopped" "$([ -e "$DATA/admin.sock" ] && echo yes || echo no)" no
imp --data-source "$DS" "$DATA/orders.csv"
check "stopped: exit" "$RC" 0
check "stopped: same summary line" "$OUT" "imported $ROWS rows into data source $DS (row_count $((RUNNING_TOTAL + ROWS)))"
check "stopped: progress from 0% to 100%" \
  "$(head -1 <<<"$ERR" | grep -c '^rows import: 0% ') $(tail -1 <<<"$ERR" | grep -c '^rows import: 100% (.*300,000 rows')" "1 1"
check "stopped: nothing but progress lines" "$(grep -vc '^rows import: ' <<<"$ERR")" 0
imp --data-source "$DS" "$DATA/bad.csv"
check "stopped: bad row, the same words as the API" "$RC $(grep -v '^rows import: ' <<<"$ERR")" "1 claribi-admin: $BAD_DETAIL"
imp --data-source "$PG" "$DATA/orders.csv"
check "stopped: postgresql data source" "$RC $(grep -c "is not an upload data source" <<<"$ERR")" "1 1"
imp --data-source 999999 "$DATA/orders.csv"
check "stopped: unknown data source" "$RC $ERR" "1 claribi-admin: no data source with id 999999"
check "stopped: staging directory empty" "$(ls "$DATA/staging" | wc -l)" 0

start_server
TOKEN=$(login admin@acme.test admin-password)
TOTAL=$((RUNNING_TOTAL + ROWS))
check "after restart: schema row_count has both imports" "$(schema_count "$DS")" "$TOTAL"
as_admin GET "/api/data-sources/$DS/"
check "after restart: data source row_count" "$(jr .row_count)" "$TOTAL"
as_admin GET "/api/data-sources/$DS/rows/?page_size=1&page=$TOTAL"
check "after restart: the last row is the stopped-server import's" "$(jb -c '.results[0].id')" "$ROWS"

# --- --replace, running and stopped -------------------------------------------------------
printf 'sku,qty\nA-1,3\nB-2,\nC-3,7\n' >"$DATA/small.csv"
imp --data-source "$DS" --replace "$DATA/small.csv"
check "replace (running)" "$RC $OUT" "0 imported 3 rows into data source $DS (row_count 3)"
as_admin GET "/api/data-sources/$DS/rows/"
check "replace: only the new rows, schema afresh" "$(jb -c '[.count, .results]')" \
  '[3,[{"sku":"A-1","qty":3},{"sku":"B-2","qty":null},{"sku":"C-3","qty":7}]]'
stop_server
imp --data-source "$DS" --replace "$DATA/orders.csv"
check "replace (stopped)" "$RC $OUT" "0 imported $ROWS rows into data source $DS (row_count $ROWS)"
start_server
TOKEN=$(login admin@acme.test admin-password)
as_admin GET "/api/data-sources/$DS/schema/"
check "after replace and restart" "$(jb -c '[.row_count, [.columns[].name]]')" "[$ROWS,[\"id\",\"region\",\"amount\",\"ts\"]]"
finish
