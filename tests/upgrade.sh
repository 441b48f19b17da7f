#!/usr/bin/env bash
# The upgrade tier: a database that ran fraiseql 0.1.0 is updated in place (0.1.0 → 0.2.0 → the
# current version, through each upgrade script) with ALTER EXTENSION fraiseql UPDATE, keeps its schemas, allow-list and audit chains, answers and signs
# as before, keeps the privileges a deployment set on execute()/query() (0.3.0 recreates them), and
# ends with exactly the privileges of a fresh install; a hand-kept tv_ table is adopted as a maintained
# projection (0.4.0). Then a pg_dump / pg_restore round trip: the chains come back and verify once
# the key (never dumped) is installed, and the projection comes back maintained.
# Run by scripts/regress.sh against its cluster: upgrade.sh PORT.
set -euo pipefail
PORT=${1:?port}
OLD=fraiseql_upgrade_old; FRESH=fraiseql_upgrade_fresh; RESTORED=fraiseql_upgrade_restored
DUMP=$PWD/target/upgrade.dump
psql_() { local db=$1; shift; psql -X -q -At -v ON_ERROR_STOP=1 -h /tmp -p "$PORT" -U postgres -d "$db" "$@"; }
fail() { echo "upgrade: FAIL: $*"; exit 1; }
expect() { # expect WHAT GOT WANT
  [ "$2" = "$3" ] && echo "upgrade: ok: $1" || fail "$1: got '$2', expected '$3'"
}
current=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)

for db in $OLD $FRESH $RESTORED; do psql_ postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" 2>/dev/null; done
psql_ postgres -c "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'upgrade_web') THEN CREATE ROLE upgrade_web NOLOGIN; END IF; END \$\$"

# The blog example, a schema, an allow-listed query, a key and signed mutations: under 0.1.0.
setup() { # setup DB VERSION
  # Before 0.4.0 the demo kept tv_post itself (a table filled once); from 0.4.0 fraiseql maintains it.
  local projection="CREATE TABLE tv_post (id uuid PRIMARY KEY, created_at timestamptz NOT NULL, data jsonb NOT NULL);"
  local fill="INSERT INTO tv_post SELECT id, created_at, data FROM v_post;"
  if [ "$2" = "$current" ]; then projection="\\i examples/blog/projection.sql"; fill=""; fi
  psql_ "$1" >/dev/null <<SQL
SET client_min_messages = warning;
CREATE EXTENSION fraiseql VERSION '$2';
\i examples/blog/schema.sql
$projection
\i examples/blog/data.sql
$fill
\i examples/blog/mutations.sql
\set sdl \`cat examples/blog/blog.graphql\`
SELECT fraiseql.load_schema(:'sdl');
GRANT SELECT ON ALL TABLES IN SCHEMA public TO upgrade_web;
GRANT INSERT, UPDATE ON tb_user, tb_comment TO upgrade_web;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO upgrade_web;
SQL
}
mutate() { # mutate DB IDENT TENANT
  psql_ "$1" -c "SET ROLE upgrade_web" -c "SET app.tenant_id = '$3'" \
    -c "SELECT fraiseql.execute('mutation { createUser(input: {identifier: \"$2\", name: \"U\"}) { __typename } }')->'data'->'createUser'->>'__typename'"
}
verified() { psql_ "$1" -c "SELECT string_agg(chain || '=' || ok || '/' || checked, ',' ORDER BY chain) FROM fraiseql.verify_audit_chain()"; }

setup $OLD 0.1.0
expect "0.1.0 installs from sql/fraiseql--0.1.0.sql" "$(psql_ $OLD -c "SELECT extversion FROM pg_extension WHERE extname = 'fraiseql'")" "0.1.0"
psql_ $OLD -c "SELECT fraiseql.audit_set_key('upgrade-k1', decode(repeat('5a', 32), 'hex'))" >/dev/null
hash=$(psql_ $OLD -c "SELECT fraiseql.persist_query('{ users(limit: 1) { name } }')")
expect "a mutation under 0.1.0" "$(mutate $OLD up-1 t-up)" "CreateUserSuccess"
# under 0.1.0 PUBLIC could read the stored SDL; the update takes that away
expect "0.1.0 let PUBLIC read schema_version" "$(psql_ $OLD -c "SELECT has_table_privilege('upgrade_web', 'fraiseql.schema_version', 'SELECT')")" "t"

# The new library under the old SQL (installed, not yet updated): execute() is still declared
# RETURNS jsonb and must answer jsonb, not the json text 0.3.0 returns (which would crash the backend).
expect "before the update, the new library answers the old declaration with jsonb" \
  "$(psql_ $OLD -c "SELECT pg_typeof(r)::text || ' ' || (r->'data'->'user'->>'name') FROM fraiseql.execute('{ user(id: \"00000000-0000-0000-0000-00000000000c\") { name } }') r")" "jsonb Grace Hopper"
# A deployment that locked query() down: PUBLIC revoked, one web role granted. 0.3.0 recreates
# execute() and query() (their return type became json); the privileges must come through.
psql_ $OLD -c "REVOKE EXECUTE ON FUNCTION fraiseql.query(text, jsonb, text, jsonb) FROM PUBLIC" \
  -c "GRANT EXECUTE ON FUNCTION fraiseql.query(text, jsonb, text, jsonb) TO upgrade_web"
psql_ postgres -c "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'upgrade_other') THEN CREATE ROLE upgrade_other NOLOGIN; END IF; END \$\$"

psql_ $OLD -c "ALTER EXTENSION fraiseql UPDATE"
expect "execute and query return json after the update" \
  "$(psql_ $OLD -c "SELECT string_agg(proname || ':' || prorettype::regtype, ',' ORDER BY proname) FROM pg_proc WHERE pronamespace = 'fraiseql'::regnamespace AND proname IN ('execute', 'query')")" "execute:json,query:json"
expect "the web role granted query() keeps it" "$(psql_ $OLD -c "SELECT has_function_privilege('upgrade_web', 'fraiseql.query(text, jsonb, text, jsonb)', 'EXECUTE')")" "t"
expect "PUBLIC stays revoked from query()" "$(psql_ $OLD -c "SELECT has_function_privilege('upgrade_other', 'fraiseql.query(text, jsonb, text, jsonb)', 'EXECUTE')")" "f"
expect "execute() keeps its default privileges" "$(psql_ $OLD -c "SELECT has_function_privilege('upgrade_other', 'fraiseql.execute(text, jsonb, text, jsonb)', 'EXECUTE')")" "t"
expect "the carried-over privileges are not recorded as the extension's own (pg_dump keeps dumping them)" \
  "$(psql_ $OLD -c "SELECT count(*) FROM pg_init_privs WHERE classoid = 'pg_proc'::regclass AND objoid IN ('fraiseql.execute(text, jsonb, text, jsonb)'::regprocedure, 'fraiseql.query(text, jsonb, text, jsonb)'::regprocedure)")" "0"
expect "pg_dump keeps the REVOKE and the GRANT" \
  "$(pg_dump -h /tmp -p "$PORT" -U postgres -s $OLD | grep -c 'FUNCTION fraiseql.query(query text, variables jsonb, "operationName" text, extensions jsonb)')" "2"
expect "the response keeps the selection's key order" \
  "$(psql_ $OLD -c "SET ROLE upgrade_web" -c "SELECT fraiseql.query('{ user(id: \"00000000-0000-0000-0000-00000000000c\") { name id } }')::text")" \
  '{"data" : {"user" : {"name" : "Grace Hopper", "id" : "00000000-0000-0000-0000-00000000000c"}}}'
# Back to the defaults, so that the comparison with a fresh install below is exact.
psql_ $OLD -c "GRANT EXECUTE ON FUNCTION fraiseql.query(text, jsonb, text, jsonb) TO PUBLIC" \
  -c "REVOKE EXECUTE ON FUNCTION fraiseql.query(text, jsonb, text, jsonb) FROM upgrade_web"
expect "ALTER EXTENSION fraiseql UPDATE reaches $current" "$(psql_ $OLD -c "SELECT extversion FROM pg_extension WHERE extname = 'fraiseql'")" "$current"
expect "a mutation after the update" "$(mutate $OLD up-2 t-up)" "CreateUserSuccess"
expect "the chain written across the update verifies" "$(verified $OLD)" "t-up=true/2"
expect "queries answer as the web role after the update" \
  "$(psql_ $OLD -c "SET ROLE upgrade_web" -c "SELECT fraiseql.execute('{ user(id: \"00000000-0000-0000-0000-00000000000c\") { name } }')->'data'->'user'->>'name'")" "Grace Hopper"
# The hand-kept tv_post becomes a maintained projection (0.4.0): adopted in place, then kept fresh.
expect "an existing tv_ table is adopted as a projection" \
  "$(psql_ $OLD -c "SELECT count(*) FROM fraiseql.create_projection('tv_post', 'v_post', columns => '{created_at}')")" "4"
psql_ $OLD -c "UPDATE tb_user SET name = 'Grace B. Hopper' WHERE identifier = 'grace'" >/dev/null
expect "a write after the update reaches the projection" \
  "$(psql_ $OLD -c "SELECT data->'author'->>'name' FROM tv_post WHERE id = '00000000-0000-0000-0000-000000000103'")" "Grace B. Hopper"
expect "the adopted projection has no drift" "$(psql_ $OLD -c "SELECT count(*) FROM fraiseql.verify_projection('tv_post')")" "0"
expect "the allow-list survived" "$(psql_ $OLD -c "SELECT count(*) FROM fraiseql.persisted_query WHERE sha256 = '$hash'")" "1"

# The effective privileges (an ACL, or the owner's default) of every object in schema fraiseql: the
# updated database equals a fresh install.
setup $FRESH "$current"
acl() {
  psql_ "$1" <<'SQL'
SELECT string_agg(line, E'\n' ORDER BY line) FROM (
  SELECT 'function ' || p.oid::regprocedure || ' ' || (SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(coalesce(p.proacl, acldefault('f', p.proowner))) a) AS line
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'fraiseql'
  UNION ALL
  SELECT c.relkind::text || ' ' || c.oid::regclass || ' ' || coalesce(c.relacl, acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner))::text
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'fraiseql'
  UNION ALL
  SELECT 'schema fraiseql ' || coalesce(nspacl, acldefault('n', nspowner))::text FROM pg_namespace WHERE nspname = 'fraiseql') x
SQL
}
acl $OLD > target/upgrade-acl.updated; acl $FRESH > target/upgrade-acl.fresh
[ "$(wc -l < target/upgrade-acl.fresh)" -gt 20 ] || fail "the privilege listing is empty"
diff target/upgrade-acl.updated target/upgrade-acl.fresh > target/upgrade-acl.diff || fail "privileges after the update differ from a fresh install: $(cat target/upgrade-acl.diff)"
echo "upgrade: ok: privileges after the update equal a fresh $current install ($(wc -l < target/upgrade-acl.fresh) objects)"
for f in "fraiseql.load_schema(text, text)" "fraiseql.explain(text, jsonb, text, boolean)" "fraiseql.sdl(text, boolean)"; do
  expect "PUBLIC cannot run $f after the update" "$(psql_ $OLD -c "SELECT has_function_privilege('upgrade_web', '$f', 'EXECUTE')")" "f"
done
expect "PUBLIC cannot read schema_version after the update" "$(psql_ $OLD -c "SELECT has_table_privilege('upgrade_web', 'fraiseql.schema_version', 'SELECT')")" "f"

# pg_dump / pg_restore: the chains and schemas come back; keys are not in the dump.
as_pg() { if [ "$(id -un)" = postgres ]; then "$@"; else sudo -u postgres "$@"; fi; }
pg_dump -h /tmp -p "$PORT" -U postgres -Fc -f "$DUMP" $OLD
pg_restore -h /tmp -p "$PORT" -U postgres -d $RESTORED "$DUMP" 2> target/upgrade-restore.log || fail "pg_restore: $(head -5 target/upgrade-restore.log)"
expect "the dump holds no key" "$(psql_ $RESTORED -c "SELECT count(*) FROM fraiseql.audit_key")" "0"
expect "the restored chain refuses to verify without its key" "$(psql_ $RESTORED -c "SELECT problem FROM fraiseql.verify_audit_chain('t-up')")" "unknown key"
psql_ $RESTORED -c "SELECT fraiseql.audit_set_key('upgrade-k1', decode(repeat('5a', 32), 'hex'))" >/dev/null
expect "with the key re-installed the restored chain verifies" "$(verified $RESTORED)" "t-up=true/2"
expect "the restored database answers" "$(psql_ $RESTORED -c "SELECT fraiseql.execute('{ users(limit: 1) { name } }')->'data' IS NOT NULL")" "t"
expect "and appends to the restored chain" "$(mutate $RESTORED up-3 t-up)" "CreateUserSuccess"
expect "which still verifies" "$(verified $RESTORED)" "t-up=true/3"
expect "the projection is restored with its record" "$(psql_ $RESTORED -c "SELECT string_agg(projection::text || '<-' || source::text, ',') FROM fraiseql.projection")" "tv_post<-v_post"
psql_ $RESTORED -c "UPDATE tb_user SET name = 'Grace Restored' WHERE identifier = 'grace'" >/dev/null
expect "and its maintenance: a write in the restored database reaches it" \
  "$(psql_ $RESTORED -c "SELECT data->'author'->>'name' FROM tv_post WHERE id = '00000000-0000-0000-0000-000000000103'")" "Grace Restored"
expect "the restored projection has no drift" "$(psql_ $RESTORED -c "SELECT count(*) FROM fraiseql.verify_projection('tv_post')")" "0"
for db in $OLD $FRESH $RESTORED; do psql_ postgres -c "DROP DATABASE $db"; done
echo "upgrade: all checks passed"
