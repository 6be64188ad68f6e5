#!/usr/bin/env bash
# A real every-minute schedule (API.md §10): the report runs once per
# minute — observed for two scheduled times — each run recorded with
# trigger "schedule", its started_at in its own minute, last_run_at and
# next_run_at moving with it; an unscheduled report never runs. The one slow
# test of the suite (up to ~150 s: it waits for two minute boundaries).
source "$(dirname "$0")/lib.sh"
start_server
A bootstrap --org "Acme Corp" --plan professional --ai-credits 10 --email admin@acme.test \
  --password admin-password --first-name Ada --last-name Admin >/dev/null
ADMIN=$(curl -s -X POST "$BASE/api/auth/login/" -H "$CT" -d '{"email": "admin@acme.test", "password": "admin-password"}' | jq -r .access)
req POST /api/data-sources/ "$ADMIN" '{"name":"orders","type":"upload"}'
DS=$(jr .id)
req POST "/api/data-sources/$DS/rows/" "$ADMIN" $'region,revenue\nEMEA,1.5\nNA,2\n' text/csv
req POST /api/reports/ "$ADMIN" "{\"name\": \"Every minute\", \"schedule\": \"* * * * *\", \"format\": \"csv\",
  \"query\": {\"data_source_id\": $DS, \"metrics\": [{\"op\": \"sum\", \"field\": \"revenue\"}], \"dimensions\": [\"region\"]}}"
check "create a scheduled report" "$ST $(jb -c '[.last_run_at, (.next_run_at | type)]')" '201 [null,"string"]'
REP=$(jr .id)
FIRST_NEXT=$(jr .next_run_at)
req POST /api/reports/ "$ADMIN" "{\"name\": \"Never\", \"query\": {\"data_source_id\": $DS, \"metrics\": [{\"op\": \"count\"}]}}"
check "an unscheduled report has no next_run_at" "$ST $(jb -c .next_run_at)" "201 null"
NEVER=$(jr .id)

# Wait for two scheduled runs (at most two minute boundaries plus slack).
for _ in $(seq 1 150); do
  req GET "/api/reports/$REP/runs/" "$ADMIN"
  [ "$(jr .count)" -ge 2 ] 2>/dev/null && break
  sleep 1
done
check "two scheduled runs within 150 s" "$(jr .count)" 2
check "both scheduled, succeeded, 2 rows" "$(jb -c '[.results[] | [.trigger, .status, .row_count]]')" \
  '[["schedule","succeeded",2],["schedule","succeeded",2]]'
M_NEW=$(jr '.results[0].started_at' | cut -c1-16)
M_OLD=$(jr '.results[1].started_at' | cut -c1-16)
NEW_EPOCH=$(date -u -d "${M_NEW}:00Z" +%s)
OLD_EPOCH=$(date -u -d "${M_OLD}:00Z" +%s)
check "one run per minute: consecutive minutes" "$((NEW_EPOCH - OLD_EPOCH))" 60
check "the first run is the first time after the save" "$(date -u -d "${M_OLD}:00Z" +%Y-%m-%dT%H:%M:00Z)" "$FIRST_NEXT"
RUN=$(jr '.results[0].id')
req GET "/api/reports/$REP/runs/$RUN/" "$ADMIN"
check "a scheduled run keeps its CSV result" "$(jr .result | tr -d '\r')" $'region,sum_revenue\nEMEA,1.5\nNA,2.0'
req GET "/api/reports/$REP/" "$ADMIN"
NEXT_EPOCH=$(date -u -d "$(jr .next_run_at)" +%s)
check "next_run_at is the minute after the last run" "$((NEXT_EPOCH - NEW_EPOCH))" 60
check "last_run_at is that run's start" "$(jr .last_run_at | cut -c1-16)" "$M_NEW"
req GET "/api/reports/$NEVER/runs/" "$ADMIN"
check "the unscheduled report never ran" "$(jr .count)" 0
finish
