#!/usr/bin/env bash
# Crash and verify: clients append mutations while backends are terminated, cancelled and killed
# with SIGKILL, and the server is stopped with -m immediate and started again. Afterwards every
# commit a client saw confirmed has exactly one audit entry and one row, no entry exists without its
# row (a rolled-back mutation leaves no entry), and every chain verifies. A prepared mutation keeps
# its chain locked across an immediate stop (another mutation on it waits) and then commits one entry.
# Usage: crash.sh PORT (a cluster of its own on that port; scripts/regress.sh passes its PORT + 13).
set -euo pipefail
PORT=${1:?port}
DIR=$PWD/target/crash-data; WORK=$PWD/target/crash-work; DB=fraiseql_crash
CLIENTS=4; SECONDS_OF_FAULTS=${CRASH_SECONDS:-16}
as_pg() { if [ "$(id -un)" = postgres ]; then "$@"; else sudo -u postgres "$@"; fi; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 -h /tmp -p "$PORT" -U postgres -d "$DB" "$@"; }
fail() { echo "crash: FAIL: $*"; exit 1; }
cleanup() { kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; scripts/cluster.sh stop "$DIR" || true; }
trap cleanup EXIT
# up: the server answers again (after a SIGKILL's crash recovery, or started again after a stop)
up() {
  for _ in $(seq 1 60); do
    q -c "SELECT 1" >/dev/null 2>&1 && return 0
    FSYNC=on scripts/cluster.sh start "$DIR" "$PORT" >/dev/null 2>&1 || true
    sleep 0.5
  done
  fail "the server did not come back; see $DIR/server.log"
}
rm -rf "$WORK"; mkdir -p "$WORK"
scripts/cluster.sh stop "$DIR" 2>/dev/null || true
rm -rf "$DIR" 2>/dev/null || as_pg rm -rf "$DIR"
FSYNC=on scripts/cluster.sh start "$DIR" "$PORT"
psql -X -q -h /tmp -p "$PORT" -U postgres -d postgres -c "CREATE DATABASE $DB" >/dev/null
q >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION fraiseql;
\i examples/blog/schema.sql
\i examples/blog/projection.sql
\i examples/blog/mutations.sql
\set sdl `cat examples/blog/blog.graphql`
SELECT fraiseql.load_schema(:'sdl');
SELECT fraiseql.audit_set_key('crash-key', decode(repeat('ef', 32), 'hex'));
SQL

# a client: one fresh connection per mutation (tenant c<N>: a chain each, plus a shared one)
client() {
  local c=$1 i=0 ident out
  while [ ! -f "$WORK/stop" ]; do
    i=$((i + 1)); ident="c$c-$i"
    out=$(psql -X -q -At -h /tmp -p "$PORT" -U postgres -d "$DB" 2>/dev/null <<SQL || true
SELECT set_config('request.jwt.claims', '{"tenant_id": "$( [ $((i % 2)) = 0 ] && echo shared || echo "t$c")"}', false) \g /dev/null
SELECT fraiseql.execute('mutation (\$i: CreateUserInput!) { createUser(input: \$i) { __typename } }',
                        '{"i": {"identifier": "$ident", "name": "Crash"}}')->'data'->'createUser'->>'__typename';
SQL
)
    [ "$out" = CreateUserSuccess ] && echo "$ident" >> "$WORK/confirmed.$c"
  done
}
for c in $(seq 1 $CLIENTS); do client "$c" & done

terminated=0; cancelled=0; killed=0; stopped=0
end=$((SECONDS + SECONDS_OF_FAULTS))
while [ $SECONDS -lt $end ]; do
  sleep 0.$((RANDOM % 5 + 1))
  pid=$(q -c "SELECT pid FROM pg_stat_activity WHERE datname = '$DB' AND pid <> pg_backend_pid() AND backend_type = 'client backend' ORDER BY random() LIMIT 1" 2>/dev/null || true)
  [ -n "$pid" ] || continue
  case $((RANDOM % 12)) in
    0|1|2|3|4) q -c "SELECT pg_terminate_backend($pid)" >/dev/null 2>&1 && terminated=$((terminated + 1)) || true ;;
    5|6|7|8|9) q -c "SELECT pg_cancel_backend($pid)" >/dev/null 2>&1 && cancelled=$((cancelled + 1)) || true ;;
    10) as_pg kill -9 "$pid" 2>/dev/null && killed=$((killed + 1)) || true; sleep 1; up ;;
    11) as_pg "$(/usr/bin/pg_config --bindir)/pg_ctl" -D "$DIR" -m immediate -w stop >/dev/null 2>&1 || true
        up; stopped=$((stopped + 1)) ;;
  esac
done
if [ $killed -eq 0 ]; then  # at least one SIGKILL each run (the postmaster then restarts every backend)
  for try in $(seq 1 100); do
    pid=$(q -c "SELECT pid FROM pg_stat_activity WHERE datname = '$DB' AND pid <> pg_backend_pid() AND backend_type = 'client backend' LIMIT 1" 2>/dev/null || true)
    if [ -n "$pid" ] && as_pg kill -9 "$pid" 2>/dev/null; then killed=1; break; fi
    sleep 0.05
  done
  sleep 1; up
fi
if [ $stopped -eq 0 ]; then  # at least one immediate stop each run
  as_pg "$(/usr/bin/pg_config --bindir)/pg_ctl" -D "$DIR" -m immediate -w stop >/dev/null
  up; stopped=1
fi
touch "$WORK/stop"; wait
up
# A prepared mutation keeps its chain locked across an immediate stop, then commits its one entry.
q >/dev/null <<'SQL'
BEGIN;
SELECT set_config('request.jwt.claims', '{"tenant_id": "prepared"}', true);
SELECT fraiseql.execute('mutation ($i: CreateUserInput!) { createUser(input: $i) { __typename } }', '{"i": {"identifier": "p-1", "name": "Prepared"}}');
PREPARE TRANSACTION 'crash-p1';
SQL
as_pg "$(/usr/bin/pg_config --bindir)/pg_ctl" -D "$DIR" -m immediate -w stop >/dev/null; up
[ "$(q -c "SELECT count(*) FROM pg_prepared_xacts WHERE gid = 'crash-p1'")" = 1 ] || fail "the prepared transaction did not survive the restart"
blocked=$(q 2>&1 <<'SQL' || true
SET lock_timeout = '500ms';
SELECT set_config('request.jwt.claims', '{"tenant_id": "prepared"}', false) \g /dev/null
SELECT fraiseql.execute('mutation ($i: CreateUserInput!) { createUser(input: $i) { __typename } }', '{"i": {"identifier": "p-2", "name": "Blocked"}}');
SQL
)
case "$blocked" in *"lock timeout"*) ;; *) fail "a mutation on the prepared transaction's chain did not wait for it: $blocked" ;; esac
q -c "COMMIT PREPARED 'crash-p1'" >/dev/null
[ "$(q -c "SELECT count(*) FROM fraiseql.audit_log WHERE chain = 'prepared'")" = 1 ] || fail "the prepared mutation did not keep exactly one entry"
echo p-1 >> "$WORK/confirmed.prepared"
cat "$WORK"/confirmed.* 2>/dev/null | sort > "$WORK/confirmed" || true
confirmed=$(wc -l < "$WORK/confirmed")
[ "$confirmed" -gt 50 ] || fail "only $confirmed confirmed commits: the clients did not run"
q -c "CREATE TABLE confirmed (ident text PRIMARY KEY)" -c "\\copy confirmed FROM '$WORK/confirmed'"
bad=$(q -c "SELECT count(*) FROM confirmed c WHERE (SELECT count(*) FROM fraiseql.audit_log a WHERE a.variables->'i'->>'identifier' = c.ident) <> 1
                                              OR NOT EXISTS (SELECT FROM tb_user u WHERE u.identifier = c.ident)")
[ "$bad" = 0 ] || fail "$bad confirmed commits without exactly one audit entry and their row"
orphans=$(q -c "SELECT count(*) FROM fraiseql.audit_log a WHERE NOT EXISTS (SELECT FROM tb_user u WHERE u.identifier = a.variables->'i'->>'identifier')")
[ "$orphans" = 0 ] || fail "$orphans audit entries whose mutation did not commit"
dupes=$(q -c "SELECT count(*) FROM (SELECT variables->'i'->>'identifier' FROM fraiseql.audit_log GROUP BY 1 HAVING count(*) > 1) d")
[ "$dupes" = 0 ] || fail "$dupes mutations with more than one entry"
verified=$(q -c "SELECT count(*) || ' chains, ' || count(*) FILTER (WHERE NOT ok) || ' bad' FROM fraiseql.verify_audit_chain()")
case "$verified" in *" 0 bad") ;; *) fail "verification: $verified" ;; esac
entries=$(q -c "SELECT count(*) FROM fraiseql.audit_log")
echo "crash: ok: $terminated terminations, $cancelled cancels, $killed kill -9, $stopped immediate stops; a prepared mutation held its chain across a restart; $confirmed confirmed commits each kept exactly one entry and row; $entries entries, none without its row; $verified"
