#!/usr/bin/env bash
# A private PostgreSQL 15 cluster run as `postgres` (Postgres refuses root), for tests, the demo and
# benchmarks. Usage: cluster.sh start DIR PORT | stop DIR | status DIR
# Tests run with fsync=off (speed; a crash only loses throw-away clusters); FSYNC=on starts a cluster
# with PostgreSQL's durable defaults, as the write benchmarks want. PRELOAD=1 adds fraiseql to
# shared_preload_libraries (cluster-wide operation statistics), as a production server would.
set -euo pipefail
PGBIN=$(/usr/bin/pg_config --bindir)
as_pg() { if [ "$(id -un)" = postgres ]; then "$@"; else sudo -u postgres "$@"; fi; }
cmd=${1:?start|stop|status}; dir=${2:?data directory}
case "$cmd" in
  start)
    port=${3:?port}
    if [ ! -f "$dir/PG_VERSION" ]; then
      mkdir -p "$dir"; chown postgres: "$dir"; chmod 700 "$dir"
      as_pg "$PGBIN/initdb" -D "$dir" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if as_pg "$PGBIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then exit 0; fi
    as_pg "$PGBIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
      -o "-p $port -k /tmp -c listen_addresses=localhost -c fsync=${FSYNC:-off} -c max_connections=100 -c max_prepared_transactions=10 -c timezone=UTC${PRELOAD:+ -c shared_preload_libraries=fraiseql}" start >/dev/null
    ;;
  stop)
    if [ -f "$dir/PG_VERSION" ] && as_pg "$PGBIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
      as_pg "$PGBIN/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
    fi
    ;;
  status) as_pg "$PGBIN/pg_ctl" -D "$dir" status ;;
  *) echo "usage: $0 start DIR PORT | stop DIR | status DIR" >&2; exit 2 ;;
esac
