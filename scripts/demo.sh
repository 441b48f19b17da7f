#!/usr/bin/env bash
# `make demo`: a private PostgreSQL 15 cluster with the demo blog, its GraphQL schema loaded, and the
# example queries run. The cluster stays up; `make demo-stop` stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${DEMO_DIR:-$PWD/target/demo-data}; PORT=${DEMO_PORT:-54330}; DB=fraiseql_demo
PRELOAD=1 scripts/cluster.sh start "$DIR" "$PORT"
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h /tmp -p "$PORT" -U postgres "$@"; }
psql_ -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
psql_ -d "$DB" -c "CREATE EXTENSION fraiseql" -f examples/blog/schema.sql -f examples/blog/projection.sql -f examples/blog/data.sql -f examples/blog/mutations.sql >/dev/null
echo "SELECT 'loaded schema version ' || fraiseql.load_schema(:'sdl');" \
  | psql_ -d "$DB" -At -v sdl="$(cat examples/blog/blog.graphql)"
for q in examples/blog/queries/*.graphql; do
  vars=null; [ -f "${q%.graphql}.json" ] && vars=$(cat "${q%.graphql}.json")
  echo; echo "── $q"; grep -v '^#' "$q"; [ "$vars" != null ] && echo "variables: $vars"
  echo "SELECT fraiseql.execute(:'q', :'v'::jsonb);" \
    | psql_ -d "$DB" -At -v q="$(grep -v '^#' "$q")" -v v="$vars"
done
echo; echo "── the audit chain, verified (fraiseql.verify_audit_chain())"
psql_ -d "$DB" -c "SELECT chain, ok, checked, signed FROM fraiseql.verify_audit_chain()"
echo "── per-operation statistics (fraiseql.stat_operations; the demo cluster preloads fraiseql, so they cover every connection)"
psql_ -d "$DB" -c "SELECT kind, operation, calls, errors, round(mean_ms::numeric, 2) AS mean_ms, scope FROM fraiseql.stat_operations ORDER BY kind, operation"
cat <<MSG

The demo cluster is running (data in $DIR). Connect with:
  psql -h /tmp -p $PORT -U postgres $DB
and try:
  SELECT fraiseql.execute('{ posts { title author { name } } }');
  SELECT fraiseql.health();  SELECT fraiseql.metrics();
Stop it with: make demo-stop
MSG
