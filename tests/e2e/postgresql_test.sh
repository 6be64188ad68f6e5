#!/usr/bin/env bash
# storage.backend = "postgresql" (issue 17, item 1) on a private PostgreSQL
# cluster (initdb, password authentication over TCP): the schema made by
# `claribi-admin migrate`, refused before it; the suites of the quick start,
# identities, resources, rows, analytics and report runs, each on a fresh
# database; acknowledged writes after SIGKILL; a large upload through COPY;
# ids from PostgreSQL's sequences unique across two nodes; a read-modify-
# write from a stale view refused (identity_shared_database_writes_test);
# health while PostgreSQL is down and after it is back.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg_lib.sh"

# --- the schema --------------------------------------------------------------
psql_ -d postgres -c "CREATE DATABASE fresh" >/dev/null
export CLARIBI_STORAGE_BACKEND=postgresql CLARIBI_STORAGE_POSTGRESQL_URL="$URL_BASE/fresh"
rc=0
out=$("$SERVER_BIN" --data-dir "$DATA" --listen 127.0.0.1:0 --plain-listen "" --metrics-listen "" 2>&1) || rc=$?
check "a server on an unmigrated database refuses to start, saying what to run" \
  "$([ "$rc" -ne 0 ] && echo refused) $(grep -c 'run `claribi-admin migrate` first' <<<"$out")" "refused 1"
check "... and never shows the password" "$(grep -c "$PGPASS" <<<"$out")" "0"
out=$("$ADMIN_BIN" --data-dir "$DATA" migrate)
check "migrate creates the schema" "$out" "migrate: postgresql://claribi:***@127.0.0.1:$PGPORT/fresh: schema at version 2 (was 0)"
check "migrate again: nothing to do" "$("$ADMIN_BIN" --data-dir "$DATA" migrate | sed 's/.*: //')" "schema at version 2 already"
check "one table per family, one sequence per id kind, the change log and the claims" \
  "$(psql_ -d fresh -c "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'kv\_%'") $(psql_ -d fresh -c "SELECT count(*) FROM pg_sequences WHERE sequencename LIKE 'claribi\_seq\_%'") $(psql_ -d fresh -c "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE tablename LIKE 'claribi\_%'")" \
  "12 7 claribi_change_trim,claribi_changes,claribi_claims,claribi_schema"
out=$("$SERVER_BIN" --data-dir "$DATA" --check-config 2>&1 || true)
check "--check-config masks the PostgreSQL password" \
  "$(grep -c 'storage.postgresql_url = "postgresql://claribi:\*\*\*@' <<<"$out") $(grep -c "$PGPASS" <<<"$out")" "1 0"
rc=0
out=$(CLARIBI_STORAGE_POSTGRESQL_URL="mysql://x" "$SERVER_BIN" --data-dir "$DATA" --check-config 2>&1) || rc=$?
check "a URL that is not postgresql:// is a configuration error" "$rc $(grep -c 'storage.postgresql_url' <<<"$out" | awk '{print ($1 >= 1)}')" "2 1"

# --- the suites, each on its own database ------------------------------------
# (admin_test is left out: it tests the embedded engine's backup and data directory.)
suite=0
for t in ${POSTGRESQL_TEST_SUITES:-quickstart identity users resources rows analytics report_runs schedule rows_import hardening}; do
  suite=$((suite + 1))
  use_database "suite_$suite"
  out=$(bash "$(dirname "$0")/${t}_test.sh" 2>&1) && result=passed || result=failed
  [ "$result" = passed ] || { echo "--- ${t}_test on PostgreSQL:"; grep -E "FAIL|died|error" <<<"$out" | head -20; }
  check "${t}_test passes on PostgreSQL ($(tail -1 <<<"$out"))" "$result" "passed"
done

# --- read-modify-writes from a stale view: refused, never undoing another node's change --------
# (a gtest binary of its own, on a fresh database: several nodes' identity services in one process)
use_database shared_writes
rc=0
out=$(CLARIBI_TEST_POSTGRESQL_URL="$CLARIBI_STORAGE_POSTGRESQL_URL" "${SHARED_WRITES_TEST_BIN:?}" 2>&1) || rc=$?
[ "$rc" -eq 0 ] || grep -E "Failure|Expected|Which is|actual|FAILED" <<<"$out" | head -20
check "preconditions on a shared database: a stale node cannot undo a revocation or take a taken email" \
  "$rc $(grep -c '^\[       OK \]' <<<"$out") $(grep -c '^\[  SKIPPED \]' <<<"$out")" "0 4 0"

# --- durability, COPY, ids across nodes, health -------------------------------
use_database main
start_server
A bootstrap --org "Acme Corp" --plan professional --ai-credits 10 --email admin@acme.test \
  --password admin-password --first-name Ada --last-name Admin >/dev/null
ADMIN=$(login admin@acme.test admin-password)
created=""
for i in 1 2 3 4 5; do
  req POST /api/dashboards/ "$ADMIN" "{\"name\": \"board $i\"}"
  [ "$ST" = 201 ] && created+="$(jr .id) "
done
kill9_server
start_server
listed=""
for id in $created; do
  req GET "/api/dashboards/$id" "$ADMIN"
  [ "$ST" = 200 ] && listed+="$id "
done
check "every acknowledged 201 reads back after SIGKILL" "$listed" "$created"
check "... and is in PostgreSQL" "$(psql_ -d main -c 'SELECT count(*) FROM kv_dashboards')" "5"

seq 1 300000 | awk 'BEGIN {print "n,region,amount"} {print $1 "," ($1 % 7) "," ($1 * 3)}' >"$DATA.csv"
upload_csv "$DATA.csv" "$ADMIN"
check "a 300,000-row upload (a segment past 1 MiB: COPY into kv_row_chunks)" "$ST $(jr .appended)" "201 300000"
check "its chunks are in PostgreSQL" \
  "$(psql_ -d main -c 'SELECT count(*) > 10, sum(length(v)) > 1048576 FROM kv_row_chunks')" "t|t"
query() {
  req POST /api/analytics/query/ "$ADMIN" \
    "{\"data_source_id\": $DS, \"metrics\": [{\"op\": \"count\"}, {\"op\": \"sum\", \"field\": \"amount\"}]}"
  echo "$ST $(jb -c '.rows')"
}
check "a query over it" "$(query)" "200 [[300000,135000450000]]"
kill9_server
start_server
check "the same query after SIGKILL and a restart (chunks read back from PostgreSQL)" "$(query)" \
  "200 [[300000,135000450000]]"

# Node B: its own data directory, the same database. Ids come from PostgreSQL's
# sequences in blocks, so no id is handed out twice across the nodes.
start_node b
ids=""
for i in 1 2 3 4; do
  req POST /api/dashboards/ "$ADMIN" "{\"name\": \"a$i\"}"
  ids+="$(jr .id) "
  on b
  req POST /api/dashboards/ "$ADMIN" "{\"name\": \"b$i\"}"
  ids+="$(jr .id) "
  on main
done
check "8 dashboards from two nodes: 8 distinct ids" "$(tr ' ' '\n' <<<"$ids" | grep -c .) $(tr ' ' '\n' <<<"$ids" | grep . | sort -u | wc -l)" "8 8"
check "... all 8 in PostgreSQL" "$(psql_ -d main -c "SELECT count(*) FROM kv_dashboards")" "13"
stop_node b

# PostgreSQL down: health says so and writes fail with a §3 error; back: both recover.
health() { curl -s -o /dev/null -w '%{http_code}' "$BASE/api/health/"; }
check "health with PostgreSQL up" "$(health)" "200"
pg_stop fast
check "health with PostgreSQL down: 503" "$(health)" "503"
req POST /api/dashboards/ "$ADMIN" '{"name": "while down"}'
check "a write while PostgreSQL is down is refused, with a §3 body" \
  "$([ "$ST" -ge 500 ] && echo refused) $(jq -r 'has("error") and has("message")' <<<"$B")" "refused true"
pg_start
ok=no
for _ in $(seq 1 50); do [ "$(health)" = 200 ] && { ok=yes; break; }; sleep 0.1; done
check "PostgreSQL back: health 200 again" "$ok" "yes"
req POST /api/dashboards/ "$ADMIN" '{"name": "after"}'
check "and writes succeed again (fresh connections)" "$ST" "201"
req GET /api/dashboards/ "$ADMIN"
check "the refused write left nothing behind" "$(jq '[.results[] | select(.name == "while down")] | length' <<<"$B")" "0"

out=$(A backup "$DATA/backup" 2>&1 || true)
check "backup says to use PostgreSQL's tools" "$(grep -c 'pg_basebackup' <<<"$out")" "1"
rm -f "$DATA.csv"
finish
