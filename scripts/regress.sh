#!/usr/bin/env bash
# Golden-file tests (GraphQL → JSON): pg_regress against a private cluster with the installed extension.
# Each tests/pg_regress/sql/NAME.sql is compared with tests/pg_regress/expected/NAME.out.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=$PWD/target/regress-data; PORT=${REGRESS_PORT:-54329}; OUT=$PWD/target/regress-out
PG_REGRESS=$(/usr/bin/pg_config --pkglibdir)/pgxs/src/test/regress/pg_regress
trap 'scripts/cluster.sh stop "$DIR"' EXIT
PRELOAD=1 scripts/cluster.sh start "$DIR" "$PORT"
rm -rf "$OUT"; mkdir -p "$OUT"
tests=$(cat tests/pg_regress/schedule)
"$PG_REGRESS" --host=/tmp --port="$PORT" --user=postgres --dbname=fraiseql_regress \
  --inputdir=tests/pg_regress --outputdir="$OUT" $tests || {
    echo "golden-file differences:"; cat "$OUT/regression.diffs" 2>/dev/null | head -200; exit 1; }
# The request golden files again as a web role (LOGIN, no superuser), each on a fresh connection
# that nothing warmed: the same expected output, with the privileges deployments use.
psql -X -q -h /tmp -p "$PORT" -U postgres -d fraiseql_regress -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'golden_web') THEN CREATE ROLE golden_web LOGIN NOSUPERUSER; END IF;
END $$;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO golden_web;
GRANT INSERT, UPDATE ON tb_user, tb_comment TO golden_web;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO golden_web;
SQL
"$PG_REGRESS" --host=/tmp --port="$PORT" --user=golden_web --dbname=fraiseql_regress --use-existing \
  --inputdir=tests/pg_regress --outputdir="$OUT/web_role" $(cat tests/pg_regress/schedule_web_role) || {
    echo "golden-file differences as the web role:"; cat "$OUT/web_role/regression.diffs" 2>/dev/null | head -200; exit 1; }
tests/concurrency.sh "$PORT" fraiseql_regress
tests/projection.sh "$PORT"
tests/aggregates.py "$PORT"
tests/introspection.sh "$PORT" fraiseql_regress
tests/monitoring.sh "$PORT" fraiseql_regress "$DIR/server.log"
tests/scrape.sh "$PORT" fraiseql_regress
tests/evaluation.sh "$PORT" fraiseql_regress
tests/deploy.sh "$PORT" "$DIR"
tests/upgrade.sh "$PORT"
tests/cancel.sh "$PORT"
tests/crash.sh $((PORT + 13))
tests/fuzz.sh "$PORT" "$DIR/server.log" "${FUZZ_SEED:-20261203}" "${FUZZ_SECONDS:-60}"
