# A private PostgreSQL for the benchmarks that need one (sourced, after
# bench/common.sh, with WORK set): initdb's defaults with fsync and
# synchronous_commit on, scram-sha-256 over TCP on loopback, no standby.
# Processes the script adds to PIDS are stopped, and PostgreSQL with them,
# when it exits.
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PIDS=()
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  as_pg "$PGBIN/pg_ctl" -D "$WORK/pg/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# start_local_pg: sets PGPORT, POSTMASTER (its pid) and PG_URL.
start_local_pg() {
  mkdir -p "$WORK/pg"
  chmod 755 "$WORK"  # the postgres user reaches its directory (mktemp makes it 0700)
  echo bench-password >"$WORK/pg/pw"
  [ "$(id -u)" -eq 0 ] && chown -R postgres "$WORK/pg"
  PGPORT=$(free_port)
  as_pg "$PGBIN/initdb" -D "$WORK/pg/data" -A scram-sha-256 --pwfile="$WORK/pg/pw" -U claribi >/dev/null
  as_pg "$PGBIN/pg_ctl" -D "$WORK/pg/data" -w -l "$WORK/pg/log" \
    -o "-p $PGPORT -k $WORK/pg -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on" start >/dev/null
  POSTMASTER=$(head -1 "$WORK/pg/data/postmaster.pid")
  PG_URL="postgresql://claribi:bench-password@127.0.0.1:$PGPORT/postgres"
}
