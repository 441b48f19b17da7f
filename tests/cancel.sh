#!/usr/bin/env bash
# Requests that pass the limits still stop: a document of 2,000 aliased filtered scans (the limits
# relaxed to let it in; each scan ~10-20 ms here, so ~30 s of work) must stop within a couple of
# seconds of statement_timeout and of pg_cancel_backend — with JIT forced on for everything else
# (jit_above_cost = 0), because LLVM compiling one huge statement never checks for interrupts. The
# bounds are generous (correctness, not speed: a stuck request takes tens of seconds).
# Run by scripts/regress.sh: cancel.sh PORT.
set -euo pipefail
PORT=${1:?port}; DB=fraiseql_cancel
psql_() { psql -X -q -At -v ON_ERROR_STOP=1 -h /tmp -p "$PORT" -U postgres -d "$DB" "$@"; }
fail() { echo "cancel: FAIL: $*"; exit 1; }
now_ms() { date +%s%3N; }
psql -X -q -h /tmp -p "$PORT" -U postgres -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" 2>/dev/null
psql_ >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION fraiseql;
CREATE TABLE tb_num (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), label text NOT NULL);
INSERT INTO tb_num (label) SELECT 'label ' || i FROM generate_series(1, 100000) i;
CREATE VIEW v_num AS SELECT id, jsonb_build_object('id', id, 'label', label) AS data FROM tb_num;
SELECT fraiseql.load_schema('type Num @view(name: "v_num") { id: ID! label: String! } type Query { nums: [Num!]! }');
ANALYZE tb_num;
SQL
doc="{ $(for i in $(seq 1 2000); do printf 'a%d: nums(where: {label: {icontains: "zz%d"}}, limit: 1) { id } ' "$i" "$i"; done)}"
relax="SET fraiseql.max_aliases = 5000; SET fraiseql.max_fields = 10000; SET fraiseql.max_cost = 100000000; SET fraiseql.max_query_size = 1000000;
SET jit = on; SET jit_above_cost = 0; SET jit_inline_above_cost = 0; SET jit_optimize_above_cost = 0;"
printf '%s' "$doc" > target/cancel-doc.graphql

# 1. statement_timeout = 1 s
start=$(now_ms)
out=$(printf '%s\n' "$relax SET statement_timeout = '1s';" '\set doc `cat target/cancel-doc.graphql`' "SELECT fraiseql.execute(:'doc');" | psql_ 2>&1 || true)
took=$(( $(now_ms) - start ))
case "$out" in *"statement timeout"*|*"QUERY_CANCELED"*|*"canceling statement"*) ;; *) fail "expected a timeout, got: ${out:0:300}" ;; esac
[ "$took" -lt 4000 ] || fail "statement_timeout = 1s stopped the request after $took ms"
echo "cancel: ok: statement_timeout = 1s stopped 2,000 aliased scans (JIT forced on elsewhere) after $took ms"

# 2. pg_cancel_backend after 1 s
printf '%s\n' "$relax SET application_name = 'cancel-me';" '\set doc `cat target/cancel-doc.graphql`' "SELECT fraiseql.execute(:'doc');" | psql_ > target/cancel-out.txt 2>&1 &
client=$!
sleep 1
start=$(now_ms)
psql_ -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'cancel-me'" >/dev/null
wait "$client" || true
took=$(( $(now_ms) - start ))
grep -q "canceling statement due to user request\|QUERY_CANCELED" target/cancel-out.txt || fail "expected a cancel, got: $(head -c 300 target/cancel-out.txt)"
[ "$took" -lt 3000 ] || fail "pg_cancel_backend took $took ms to stop the request"
echo "cancel: ok: pg_cancel_backend stopped it after $took ms"

# 3. the backend survived both, and nothing was JIT-compiled for fraiseql's statements
psql_ -c "$relax" -c "SELECT fraiseql.explain('{ a: nums(where: {label: {icontains: \"x\"}}, limit: 1) { id } }', \"analyze\" := true)::text ~ '\"JIT\"'" | grep -qx f \
  || fail "fraiseql's statement was JIT-compiled with jit_above_cost = 0"
echo "cancel: ok: no JIT in fraiseql's plans even with jit_above_cost = 0; the session's jit setting is kept: $(psql_ -c "SET jit = on" -c "SELECT fraiseql.execute('{ nums(limit: 1) { id } }')->'data' IS NOT NULL" -c "SHOW jit" | tr '\n' ' ')"
# 4. aggregates read every matching row: 200 aliased GROUP BYs over 100,000 rows (~10 s of work)
#    stop at statement_timeout too, and the backend answers afterwards
agg="{ $(for i in $(seq 1 200); do printf 'g%d: numsAggregate(where: {label: {neq: "x%d"}}) { countDistinct { label } groups(by: [{label: true}], orderBy: [{count: DESC}], limit: 1) { count } } ' "$i" "$i"; done)}"
printf '%s' "$agg" > target/cancel-agg.graphql
start=$(now_ms)
out=$(printf '%s\n' "$relax SET statement_timeout = '1s';" '\set doc `cat target/cancel-agg.graphql`' "SELECT fraiseql.execute(:'doc');" | psql_ 2>&1 || true)
took=$(( $(now_ms) - start ))
case "$out" in *"statement timeout"*|*"QUERY_CANCELED"*|*"canceling statement"*) ;; *) fail "expected the aggregates to time out, got: ${out:0:300}" ;; esac
[ "$took" -lt 4000 ] || fail "statement_timeout = 1s stopped 200 aggregates after $took ms"
[ "$(psql_ -c "SELECT fraiseql.execute('{ numsAggregate { count } }')::jsonb->'data'->'numsAggregate'->>'count'")" = 100000 ] \
  || fail "the backend did not answer an aggregate after the timeout"
echo "cancel: ok: statement_timeout = 1s stopped 200 aliased aggregates over 100,000 rows after $took ms; the next aggregate answered"
# (the database stays until the next run, for inspection)
