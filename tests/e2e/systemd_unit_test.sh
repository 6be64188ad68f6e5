#!/usr/bin/env bash
# config/claribi.service passes `systemd-analyze verify` with no warning (the
# binaries' paths pointed at this build's), and its sandbox scores OK in
# `systemd-analyze security`. A unit with a mistake is caught (negative control).
set -euo pipefail
SERVER_BIN=${SERVER_BIN:?}
ADMIN_BIN=${ADMIN_BIN:?}
UNIT="$(cd "$(dirname "$0")/../.." && pwd)/config/claribi.service"
WORK=$(mktemp -d /tmp/claribi-unit-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
FAILS=0
PASSES=0
check() {
  if [ "$2" == "$3" ]; then PASSES=$((PASSES + 1)); else FAILS=$((FAILS + 1)); echo "FAIL: $1: got [$2], expected [$3]"; fi
}
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not installed (tools/install-deps.sh)"; exit 1; }

sed "s|/usr/local/bin/claribi-server|$SERVER_BIN|g" "$UNIT" >"$WORK/claribi.service"
out=$(systemd-analyze verify "$WORK/claribi.service" 2>&1 || echo "exit $?")
check "systemd-analyze verify: nothing to say" "$out" ""
for key in "Restart=on-failure" "NoNewPrivileges=yes" "ProtectSystem=strict" "ReadWritePaths=/var/lib/claribi" \
  "LimitNOFILE=65536" "ExecReload=/bin/kill -HUP \$MAINPID"; do
  check "the unit sets $key" "$(grep -cxF "$key" "$UNIT")" 1
done
level=$(systemd-analyze security --offline=yes "$WORK/claribi.service" 2>/dev/null | sed -n 's/.*Overall exposure level for claribi.service: \([0-9.]*\) \([A-Z]*\).*/\2/p')
check "systemd-analyze security: exposure OK or better" "$(case "$level" in OK|SAFE) echo ok ;; *) echo "$level" ;; esac)" ok

# Negative control: a misspelt directive and a missing binary are reported.
sed -e 's|Restart=on-failure|Restart=sometimes|' "$WORK/claribi.service" >"$WORK/bad.service"
out=$(systemd-analyze verify "$WORK/bad.service" 2>&1 || true)
check "a bad Restart= value is reported" "$(grep -c 'restart specifier' <<<"$out")" 1
sed -e "s|$SERVER_BIN|/nonexistent/claribi-server|g" "$WORK/claribi.service" >"$WORK/missing.service"
out=$(systemd-analyze verify "$WORK/missing.service" 2>&1 || true)
check "a missing binary is reported" "$([ -n "$out" ] && echo reported)" reported
echo "$PASSES passed, $FAILS failed"
[ "$FAILS" -eq 0 ]
