#!/usr/bin/env bash
# Cluster-wide operation statistics: with fraiseql in shared_preload_libraries (scripts/regress.sh
# starts its cluster so), requests made by several connections add up in fraiseql.stat_operations
# and fraiseql.metrics() seen from yet another connection. Run by scripts/regress.sh.
set -euo pipefail
PORT=${1:?port}; DB=${2:-fraiseql_regress}
psql_() { psql -X -q -At -v ON_ERROR_STOP=1 -h /tmp -p "$PORT" -U postgres -d "$DB" "$@"; }
psql_ -c "SELECT fraiseql.stat_reset()" >/dev/null
pids=()
for c in 1 2 3 4 5; do
  psql_ >/dev/null <<'SQL' &
SELECT fraiseql.execute('query Probe { users(limit: 1) { name } }') FROM generate_series(1, 10);
SELECT fraiseql.execute('query Probe { users(limit: 1) { nope } }');
SQL
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
got=$(psql_ -c "SELECT format('%s calls, %s errors, scope %s', calls, errors, scope) FROM fraiseql.stat_operations WHERE operation = 'Probe'")
want="55 calls, 5 errors, scope cluster"
[ "$got" = "$want" ] || { echo "monitoring: stat_operations says '$got', expected '$want'"; exit 1; }
line=$(psql_ -c "SELECT fraiseql.metrics()" | grep '^fraiseql_operations_total{schema="default",kind="query",operation="Probe"}')
[ "$line" = 'fraiseql_operations_total{schema="default",kind="query",operation="Probe"} 55' ] \
  || { echo "monitoring: metrics() says '$line'"; exit 1; }
echo "monitoring: 5 connections x 11 requests counted cluster-wide: $got; metrics() agrees"
