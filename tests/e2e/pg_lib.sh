# A private PostgreSQL cluster for the tests of storage.backend = "postgresql"
# (initdb, password authentication over TCP, fsync and synchronous_commit
# on), and more server nodes on the same database. Source after lib.sh.
#   use_database NAME      a fresh database, migrated; the server and
#                          claribi-admin take it from the environment
#   psql_ -d NAME -c SQL   a query, unaligned, tuples only
#   pg_stop [mode]; pg_start
#   start_node NAME [flags]  another node: its own data directory (the first
#                          server's JWT secret and certificate), same database;
#                          sets NODE_BASE[NAME], NODE_METRICS[NAME]
#   on NAME | on main      point req (BASE) at a node / back at the first server
#   kill9_node NAME, stop_node NAME
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$PGBIN/initdb" ] || { echo "PostgreSQL server not installed (tools/install-deps.sh installs it)"; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PGPORT=$(free_port)
PGPASS=pg-test-password
PGDIR=$(mktemp -d /tmp/claribi-e2e-pg-XXXXXX)
# initdb and postgres refuse to run as root: as the postgres user then.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" -eq 0 ] && chown postgres "$PGDIR"
echo "$PGPASS" >"$PGDIR/pw"
[ "$(id -u)" -eq 0 ] && chown postgres "$PGDIR/pw"
as_pg "$PGBIN/initdb" -D "$PGDIR/data" -A scram-sha-256 --pwfile="$PGDIR/pw" -U claribi >"$PGDIR/initdb.log" 2>&1 ||
  { cat "$PGDIR/initdb.log"; exit 1; }
pg_start() {
  as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -w -t 30 -l "$PGDIR/log" \
    -o "-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on" start >/dev/null
}
pg_stop() { as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -w -t 30 -m "${1:-fast}" stop >/dev/null 2>&1 || true; }

declare -A NODE_PID NODE_BASE NODE_METRICS
MAIN_BASE=""
node_dir() { echo "$DATA-node-$1"; }
start_node() {
  local name=$1 dir
  shift
  dir=$(node_dir "$name")
  if [ ! -d "$dir" ]; then
    mkdir -p "$dir"
    cp "$DATA/jwt.secret" "$dir/jwt.secret"
    cp -r "$DATA/tls" "$dir/tls"
  fi
  "$SERVER_BIN" --data-dir "$dir" --listen 127.0.0.1:0 --plain-listen "" --metrics-listen 127.0.0.1:0 --threads 2 \
    --auth-argon2-memory-kib 1024 --auth-argon2-iterations 1 "$@" >"$dir.log" 2>&1 &
  NODE_PID[$name]=$!
  for _ in $(seq 1 300); do
    grep -q "ready with" "$dir.log" 2>/dev/null && break
    kill -0 "${NODE_PID[$name]}" 2>/dev/null || { echo "node $name died:"; cat "$dir.log"; exit 1; }
    sleep 0.1
  done
  NODE_BASE[$name]="https://localhost:$(sed -n 's/.*https listening on .*:\([0-9]*\)$/\1/p' "$dir.log" | tail -1)"
  NODE_METRICS[$name]=$(sed -n 's/.*metrics listening on .*:\([0-9]*\) .*/\1/p' "$dir.log" | tail -1)
}
stop_node() {
  local pid=${NODE_PID[$1]:-}
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true  # not stopped within 30 s
    wait "$pid" 2>/dev/null || true
  fi
  NODE_PID[$1]=""
}
kill9_node() {
  local pid=${NODE_PID[$1]:-}
  if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  NODE_PID[$1]=""
}
ON_NODE=""
on() {
  [ -n "$ON_NODE" ] || MAIN_BASE=$BASE  # on the first server now: remember where it is
  if [ "$1" = main ]; then
    BASE=$MAIN_BASE
    ON_NODE=""
  else
    BASE=${NODE_BASE[$1]}
    ON_NODE=$1
  fi
}
pg_cleanup() {
  for n in "${!NODE_PID[@]}"; do stop_node "$n"; rm -rf "$(node_dir "$n")" "$(node_dir "$n").log"; done
  cleanup
  pg_stop immediate
  rm -rf "$PGDIR"
}
trap pg_cleanup EXIT
pg_start
export PGPASSWORD="$PGPASS"
psql_() { psql -h 127.0.0.1 -p "$PGPORT" -U claribi -X -q -t -A "$@"; }
URL_BASE="postgresql://claribi:$PGPASS@127.0.0.1:$PGPORT"
use_database() {
  psql_ -d postgres -c "CREATE DATABASE $1" >/dev/null
  export CLARIBI_STORAGE_BACKEND=postgresql CLARIBI_STORAGE_POSTGRESQL_URL="$URL_BASE/$1"
  "$ADMIN_BIN" --data-dir "$DATA" migrate >/dev/null
}
