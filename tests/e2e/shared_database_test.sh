#!/usr/bin/env bash
# Three nodes on one PostgreSQL database (issue 17, items 3 and 4): what one
# node commits takes effect on the others through the change log — a user
# created, a password changed, a user disabled, a logout, an API key
# revoked, dashboards created, renamed and deleted, rows uploaded and
# appended (two uploads to one table at once on two nodes both kept), a data
# source deleted — also after a node's SIGKILL and restart
# and after PostgreSQL's restart; and a scheduled report runs once per
# scheduled time, not once per node (a time already claimed runs nowhere).
# A second server on a node's data directory is refused.
# Each propagation check has its negative control: the state before the
# change, seen on the other node. Lags are printed, not asserted; every wait
# is bounded.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pg_lib.sh"
use_database shared
start_server
A bootstrap --org "Acme Corp" --plan professional --ai-credits 10 --email admin@acme.test \
  --password admin-password --first-name Ada --last-name Admin >/dev/null
start_node b
start_node c
# One server per data directory: on PostgreSQL no RocksDB LOCK stops a second one, the data directory's
# lock does (before it, a second server started, served node b's port and took over its admin socket).
rc=0
out=$(timeout 30 "$SERVER_BIN" --data-dir "$(node_dir b)" --listen 127.0.0.1:0 --plain-listen "" \
  --metrics-listen 127.0.0.1:0 2>&1) || rc=$?
check "a second server on node b's data directory refused, naming the holder" \
  "$([ "$rc" -ne 0 ] && echo refused) $(grep -c "in use by another claribi-server (pid ${NODE_PID[b]})" <<<"$out")" "refused 1"
on b
check "node b: still serving, its admin socket in place (control: what a second server used to take)" \
  "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/health/") $([ -S "$(node_dir b)/admin.sock" ] && echo socket)" \
  "200 socket"
on main
now_ms() { date +%s%3N; }
# until_on NODE EXPECTED CMD...: runs CMD (which prints a value) on NODE
# until it prints EXPECTED, at most 1000 times 10 ms apart (each CMD is a
# request of its own, so longer than 10 s in all); prints what it printed last and
# the milliseconds waited (to stderr: the lag, shown, never asserted).
until_on() {
  local node=$1 want=$2 got="" start
  shift 2
  on "$node"
  start=$(now_ms)
  for _ in $(seq 1 1000); do
    got=$("$@")
    [ "$got" = "$want" ] && break
    sleep 0.01
  done
  echo "    on $node after $(($(now_ms) - start)) ms: $1" >&2
  on main
  echo "$got"
}
status_of() { curl -s -o /dev/null -w '%{http_code}' -H "$(auth "$1")" "$BASE/api/auth/status/"; }
login_code() {
  curl -s -o /dev/null -w '%{http_code}' -X POST "$BASE/api/auth/login/" -H "$CT" \
    -d "{\"email\": \"$1\", \"password\": \"$2\"}"
}

ADMIN=$(login admin@acme.test admin-password)
on b
check "node b: the administrator bootstrapped through node a logs in" "$(login_code admin@acme.test admin-password)" "200"
on main

# A scheduled report first: its minute passes while the rest runs.
req POST /api/data-sources/ "$ADMIN" '{"name":"orders","type":"upload"}'
DS=$(jr .id)
req POST "/api/data-sources/$DS/rows/" "$ADMIN" $'region,revenue\nEMEA,1.5\nNA,2\n' text/csv
check "rows uploaded on node a" "$ST $(jr .appended)" "201 2"
req POST /api/reports/ "$ADMIN" "{\"name\": \"Every minute\", \"schedule\": \"* * * * *\", \"format\": \"json\",
  \"query\": {\"data_source_id\": $DS, \"metrics\": [{\"op\": \"count\"}]}}"
REP=$(jr .id)
check "a scheduled report" "$ST" "201"

# Users and passwords.
req POST /api/users/ "$ADMIN" '{"email":"vi@acme.test","password":"viewer-password","first_name":"V","last_name":"I","role":"viewer"}'
VIEWER_ID=$(jr .id)
check "node c: a user created on node a logs in" \
  "$(until_on c 200 login_code vi@acme.test viewer-password)" "200"
on b
VIEWER=$(login vi@acme.test viewer-password)
req POST /api/auth/password/ "$VIEWER" '{"current_password": "viewer-password", "new_password": "another-password"}'
check "password changed on node b" "$ST" "204"
on main
check "node a: the old password refused after the change on node b" \
  "$(until_on main 401 login_code vi@acme.test viewer-password)" "401"
on main
check "node a: ... the new one accepted" "$(login_code vi@acme.test another-password)" "200"

# Logout on a: the refresh token is refused on c; another one still works there (control).
out=$(curl -s -X POST "$BASE/api/auth/login/" -H "$CT" -d '{"email": "admin@acme.test", "password": "admin-password"}')
R1=$(jq -r .refresh <<<"$out")
out=$(curl -s -X POST "$BASE/api/auth/login/" -H "$CT" -d '{"email": "admin@acme.test", "password": "admin-password"}')
R2=$(jq -r .refresh <<<"$out")
refresh_code() {
  curl -s -o /dev/null -w '%{http_code}' -X POST "$BASE/api/auth/token/refresh/" -H "$CT" -d "{\"refresh\": \"$1\"}"
}
check "logout on node a" "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$BASE/api/auth/logout/" -H "$CT" -d "{\"refresh\": \"$R1\"}")" "204"
check "node c: the logged-out refresh token is refused" "$(until_on c 401 refresh_code "$R1")" "401"
on c
check "node c: ... another refresh token still works (control)" "$(refresh_code "$R2")" "200"
on main

# A user disabled on a: its token is refused on b (it worked there just before).
on b
V2=$(login vi@acme.test another-password)
check "node b: the viewer's token works (control)" "$(status_of "$V2")" "200"
on main
req PATCH "/api/users/$VIEWER_ID/" "$ADMIN" '{"is_active": false}'
check "viewer disabled on node a" "$ST" "200"
check "node b: the disabled user's token is refused" "$(until_on b 401 status_of "$V2")" "401"

# API keys: revoked on node a, refused on node c. Ten keys, to show the lag.
lags=""
for i in $(seq 1 10); do
  req POST /api/api-keys/ "$ADMIN" "{\"name\": \"k$i\", \"scopes\": [\"dashboards:read\"]}"
  KEY=$(jr .key)
  KEY_ID=$(jr .id)
  [ "$(until_on c 200 status_of "$KEY" 2>/dev/null)" = 200 ] || { check "node c: key $i works before revocation" no yes; continue; }
  req POST "/api/api-keys/$KEY_ID/revoke/" "$ADMIN"
  start=$(now_ms)
  got=$(until_on c 401 status_of "$KEY" 2>/dev/null)
  lags+="$(($(now_ms) - start)) "
  [ "$got" = 401 ] || check "node c: key $i refused after its revocation on node a" "$got" "401"
done
check "node c: 10 keys worked before and were refused after their revocation on node a" "$(wc -w <<<"$lags")" "10"
echo "    revocation seen on node c after (ms, each including a TLS handshake per poll): $lags"

# Dashboards: created on b, listed on c; renamed on c, read on a; deleted on a, gone on b.
on b
req POST /api/dashboards/ "$ADMIN" '{"name": "from b"}'
DASH=$(jr .id)
on main
list_names() { req GET /api/dashboards/ "$ADMIN"; jq -c '[.results[].name]' <<<"$B"; }
check "node c: the dashboard created on node b is listed" "$(until_on c '["from b"]' list_names)" '["from b"]'
on c
req PATCH "/api/dashboards/$DASH/" "$ADMIN" '{"name": "renamed on c"}'
on main
name_of() { req GET "/api/dashboards/$1/" "$ADMIN"; echo "$ST $(jr .name)"; }
check "node a: the rename on node c" "$(until_on main "200 renamed on c" name_of "$DASH")" "200 renamed on c"
on main
req DELETE "/api/dashboards/$DASH/" "$ADMIN"
check "deleted on node a" "$ST" "204"
check "node b: the deleted dashboard is gone" "$(until_on b "404 null" name_of "$DASH")" "404 null"

# Rows: uploaded and appended on a, counted on c.
count_rows() {
  req POST /api/analytics/query/ "$ADMIN" "{\"data_source_id\": $DS, \"metrics\": [{\"op\": \"count\"}]}"
  echo "$ST $(jb -c .rows)"
}
check "node c: the 2 rows uploaded on node a" "$(until_on c "200 [[2]]" count_rows)" "200 [[2]]"
req POST "/api/data-sources/$DS/rows/" "$ADMIN" $'region,revenue\nAPAC,3\n' text/csv
check "node c: the row appended on node a" "$(until_on c "200 [[3]]" count_rows)" "200 [[3]]"
# Two uploads to the one table at once, through two nodes: both kept (they
# take the table's lock in PostgreSQL in turn, each building on the other).
seq 1 40000 | awk 'BEGIN {print "region,revenue"} {print "X," $1}' >"$DATA.rows.csv"
post_rows() {
  curl -s -m 60 -o /dev/null -w '%{http_code}' -X POST -T "$DATA.rows.csv" -H "Expect:" -H "$(auth "$ADMIN")" \
    -H "Content-Type: text/csv" "$1/api/data-sources/$DS/rows" >"$DATA.$2.code"
}
post_rows "$BASE" a &
upload_a=$!
post_rows "${NODE_BASE[b]}" b &
upload_b=$!
wait "$upload_a" "$upload_b"
check "two 40,000-row uploads at once on nodes a and b" "$(cat "$DATA.a.code") $(cat "$DATA.b.code")" "201 201"
check "node c: both uploads' rows and the 3 before" "$(until_on c "200 [[80003]]" count_rows)" "200 [[80003]]"
check "node a: the same" "$(until_on main "200 [[80003]]" count_rows)" "200 [[80003]]"
rm -f "$DATA.rows.csv" "$DATA.a.code" "$DATA.b.code"
on c
check "node c: the data source's row_count" "$(req GET "/api/data-sources/$DS/" "$ADMIN"; jr .row_count)" "80003"
on main

# Node c frozen while node a appends to the table and then replaces it: when
# c goes on, the append's version lists segments the replace removed; c
# installs the table as stored and follows on (checked further down too).
kill -STOP "${NODE_PID[c]}"
req POST "/api/data-sources/$DS/rows/" "$ADMIN" $'region,revenue\nZ,9\n' text/csv
check "node a: appended while node c is frozen" "$ST" "201"
req POST "/api/data-sources/$DS/rows/?mode=replace" "$ADMIN" $'region,revenue\nR,1\nR,2\n' text/csv
check "node a: then replaced" "$ST $(jr .row_count)" "201 2"
kill -CONT "${NODE_PID[c]}"
check "node c, thawed: the table as replaced" "$(until_on c "200 [[2]]" count_rows)" "200 [[2]]"

# A data source with rows deleted on b: gone on a, its table too.
req POST /api/data-sources/ "$ADMIN" '{"name":"scratch","type":"upload"}'
DS2=$(jr .id)
req POST "/api/data-sources/$DS2/rows/" "$ADMIN" $'n\n1\n2\n' text/csv
count2() {
  req POST /api/analytics/query/ "$ADMIN" "{\"data_source_id\": $DS2, \"metrics\": [{\"op\": \"count\"}]}"
  echo "$ST"
}
check "node b: the scratch table is queryable (control)" "$(until_on b 200 count2)" "200"
on b
req DELETE "/api/data-sources/$DS2/" "$ADMIN"
check "the data source deleted on node b" "$ST" "204"
on main
check "node a: the deleted data source's table is gone" "$(until_on main 404 count2)" "404"

# Node b killed; changes meanwhile; restarted, it has them.
kill9_node b
req POST /api/dashboards/ "$ADMIN" '{"name": "while b was down"}'
start_node b
on b
check "node b after SIGKILL and restart: what changed meanwhile" "$(list_names)" '["while b was down"]'
on main

# PostgreSQL restarted: the followers reconnect and go on from where they were.
pg_stop fast
pg_start
ok=no
for _ in $(seq 1 100); do
  req POST /api/dashboards/ "$ADMIN" '{"name": "after the restart"}'
  [ "$ST" = 201 ] && { ok=yes; break; }
  sleep 0.1
done
check "PostgreSQL restarted: node a writes again" "$ok" "yes"
check "node c: a change after PostgreSQL's restart" \
  "$(until_on c '["while b was down","after the restart"]' list_names)" '["while b was down","after the restart"]'

metric() { curl -s "http://127.0.0.1:${NODE_METRICS[$1]}/metrics" | awk -v m="$2" '$1 == m {print $2}'; }
lag_sum=$(metric c claribi_cluster_change_lag_seconds_sum)
lag_n=$(metric c claribi_cluster_change_lag_seconds_count)
echo "    node c: $lag_n reads of the change log applied; mean lag from commit elsewhere to applied here: $(awk -v s="$lag_sum" -v n="$lag_n" 'BEGIN {printf "%.1f", 1000 * s / n}') ms"
check "node c's metrics: changes applied, and their lag" \
  "$(metric c claribi_cluster_changes_applied_total | awk '{print ($1 > 10)}') $(metric c claribi_cluster_change_lag_seconds_count | awk '{print ($1 > 0)}')" "1 1"

# The scheduled report: each scheduled time claimed and run by one node.
runs() { req GET "/api/reports/$REP/runs/" "$ADMIN"; jr '.count'; }
for _ in $(seq 1 900); do [ "$(runs)" != 0 ] && break; sleep 0.1; done
sleep 3  # the other nodes' schedulers saw the same minute
claims=$(psql_ -d shared -c "SELECT count(*) FROM claribi_claims WHERE name LIKE 'report/$REP/run/%'")
req GET "/api/reports/$REP/runs/" "$ADMIN"
n=$(jr .count)
check "three nodes: the schedule ran" "$([ "$n" -ge 1 ] && echo yes)" "yes"
check "... each scheduled time once: runs, their distinct minutes, claims" \
  "$(jq -r '[.results[].started_at[0:16]] | unique | length' <<<"$B") $claims" "$n $n"
# Control: the next minute claimed by someone else (a fourth node, say) runs nowhere.
t=$(psql_ -d shared -c "SELECT coalesce(max(split_part(name, '/', 4)::bigint) + 60, 0) FROM claribi_claims WHERE name LIKE 'report/$REP/run/%'")
check "the next scheduled time is known" "$([ "$t" -gt "$(date +%s)" ] && echo yes)" "yes"
psql_ -d shared -c "INSERT INTO claribi_claims (name, node) VALUES ('report/$REP/run/$t', 0) ON CONFLICT DO NOTHING"
while [ "$(date +%s)" -lt $((t + 5)) ] && [ "$(date +%s)" -lt $((t + 120)) ]; do sleep 1; done
check "a scheduled time claimed elsewhere runs on none of the three" "$(runs)" "$n"
finish
