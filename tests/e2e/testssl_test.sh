#!/usr/bin/env bash
# testssl.sh (Debian's 3.0.8) against the HTTPS listener, as the operator in
# issue 15 ran it: protocols, cipher categories, forward secrecy, every
# vulnerability check and the HTTP headers, with nothing at MEDIUM or above
# allowed (LUCKY13 flagged the CBC suites before; HSTS must be there). The
# certificate checks (-S) are left out: the server runs on the development
# certificate it generated, which testssl rightly calls self-signed and
# without CRL/OCSP — a property of that certificate, not of the server; an
# operator's CA-issued certificate answers them. Release build only (it is
# the TLS configuration under test, not memory safety; ~1 min).
source "$(dirname "$0")/lib.sh"
command -v testssl >/dev/null || { echo "testssl not installed (tools/install-deps.sh)"; exit 1; }
start_server
JSON="$DATA.testssl.json"
trap 'rm -f "$JSON" "$DATA.testssl.txt"; cleanup' EXIT
testssl --quiet --color 0 --warnings batch --connect-timeout 10 --openssl-timeout 10 \
  -p -s -f -U -h --jsonfile "$JSON" "127.0.0.1:$PORT" >"$DATA.testssl.txt" 2>&1
check "testssl ran and wrote its findings" "$(jq 'length > 20' "$JSON" 2>/dev/null)" true
# Findings of MEDIUM, HIGH or CRITICAL severity (WARN is about testssl's own openssl: no GOST engine).
check "nothing at MEDIUM or above" \
  "$(jq -c '[.[] | select(.severity == "MEDIUM" or .severity == "HIGH" or .severity == "CRITICAL") | .id]' "$JSON")" '[]'
check "no CBC suites (LUCKY13 not vulnerable)" "$(jq -r '.[] | select(.id == "LUCKY13") | .severity' "$JSON")" OK
check "TLS 1.0 and 1.1 not offered" "$(jq -r '[.[] | select(.id == "TLS1" or .id == "TLS1_1") | .finding] | join(",")' "$JSON")" \
  "not offered,not offered"
check "HSTS a year" "$(jq -r '.[] | select(.id == "HSTS_time") | "\(.severity) \(.finding)"' "$JSON")" "OK 365 days (=31536000 seconds) > 15552000 seconds"
finish
