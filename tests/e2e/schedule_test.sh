#!/usr/bin/env bash
# A real every-minute schedule (API.md §10): the report runs once per
# minute — observed for two scheduled times — each run recorded with
# trigger "schedule", its started_at in its own minute, last_run_at and
# next_run_at moving with it; an unscheduled report never runs. The one slow
# test of the suite (up to ~150 s: it waits for two minute boundaries).
# Both runs are e-mailed to the report's recipients. The server starts with
# a relay that is down (nothing listens; retries an hour apart): the first
# run's delivery fails once and is still pending when the server is
# restarted, now with a local SMTP sink (smtp_sink.py) as relay that refuses
# the first message (451) and accepts the next. The owed delivery is resumed
# at start-up and sent on its third attempt, the second run's on its first;
# the messages carry the CSV as an attachment.
source "$(dirname "$0")/lib.sh"
SINK_DIR=$(mktemp -d)
/usr/bin/python3 "$(dirname "$0")/smtp_sink.py" "$SINK_DIR" 1 &
SINK_PID=$!
trap 'kill $SINK_PID 2>/dev/null; rm -rf "$SINK_DIR"; cleanup' EXIT
for _ in $(seq 1 100); do [ -s "$SINK_DIR/port" ] && break; sleep 0.1; done
[ -s "$SINK_DIR/port" ] || { echo "the SMTP sink did not start"; exit 1; }
DOWN_PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start_server --reports-smtp-url "smtp://127.0.0.1:$DOWN_PORT" --reports-smtp-from reports@acme.test \
  --reports-smtp-retry-delay 3600
check "start-up names the relay" "$(grep -c "scheduled reports are e-mailed through smtp://127.0.0.1:$DOWN_PORT" "$LOG")" 1
A bootstrap --org "Acme Corp" --plan professional --ai-credits 10 --email admin@acme.test \
  --password admin-password --first-name Ada --last-name Admin >/dev/null
ADMIN=$(curl -s -X POST "$BASE/api/auth/login/" -H "$CT" -d '{"email": "admin@acme.test", "password": "admin-password"}' | jq -r .access)
req POST /api/data-sources/ "$ADMIN" '{"name":"orders","type":"upload"}'
DS=$(jr .id)
req POST "/api/data-sources/$DS/rows/" "$ADMIN" $'region,revenue\nEMEA,1.5\nNA,2\n' text/csv
req POST /api/reports/ "$ADMIN" "{\"name\": \"Every minute\", \"schedule\": \"* * * * *\", \"format\": \"csv\",
  \"recipients\": [\"ops@acme.test\", \"CFO@acme.test\"],
  \"query\": {\"data_source_id\": $DS, \"metrics\": [{\"op\": \"sum\", \"field\": \"revenue\"}], \"dimensions\": [\"region\"]}}"
check "create a scheduled report" "$ST $(jb -c '[.last_run_at, (.next_run_at | type)]')" '201 [null,"string"]'
REP=$(jr .id)
FIRST_NEXT=$(jr .next_run_at)
req POST /api/reports/ "$ADMIN" "{\"name\": \"Never\", \"query\": {\"data_source_id\": $DS, \"metrics\": [{\"op\": \"count\"}]}}"
check "an unscheduled report has no next_run_at" "$ST $(jb -c .next_run_at)" "201 null"
NEVER=$(jr .id)

# The first scheduled run (at most one minute boundary), its delivery tried
# once against the relay that is down.
for _ in $(seq 1 75); do
  req GET "/api/reports/$REP/runs/" "$ADMIN"
  [ "$(jb -c '.results[0].delivery.attempts')" = 1 ] && break
  sleep 1
done
check "the first run's delivery failed once and is pending" \
  "$(jb -c '[.count, (.results[0].delivery | [.status, .attempts, (.error | test("connect"; "i"))])]')" '[1,["pending",1,true]]'
stop_server
start_server --reports-smtp-url "smtp://127.0.0.1:$(cat "$SINK_DIR/port")" --reports-smtp-from reports@acme.test \
  --reports-smtp-retry-delay 1
check "the restarted server resumes the owed delivery" "$(grep -c '1 report deliveries still pending resumed' "$LOG")" 1

# The second scheduled run (the next minute boundary plus slack).
for _ in $(seq 1 90); do
  req GET "/api/reports/$REP/runs/" "$ADMIN"
  [ "$(jr .count)" -ge 2 ] 2>/dev/null && break
  sleep 1
done
check "two scheduled runs in two minutes" "$(jr .count)" 2
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

# Delivery: wait until both runs are no longer pending (the retry comes 1 s after the refusal).
for _ in $(seq 1 60); do
  req GET "/api/reports/$REP/runs/" "$ADMIN"
  [ "$(jb -c '[.results[].delivery.status] | map(select(. == "pending")) | length')" = 0 ] && break
  sleep 0.5
done
check "the owed delivery was resumed, refused, retried and sent; the next one sent at once" \
  "$(jb -c '[.results[].delivery | [.status, .attempts, .error]] | reverse')" '[["sent",3,null],["sent",1,null]]'
check "the sink kept two messages" "$(ls "$SINK_DIR"/*.eml 2>/dev/null | wc -l)" 2
check "envelope: the sender and both recipients" "$(cat "$SINK_DIR/001.env")" $'from reports@acme.test\nto ops@acme.test cfo@acme.test'
MSG=$(/usr/bin/python3 - "$SINK_DIR/001.eml" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
att = [p for p in m.iter_attachments()]
print(m["Subject"])
print(m["To"])
print(att[0].get_filename(), att[0].get_content_type())
print(att[0].get_content().replace("\r\n", "|"))
PY
)
check "the message: subject, recipients, the CSV attached" "$MSG" \
  "Report \"Every minute\" ($(jr '.results[1].started_at'))
ops@acme.test, cfo@acme.test
$REP.csv text/csv
region,sum_revenue|EMEA,1.5|NA,2.0|"
finish
