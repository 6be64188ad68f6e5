#!/usr/bin/env bash
# End-to-end test of claribi-admin: the same checks, with the same expected
# output, against a stopped server (claribi-admin opens the database itself)
# and a running one (every command goes over <data-dir>/admin.sock).
#
#   admin_test.sh [CLARIBI_ADMIN [DATA_DIR]]      (or ADMIN_BIN=... SERVER_BIN=... admin_test.sh)
#
# - DATA_DIR given: only the running-server checks, against the claribi-server
#   already running on DATA_DIR (which must have no organization yet).
# - Otherwise: the stopped-server checks on a fresh data directory; then, if
#   SERVER_BIN is set, the server is started on another fresh directory, the
#   checks run over its socket, and the listings taken while it runs must be
#   byte-identical to those taken after it is stopped.
set -u

ADMIN=${1:-${ADMIN_BIN:-}}
[ -n "$ADMIN" ] || { echo "usage: admin_test.sh CLARIBI_ADMIN [DATA_DIR] (or set ADMIN_BIN)"; exit 2; }
TMP=$(mktemp -d /tmp/claribi-admin-e2e-XXXXXX)
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then kill -TERM "$SERVER_PID"; wait "$SERVER_PID"; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

FAILS=0
OUT= ERR= RC=
run() {  # run ARGS...: sets OUT, ERR, RC
  OUT=$("$ADMIN" --data-dir "$DATA" "$@" 2>"$TMP/err"); RC=$?
  ERR=$(cat "$TMP/err")
}
fail() { echo "FAIL [$MODE]: $*"; echo "  rc=$RC"; echo "  stdout: $OUT" | head -20; echo "  stderr: $ERR" | head -5; FAILS=$((FAILS + 1)); }
expect_rc() { [ "$RC" = "$1" ] || fail "$2: expected exit $1"; }
expect_out() { grep -qE -- "$1" <<<"$OUT" || fail "$2: stdout lacks /$1/"; }
expect_err() { grep -qE -- "$1" <<<"$ERR" || fail "$2: stderr lacks /$1/"; }
field() { sed -n "s/^$1: //p" <<<"$OUT" | head -1; }

checks() {  # checks DATA MODE: on a data directory without organizations
DATA=$1
MODE=$2
echo "claribi-admin e2e, $MODE mode, data dir $DATA"

run is-bootstrapped;                                   expect_rc 1 "is-bootstrapped on an empty data dir"

run bootstrap --org "Acme Corp" --plan professional --ai-credits 1500 --email " Admin@Acme.COM " \
    --password 'correct horse' --first-name Jane --last-name Smith
expect_rc 0 "bootstrap"
ORG=$(field organization_id); ADMIN_ID=$(field user_id)
[ -n "$ORG" ] && [ -n "$ADMIN_ID" ] || fail "bootstrap prints organization_id and user_id"
expect_out "^email: admin@acme.com$" "bootstrap lower-cases and trims the email"
expect_out "^role: administrator$" "bootstrap makes an administrator"

run bootstrap --org "Evil Corp" --plan free --ai-credits 0 --email admin@acme.com \
    --password 'another one' --first-name E --last-name V
expect_rc 1 "second bootstrap with the same email";    expect_err "already exists" "second bootstrap message"
run is-bootstrapped;                                   expect_rc 0 "is-bootstrapped after bootstrap"

run users create --org "$ORG" --email bob@acme.com --password 'bobs password' --first-name Bob --last-name Jones --role editor
expect_rc 0 "users create editor";                     BOB=$(field user_id)
run users create --org "$ORG" --email viv@acme.com --password 'vivs password' --first-name Viv --last-name Lee
expect_rc 0 "users create viewer (default role)";      expect_out "^role: viewer$" "default role"
run users create --org "$ORG" --email BOB@acme.com --password 'whatever1' --first-name B --last-name J
expect_rc 1 "users create with a taken email";         expect_err "already exists" "taken email message"
run users create --org 999 --email new@acme.com --password 'whatever1' --first-name N --last-name N
expect_rc 1 "users create in a missing organization"
run users create --org "$ORG" --email new@acme.com --password short --first-name N --last-name N
expect_rc 2 "users create with a short password"
run users create --org "$ORG" --email not-an-email --password 'whatever1' --first-name N --last-name N
expect_rc 2 "users create with a bad email"
run users frobnicate;                                  expect_rc 2 "unknown command"

# Flags after the command, global flag at the end.
OUT=$("$ADMIN" users list --org "$ORG" --data-dir "$DATA" 2>"$TMP/err"); RC=$?; ERR=$(cat "$TMP/err")
expect_rc 0 "users list"
expect_out "^ID +ORG +EMAIL +NAME +ROLE +ACTIVE$" "users list header"
expect_out "^$ADMIN_ID +$ORG +admin@acme.com +Jane Smith +administrator +yes$" "users list admin row"
expect_out "bob@acme.com +Bob Jones +editor +yes" "users list bob row"
run users list --org 999;                              expect_rc 1 "users list of a missing organization"

# Keys: narrowed to the owner's role.
run keys create --email viv@acme.com --name ci --scopes dashboards:write
expect_rc 1 "viewer key with a write scope";           expect_err "dashboards:write" "refusal names the scope"
run keys create --email bob@acme.com --name ci --scopes dashboards:write,analytics:read --expires-at 2099-01-01T00:00:00Z
expect_rc 0 "editor key"
KEY=$(field key); KEY_ID=$(field key_id)
[[ "$KEY" =~ ^claribi_sk_live_[0-9A-Za-z]{38}$ ]] || fail "key format: $KEY"
expect_out "^scopes: dashboards:read,dashboards:write,analytics:read$" "write implies read"
expect_out "^expires_at: 2099-01-01T00:00:00Z$" "expires_at"
expect_err "only this once" "the key is shown once"
run keys create --email bob@acme.com --name x --scopes nope:read;   expect_rc 2 "unknown scope"
run keys create --email bob@acme.com --name x --scopes analytics:read --expires-at 2001-01-01T00:00:00Z
expect_rc 2 "expiry in the past"
run keys create --email nobody@acme.com --name x --scopes analytics:read; expect_rc 1 "key for an unknown email"
run keys list
expect_rc 0 "keys list"
expect_out "^$KEY_ID +$ORG +$BOB bob@acme.com +ci +${KEY:0:24} +.* active$" "keys list row"
grep -q -- "$KEY" <<<"$OUT" && fail "keys list must not show the full key"
run keys revoke --id "$KEY_ID";                        expect_rc 0 "keys revoke"; expect_out "revoked" "revoke message"
run keys revoke --id "$KEY_ID";                        expect_rc 0 "revoke again"; expect_out "already revoked" "revoke twice"
run keys revoke --id 999;                              expect_rc 1 "revoke a missing key"
run keys list --org "$ORG";                            expect_out " revoked$" "keys list shows revoked"

# Users: last administrator, disable, reset-password.
run users disable --id "$ADMIN_ID";                    expect_rc 1 "disable the last administrator"
expect_err "last active administrator" "last administrator message"
run users disable --email viv@acme.com;                expect_rc 0 "disable"; expect_out "disabled" "disable message"
run users disable --email viv@acme.com;                expect_rc 0 "disable again"; expect_out "already disabled" "idempotent"
run users list;                                        expect_out "viv@acme.com +Viv Lee +viewer +no$" "disabled user listed inactive"
run users enable --email viv@acme.com;                 expect_rc 0 "enable"
run users disable;                                     expect_rc 2 "disable without --email or --id"
run users reset-password --email bob@acme.com --password 'new password';  expect_rc 0 "reset-password"
run users reset-password --email ghost@acme.com --password 'new password'; expect_rc 1 "reset-password of an unknown user"
# Passwords from standard input (never in argv, where ps shows them).
OUT=$(printf 'from-stdin-pw\n' | "$ADMIN" --data-dir "$DATA" users reset-password --email bob@acme.com --password-stdin 2>&1); RC=$?
expect_rc 0 "reset-password --password-stdin"
OUT=$("$ADMIN" --data-dir "$DATA" users reset-password --email bob@acme.com --password-stdin 2>&1 </dev/null); RC=$?
expect_rc 2 "--password-stdin with nothing on stdin"
expect_out "nothing on standard input" "--password-stdin says what is missing"
OUT=$(printf 'short\n' | "$ADMIN" --data-dir "$DATA" users reset-password --email bob@acme.com --password-stdin 2>&1); RC=$?
expect_rc 2 "a short password from stdin is refused like one in argv"
OUT=$(printf 'x-long-password\n' | "$ADMIN" --data-dir "$DATA" users reset-password --email bob@acme.com --password y-long-password --password-stdin 2>&1); RC=$?
expect_rc 2 "--password and --password-stdin together"

# Backup: a checkpoint at B/db makes B a data directory.
mkdir -p "$TMP/$MODE-backup"
run backup "$TMP/$MODE-backup/db";                           expect_rc 0 "backup"; expect_out "^backup: $TMP/$MODE-backup/db$" "backup path"
run backup "$TMP/$MODE-backup/db";                           expect_rc 1 "backup into an existing path"
(cd "$TMP" && "$ADMIN" --data-dir "$DATA" backup $MODE-rel-backup >/dev/null 2>&1) || fail "backup to a relative path"
[ -d "$TMP/$MODE-rel-backup" ] || fail "a relative backup path is relative to the caller's directory"
OUT=$("$ADMIN" --data-dir "$TMP/$MODE-backup" users list 2>&1); RC=$?
expect_rc 0 "the backup opens"
expect_out "bob@acme.com" "the backup holds the users"

run stats
expect_rc 0 "stats"
expect_out "^organizations: 1$" "stats organizations"
expect_out "^users: 3 \(3 active\)$" "stats users"
expect_out "^api_keys: 1 \(0 active, 1 revoked, 0 expired, 0 deleted\)$" "stats keys"
run orgs list;                                         expect_out "^$ORG +Acme Corp +professional +1500 +3 +1 " "orgs list"

if [ "$MODE" = stopped-server ]; then
  run --help;                                          expect_rc 0 "--help"; expect_out "bootstrap" "--help lists commands"
  OUT=$("$ADMIN" --data-dir "$TMP/nowhere" users list 2>&1); RC=$?
  expect_rc 1 "a missing database is not created by users list"
  [ -e "$TMP/nowhere/db" ] && fail "users list created a database"
fi

}

# The listings and a refusal, for comparing the two modes.
snapshot() {  # snapshot DATA
  local c
  for c in "users list" "keys list --all" "orgs list" "is-bootstrapped"; do
    # shellcheck disable=SC2086
    "$ADMIN" --data-dir "$1" $c 2>&1; echo "[$c: exit $?]"
  done
  "$ADMIN" --data-dir "$1" users create --org 999 --email n@acme.com --password 'whatever1' --first-name N --last-name N 2>&1
  echo "[exit $?]"
  "$ADMIN" --data-dir "$1" stats 2>&1 | sed -n 1,3p
}

start_server() {  # start_server DATA
  mkdir -p "$1"
  "$SERVER_BIN" --data-dir "$1" --listen 127.0.0.1:0 --plain-listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 --threads 2 >"$TMP/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    grep -q "ready with" "$TMP/server.log" 2>/dev/null && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "server died:"; cat "$TMP/server.log"; exit 1; }
    sleep 0.1
  done
  echo "server did not start:"; cat "$TMP/server.log"; exit 1
}

if [ $# -ge 2 ]; then
  [ -S "$2/admin.sock" ] || { echo "FAIL: no admin socket at $2/admin.sock"; exit 1; }
  checks "$2" running-server
else
  checks "$TMP/stopped" stopped-server
  if [ -n "${SERVER_BIN:-}" ]; then
    start_server "$TMP/running"
    MODE=running-server
    [ -S "$TMP/running/admin.sock" ] || fail "the server made no admin socket"
    [ "$(stat -c %a "$TMP/running/admin.sock")" = 600 ] || fail "the admin socket is not mode 0600"
    checks "$TMP/running" running-server
    grep -q "admin command 'users list'" "$TMP/server.log" || fail "the commands did not go through the server"
    snapshot "$TMP/running" >"$TMP/while-running.txt"
    kill -TERM "$SERVER_PID"; wait "$SERVER_PID"; RC=$?; SERVER_PID=""
    [ "$RC" = 0 ] || fail "the server did not stop cleanly"
    [ -e "$TMP/running/admin.sock" ] && fail "the admin socket outlived the server"
    snapshot "$TMP/running" >"$TMP/while-stopped.txt"
    diff -u "$TMP/while-running.txt" "$TMP/while-stopped.txt" || fail "output differs between running and stopped server"
  fi
fi

if [ "$FAILS" -ne 0 ]; then
  echo "$FAILS check(s) failed"
  exit 1
fi
echo "all claribi-admin checks passed"
