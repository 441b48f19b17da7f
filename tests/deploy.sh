#!/usr/bin/env bash
# The deployment tier: fraiseql as it is deployed, never warmed by a superuser first. Every check
# below opens a FRESH connection as the role under test:
#   1. PostgREST's authenticator (LOGIN NOINHERIT, no superuser) switching to a web role replays
#      PostgREST 12's calling sequence (set_config of role, claims, request.*; the RPC statement):
#      mutations commit and are signed with a key from the table, then from the key file; queries
#      are audited under the regulated and restricted profiles; the admin surface is refused.
#   2. A hot standby made with pg_basebackup -R answers reads (query, execute, sdl, health,
#      metrics, explain, verify_audit_chain, audit_checkpoint), sees a schema loaded on the primary
#      in a backend that had cached the previous one, and refuses mutations with a GraphQL error.
#   3. pgbouncer in transaction mode: several clients share two server connections; claims are
#      transaction-local, so a tenant's settings never reach another transaction.
# Run by scripts/regress.sh against its (primary) cluster: deploy.sh PORT DATADIR.
set -euo pipefail
PORT=${1:?port}; PRIMARY_DIR=${2:?primary data directory}
DB=fraiseql_deploy
STANDBY_DIR=$PWD/target/standby-data; STANDBY_PORT=$((PORT + 11))
BOUNCER_DIR=$PWD/target/pgbouncer; BOUNCER_PORT=$((PORT + 12))
as_pg() { if [ "$(id -un)" = postgres ]; then "$@"; else sudo -u postgres "$@"; fi; }
# q PORT USER SQL: one fresh connection, one result
q() { local port=$1 user=$2; shift 2; psql -X -q -At -v ON_ERROR_STOP=1 -h /tmp -p "$port" -U "$user" -d "$DB" "$@"; }
fail() { echo "deploy: FAIL: $*"; exit 1; }
expect() { # expect WHAT GOT WANT-SUBSTRING
  case "$2" in *"$3"*) echo "deploy: ok: $1" ;; *) fail "$1: got '$2', expected it to contain '$3'" ;; esac
}
cleanup() {
  [ -f "$BOUNCER_DIR/pgbouncer.pid" ] && kill "$(cat "$BOUNCER_DIR/pgbouncer.pid")" 2>/dev/null || true
  scripts/cluster.sh stop "$STANDBY_DIR" || true
  psql -X -q -h /tmp -p "$PORT" -U postgres -d postgres -c "ALTER SYSTEM RESET fraiseql.audit_key_file" -c "SELECT pg_reload_conf()" >/dev/null 2>&1 || true
}
trap cleanup EXIT

psql -X -q -h /tmp -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 >/dev/null <<SQL
DROP DATABASE IF EXISTS $DB;
CREATE DATABASE $DB;
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authenticator') THEN
    CREATE ROLE authenticator LOGIN NOINHERIT NOSUPERUSER;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'web_user') THEN CREATE ROLE web_user NOLOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'api_admin') THEN CREATE ROLE api_admin NOLOGIN; END IF;
END \$\$;
GRANT web_user, api_admin TO authenticator;
SQL
q "$PORT" postgres >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION fraiseql;
\i examples/blog/schema.sql
\i examples/blog/projection.sql
\i examples/blog/data.sql
\i examples/blog/mutations.sql
\set sdl `cat examples/blog/blog.graphql`
SELECT fraiseql.load_schema(:'sdl');
GRANT SELECT ON ALL TABLES IN SCHEMA public TO web_user, api_admin;
GRANT INSERT, UPDATE ON tb_user, tb_comment TO web_user;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO web_user;
-- the admin surface, granted explicitly (docs/security.md)
GRANT EXECUTE ON FUNCTION fraiseql.explain(text, jsonb, text, boolean), fraiseql.sdl(text, boolean) TO api_admin;
SELECT fraiseql.audit_set_key('deploy-table-key', decode(repeat('ab', 32), 'hex'));
\i examples/postgrest/api.sql
GRANT USAGE ON SCHEMA api TO web_user;
SQL

# PostgREST 12's sequence for POST /rpc/execute (one transaction; settings, then the RPC statement).
rpc() { # rpc PORT ROLE CLAIMS BODY-JSON → body and response status
  q "$1" authenticator <<SQL
BEGIN;
SELECT set_config('search_path', 'public', true), set_config('role', '$2', true),
       set_config('request.jwt.claims', '$3', true), set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/execute', true),
       set_config('request.headers', '{"content-type":"application/json"}', true) \g /dev/null
WITH pgrst_source AS (
  SELECT pgrst_call.pgrst_scalar
    FROM (SELECT '$4'::json AS json_data) pgrst_payload,
         LATERAL (SELECT "query", "variables", "operationName"
                    FROM json_to_record(pgrst_payload.json_data) AS _("query" text, "variables" jsonb, "operationName" text) LIMIT 1) pgrst_body,
         LATERAL (SELECT "fraiseql"."execute"("query" := pgrst_body."query", "variables" := pgrst_body."variables",
                                             "operationName" := pgrst_body."operationName") pgrst_scalar) pgrst_call)
SELECT coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') || ' status=' || coalesce(nullif(current_setting('response.status', true), ''), '200')
  FROM (SELECT "pgrst_call".* FROM "pgrst_source" AS "pgrst_call") _postgrest_t;
COMMIT;
SQL
}
mutation='{"query": "mutation ($i: CreateUserInput!) { createUser(input: $i) { __typename } }", "variables": {"i": {"identifier": "IDENT", "name": "Web"}}}'
mutation_doc='mutation { createUser(input: {identifier: "IDENT", name: "Api"}) { __typename } }'

# 1. web roles on fresh connections
got=$(rpc "$PORT" web_user '{"role":"web_user","sub":"u-1","tenant_id":"t-web"}' "${mutation/IDENT/deploy-1}")
expect "a web role's mutation commits on a fresh connection" "$got" '"CreateUserSuccess"'
got=$(q "$PORT" postgres -c "SELECT role || ' ' || key_id || ' ' || (signature IS NOT NULL) FROM fraiseql.audit_log WHERE chain = 't-web' ORDER BY seq DESC LIMIT 1")
expect "its entry is signed with the table's key, as the web role" "$got" "web_user deploy-table-key true"
got=$(rpc "$PORT" web_user '{"role":"web_user"}' '{"query": "{ users(limit: 1) { nmae } }"}')
expect "a request error is 400 under PostgREST, without data" "$got" 'status=400'
case "$got" in *'"data"'*) fail "a request error carries data: $got" ;; esac
got=$(rpc "$PORT" web_user '{"role":"web_user"}' '{"query": "{ users(limit: 1) { name } }"}')
expect "a successful query is 200" "$got" 'status=200'
# A web role that may insert comments but not write tv_post: its comment is re-projected (as tv_post's
# owner) at its commit, and read back through the projection by another fresh connection.
comment='{"query": "mutation ($i: AddCommentInput!) { addComment(input: $i) }", "variables": {"i": {"postId": "00000000-0000-0000-0000-000000000102", "authorId": "00000000-0000-0000-0000-00000000000c", "body": "deploy comment"}}}'
got=$(rpc "$PORT" web_user '{"role":"web_user","tenant_id":"t-web"}' "$comment")
expect "a web role's comment commits on a fresh connection (it has no write right on tv_post)" "$got" '"status":"created"'
got=$(rpc "$PORT" web_user '{"role":"web_user"}' '{"query": "{ postProjected(id: \"00000000-0000-0000-0000-000000000102\") { comments { body } } }"}')
expect "the projection serves it to the next fresh connection" "$got" 'deploy comment'
got=$(q "$PORT" postgres -c "SELECT count(*) FROM fraiseql.verify_projection('tv_post')")
[ "$got" = 0 ] && echo "deploy: ok: tv_post has no drift after the web role's writes" || fail "tv_post drift after the web role's writes: $got rows"
got=$(q "$PORT" authenticator -c "SET ROLE web_user" -c "SELECT fraiseql.health()->'audit'->>'signing'")
expect "health() as a web role on a fresh connection" "$got" "on"
for f in "fraiseql.explain('{ users { name } }')" "fraiseql.scaffold()" "fraiseql.sdl()" "fraiseql.cache_stats()" "fraiseql.reset_cache()" "fraiseql.load_schema('type Query { a: Int }')"; do
  got=$(q "$PORT" authenticator -c "SET ROLE web_user" -c "SELECT $f" 2>&1 || true)
  expect "web role refused $f" "$got" "permission denied"
done
got=$(q "$PORT" authenticator -c "SET ROLE web_user" -c "SELECT count(*) FROM fraiseql.persisted_query" 2>&1 || true)
expect "web role cannot read the allow-list" "$got" "permission denied"
got=$(q "$PORT" authenticator -c "SET ROLE web_user" -c "SELECT count(*) FROM fraiseql.schema_version" 2>&1 || true)
expect "web role cannot read the stored SDL" "$got" "permission denied"
got=$(q "$PORT" authenticator -c "SET ROLE api_admin" -c "SELECT fraiseql.explain('{ users(limit: 1) { name } }')->>'sql' IS NOT NULL")
expect "an admin role granted explain uses it" "$got" "t"

# explain never shows what RLS hides: tenant A's plan must not count tenant B's rows
q "$PORT" postgres >/dev/null <<'SQL'
CREATE TABLE tb_secret (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), tenant text NOT NULL, note text);
INSERT INTO tb_secret (tenant, note) SELECT CASE WHEN i <= 3 THEN 'a' ELSE 'b' END, 'n' || i FROM generate_series(1, 40) i;
ALTER TABLE tb_secret ENABLE ROW LEVEL SECURITY;
CREATE POLICY by_tenant ON tb_secret USING (tenant = current_setting('app.tenant_id', true));
CREATE VIEW v_secret WITH (security_invoker = true) AS SELECT id, jsonb_build_object('id', id, 'note', note) AS data FROM tb_secret;
GRANT SELECT ON tb_secret, v_secret TO api_admin;
SELECT fraiseql.load_schema('type Secret @view(name: "v_secret") { id: ID! note: String } type Query { secrets: [Secret!]! }', 'secret');
SQL
got=$(q "$PORT" authenticator -c "SET ROLE api_admin" -c "SET app.tenant_id = 'a'" -c "SET fraiseql.schema = 'secret'" \
  -c "SELECT fraiseql.explain('{ secrets { note } }', \"analyze\" := true)::text")
case "$got" in *"Rows Removed"*|*"Blocks"*) fail "explain analyze shows counts RLS hides: $got" ;; esac
expect "explain analyze under RLS hides rows removed by the policy" "$got" '"Actual Rows": 3'

# the regulated and restricted profiles audit queries: as the web role too
q "$PORT" postgres -c "ALTER DATABASE $DB SET fraiseql.security_profile = 'regulated'" >/dev/null
got=$(rpc "$PORT" web_user '{"role":"web_user","tenant_id":"t-reg"}' '{"query": "query Q { users(limit: 1) { name } }"}')
expect "an audited query (regulated) commits as the web role" "$got" '"users"'
got=$(q "$PORT" postgres -c "SELECT outcome || ' ' || key_id FROM fraiseql.audit_log WHERE chain = 't-reg'")
expect "its entry is signed" "$got" "read deploy-table-key"
hash=$(q "$PORT" postgres -c "SELECT fraiseql.persist_query('query Q { users(limit: 1) { name } }')")
q "$PORT" postgres -c "ALTER DATABASE $DB SET fraiseql.security_profile = 'restricted'" >/dev/null
got=$(rpc "$PORT" web_user '{"role":"web_user","tenant_id":"t-res"}' "{\"query\": \"query Q { users(limit: 1) { name } }\"}")
expect "a persisted query runs and is audited under restricted, as the web role" "$got" '"users"'
got=$(rpc "$PORT" web_user '{"role":"web_user","tenant_id":"t-res"}' '{"query": "{ users(limit: 2) { name } }"}')
expect "an unlisted query is refused under restricted" "$got" "PERSISTED_QUERY_NOT_ALLOWED"
q "$PORT" postgres -c "ALTER DATABASE $DB RESET fraiseql.security_profile" >/dev/null
[ -n "$hash" ] || fail "persist_query returned no hash"

# keys from the key file (the KMS/Vault hook), read as the web role's backend
keyfile=$PRIMARY_DIR/fraiseql-deploy.keys
echo "deploy-file-key:$(printf 'cd%.0s' $(seq 32))" | as_pg tee "$keyfile" >/dev/null
as_pg chmod 600 "$keyfile"
psql -X -q -h /tmp -p "$PORT" -U postgres -d postgres -c "ALTER SYSTEM SET fraiseql.audit_key_file = '$keyfile'" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
got=$(rpc "$PORT" web_user '{"role":"web_user","tenant_id":"t-file"}' "${mutation/IDENT/deploy-2}")
expect "a mutation with the key file commits" "$got" '"CreateUserSuccess"'
got=$(q "$PORT" postgres -c "SELECT key_id FROM fraiseql.audit_log WHERE chain = 't-file'")
expect "its entry is signed with the file's key" "$got" "deploy-file-key"
got=$(q "$PORT" postgres -c "SELECT string_agg(chain || '=' || ok, ',' ORDER BY chain) FROM fraiseql.verify_audit_chain()")
expect "every chain verifies" "$got" "t-web=true"
case "$got" in *false*) fail "a chain does not verify: $got" ;; esac
# (the key file stays set until the end, as on a real server: cleanup resets it)

# The shipped wrapper (examples/postgrest/api.sql) as PostgREST 12 calls it: POST /rpc/graphql in a
# read-write transaction, GET /rpc/graphql?query=… in a READ ONLY one, with request.method set
# (db-schemas = "api", db-extra-search-path = "public", its default).
api_call() { # api_call METHOD ACCESS QUERY → body, status and the result's type
  q "$PORT" authenticator <<SQL
BEGIN ISOLATION LEVEL READ COMMITTED $2;
SELECT set_config('search_path', 'api, public', true), set_config('role', 'web_user', true),
       set_config('request.jwt.claims', '{"role":"web_user","tenant_id":"t-api"}', true),
       set_config('request.method', '$1', true), set_config('request.path', '/rpc/graphql', true) \g /dev/null
SELECT r::text || ' status=' || coalesce(nullif(current_setting('response.status', true), ''), '200') || ' type=' || pg_typeof(r)
  FROM "api"."graphql"("query" := \$q\$$3\$q\$) r;
COMMIT;
SQL
}
got=$(api_call POST "READ WRITE" '{ users(limit: 1) { name } }')
expect "POST /rpc/graphql answers through the api wrapper" "$got" '{"data" : {"users" : [{"name" : '
expect "its type is the media-type domain PostgREST 12 negotiates" "$got" 'type="application/graphql-response+json"'
got=$(api_call POST "READ WRITE" "${mutation_doc/IDENT/deploy-api}")
expect "POST runs mutations" "$got" '"CreateUserSuccess"'
got=$(api_call GET "READ ONLY" '{ users(limit: 1) { name } }')
expect "GET /rpc/graphql runs queries" "$got" 'status=200'
got=$(api_call GET "READ ONLY" "${mutation_doc/IDENT/deploy-get}")
expect "GET refuses a mutation with a GraphQL error" "$got" 'fraiseql.query is read-only'
expect "and status 400" "$got" 'status=400'
case "$got" in *'"data"'*) fail "GET's refused mutation carries data: $got" ;; esac

# 2. a real hot standby
scripts/cluster.sh stop "$STANDBY_DIR"; rm -rf "$STANDBY_DIR"; mkdir -p "$STANDBY_DIR"; chown postgres: "$STANDBY_DIR"; chmod 700 "$STANDBY_DIR"
as_pg pg_basebackup -h /tmp -p "$PORT" -U postgres -D "$STANDBY_DIR" -R -X stream -c fast >/dev/null
rm -f "$STANDBY_DIR/server.log"
as_pg /usr/lib/postgresql/15/bin/pg_ctl -D "$STANDBY_DIR" -l "$STANDBY_DIR/server.log" -w \
  -o "-p $STANDBY_PORT -k /tmp -c listen_addresses='' -c hot_standby=on -c max_connections=100 -c max_prepared_transactions=10 -c shared_preload_libraries=fraiseql -c fraiseql.audit_key_file=$keyfile" start >/dev/null
got=$(q "$STANDBY_PORT" postgres -c "SELECT pg_is_in_recovery()")
expect "the standby is in recovery" "$got" "t"
got=$(q "$STANDBY_PORT" authenticator -c "SET ROLE web_user" -c "SELECT fraiseql.query('{ users(limit: 1) { name } }')")
expect "fraiseql.query on the standby, as the web role" "$got" '"users"'
got=$(rpc "$STANDBY_PORT" web_user '{"role":"web_user","tenant_id":"t-web"}' '{"query": "{ posts(limit: 1) { title } }"}')
expect "execute (a read, with claims) on the standby" "$got" '"posts"'
got=$(rpc "$STANDBY_PORT" web_user '{"role":"web_user","tenant_id":"t-web"}' '{"query": "{ postsAggregate { count groups(by: [{createdAt: MONTH}], limit: 2) { key { createdAt } count } } }"}')
expect "an aggregate with groups (a MATERIALIZED CTE inside) on the standby, as the web role" "$got" '"createdAt"'
got=$(rpc "$STANDBY_PORT" web_user '{"role":"web_user","tenant_id":"t-web"}' "${mutation/IDENT/deploy-3}")
expect "a mutation on the standby is a GraphQL error saying why" "$got" "hot standby"
got=$(q "$STANDBY_PORT" postgres -c "SET fraiseql.security_profile = 'regulated'" -c "SELECT fraiseql.execute('{ users(limit: 1) { name } }')" 2>&1 || true)
expect "an audited query (regulated) on the standby is a GraphQL error saying why" "$got" 'on the primary'
case "$got" in *'"data"'*|*ERROR*) fail "an audited query on the standby: $got" ;; esac
got=$(q "$STANDBY_PORT" postgres -c "SELECT fraiseql.health()->>'role', fraiseql.health()->>'ready'" 2>&1 || true)
expect "health() on the standby: role standby, ready (it answers queries)" "$got" "standby|true"
for f in "fraiseql.sdl() IS NOT NULL" "fraiseql.health()->>'status'" "length(fraiseql.metrics()) > 0" \
         "fraiseql.explain('{ users { name } }')->>'sql' IS NOT NULL" \
         "(SELECT bool_and(ok) FROM fraiseql.verify_audit_chain())" "fraiseql.audit_checkpoint('t-web')->>'seq'"; do
  got=$(q "$STANDBY_PORT" postgres -c "SELECT $f" 2>&1 || true)
  case "$got" in t|ok|[0-9]*) echo "deploy: ok: $f on the standby: $got" ;; *) fail "$f on the standby: $got" ;; esac
done
# a standby backend that cached the schema sees the next version loaded on the primary
got=$(q "$STANDBY_PORT" postgres <<SQL
SELECT fraiseql.execute('{ __type(name: "Replicated") { name } }')->'data'->'__type'->>'name';
\! psql -X -q -h /tmp -p $PORT -U postgres -d $DB -c "SELECT fraiseql.load_schema(fraiseql.sdl() || ' type Replicated { a: Int }')" >/dev/null
SELECT pg_sleep(0.2) FROM generate_series(1, 50)
 WHERE pg_last_wal_replay_lsn() < (SELECT '$(q "$PORT" postgres -c "SELECT pg_current_wal_lsn()")'::pg_lsn) \g /dev/null
SELECT pg_sleep(1);
SELECT fraiseql.execute('{ __type(name: "Replicated") { name } }')->'data'->'__type'->>'name';
SQL
)
expect "the standby backend sees the schema loaded on the primary" "$got" 'Replicated'
scripts/cluster.sh stop "$STANDBY_DIR"

# 3. pgbouncer, transaction mode, as the postgres user
mkdir -p "$BOUNCER_DIR"; chown postgres: "$BOUNCER_DIR"
cat > "$BOUNCER_DIR/pgbouncer.ini" <<INI
[databases]
$DB = host=/tmp port=$PORT dbname=$DB
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
unix_socket_dir =
auth_type = trust
auth_file = $BOUNCER_DIR/users.txt
pool_mode = transaction
default_pool_size = 2
max_client_conn = 50
pidfile = $BOUNCER_DIR/pgbouncer.pid
logfile = $BOUNCER_DIR/pgbouncer.log
INI
printf '"authenticator" ""\n"postgres" ""\n' > "$BOUNCER_DIR/users.txt"
chown postgres: "$BOUNCER_DIR"/*
as_pg pgbouncer -d "$BOUNCER_DIR/pgbouncer.ini"
sleep 1
qb() { psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$BOUNCER_PORT" -U authenticator -d "$DB" "$@"; }
pids=()
for c in 1 2 3 4 5 6; do
  (
    for i in $(seq 1 15); do
      # every other request an aggregate with groups: its plan cached on whichever server backend
      doc='{ users(limit: 1) { name } }'
      [ $((i % 2)) = 0 ] && doc='{ usersAggregate { count groups(by: [{name: true}], limit: 1) { count } } }'
      qb <<SQL
BEGIN;
SELECT set_config('role', 'web_user', true), set_config('request.jwt.claims', '{"tenant_id":"t-bouncer-$c"}', true) \g /dev/null
SELECT CASE WHEN r->'data' IS NOT NULL AND NOT r ? 'errors' AND current_setting('app.tenant_id', true) = 't-bouncer-$c' THEN 'ok' ELSE 'WRONG ' || r::text END FROM (SELECT fraiseql.execute('$doc')::jsonb AS r) x;
COMMIT;
BEGIN;
SELECT 'leak ' || current_setting('app.tenant_id', true) WHERE coalesce(current_setting('app.tenant_id', true), '') <> '';
COMMIT;
SQL
    done
    qb <<SQL
BEGIN;
SELECT set_config('role', 'web_user', true), set_config('request.jwt.claims', '{"tenant_id":"t-bouncer-$c"}', true) \g /dev/null
SELECT fraiseql.execute('mutation { createUser(input: {identifier: "bouncer-$c", name: "B"}) { __typename } }')->'data'->'createUser'->>'__typename';
COMMIT;
SQL
  ) > "$BOUNCER_DIR/client-$c.out" 2>&1 &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || true; done
cat "$BOUNCER_DIR"/client-*.out > "$BOUNCER_DIR/all.out"
oks=$(grep -c '^ok$' "$BOUNCER_DIR/all.out" || true)
if grep -qv -e '^ok$' -e '^CreateUserSuccess$' "$BOUNCER_DIR/all.out"; then fail "pgbouncer clients: $(grep -v -e '^ok$' -e '^CreateUserSuccess$' "$BOUNCER_DIR/all.out" | head -5)"; fi
[ "$oks" -eq 90 ] || fail "pgbouncer: $oks of 90 requests answered"
servers=$(q "$PORT" postgres -c "SELECT count(*) FROM fraiseql.audit_log WHERE chain LIKE 't-bouncer-%'")
[ "$servers" -eq 6 ] || fail "pgbouncer: $servers of 6 mutations audited"
echo "deploy: ok: pgbouncer (transaction mode, pool of 2): 6 clients x 15 requests (lists and aggregates), no tenant setting leaked, 6 mutations audited"
q "$PORT" postgres -c "SELECT count(*) FROM fraiseql.verify_audit_chain() WHERE NOT ok" | grep -qx 0 || fail "chains do not verify after pgbouncer"
q "$PORT" postgres -c "SELECT count(*) FROM fraiseql.verify_projection('tv_post')" | grep -qx 0 || fail "tv_post drifted after the pgbouncer clients' writes"
echo "deploy: all checks passed"
