-- Security profiles (fraiseql.security_profile) and persisted queries (the allow-list and APQ).
\pset format unaligned
\pset tuples_only on
select fraiseql.health()->'security' as standard_rules;
-- the profile and the individual settings are superuser-only
create role sec_user nologin;
grant select on v_user to sec_user;
begin;
set local role sec_user;
set fraiseql.security_profile = standard;
rollback;
-- regulated: no introspection, tighter limits, masked database errors, queries audited
set fraiseql.security_profile = regulated;
select fraiseql.health()->'security' as regulated_rules;
select fraiseql.execute('{ __schema { queryType { name } } }')->'errors'->0->>'message' as introspection;
select fraiseql.execute('{ ' || string_agg(format('a%s: users(limit: 1) { id }', i), ' ') || ' }')->'errors'->0->>'message' as too_many_fields
  from generate_series(1, 501) i;
-- a database error (here: no privilege on v_post) names no table, only a reference to the server log
begin;
set local role sec_user;
select regexp_replace(fraiseql.execute('query Posts { posts(limit: 1) { title } }')::text, 'fq-[0-9a-f]+-[0-9a-f]+', 'REF', 'g') as masked;
commit;
-- every query is audited like a mutation: an entry at commit, with the root fields and the outcome
begin;
select fraiseql.execute('query Few { users(limit: 1) { name } posts(limit: 1) { title } }')->'data' is not null as answered;
commit;
select fraiseql.execute('{ users(limit: 1) { name } }')->'data' is not null as answered;
select seq, role, operation, field, function, outcome from fraiseql.audit_log where chain = 'global' order by seq;
select chain, ok, checked from fraiseql.verify_audit_chain('global');
-- so audited queries need a read-write transaction: fraiseql.query and read-only transactions refuse
select fraiseql.query('{ users(limit: 1) { name } }')->'errors'->0->>'message' as read_only_function;
begin read only;
select fraiseql.execute('{ users(limit: 1) { name } }')->'errors'->0->>'message' as read_only_transaction;
rollback;
reset fraiseql.security_profile;
-- persisted queries: a client may send only a document's SHA-256 (APQ); unknown hashes ask for the text
select fraiseql.execute(null, null, null, '{"persistedQuery": {"version": 1, "sha256Hash": "0000000000000000000000000000000000000000000000000000000000000000"}}')->'errors'->0 as unknown_hash;
select fraiseql.execute('{ users(limit: 1) { name } }', null, null,
         jsonb_build_object('persistedQuery', jsonb_build_object('version', 1, 'sha256Hash', encode(sha256('{ users(limit: 1) { name } }'), 'hex'))))->'data' as registered;
select fraiseql.execute(null, null, null,
         jsonb_build_object('persistedQuery', jsonb_build_object('version', 1, 'sha256Hash', encode(sha256('{ users(limit: 1) { name } }'), 'hex'))))->'data' as by_hash;
select fraiseql.execute('{ users(limit: 1) { name } }', null, null, '{"persistedQuery": {"version": 1, "sha256Hash": "abc"}}')->'errors'->0->>'message' as wrong_hash;
select fraiseql.execute('{ users(limit: 1) { name } }', null, null, '{"persistedQuery": {"version": 2, "sha256Hash": "abc"}}')->'errors'->0->>'message' as wrong_version;
-- restricted: only documents an administrator registered run (the allow-list)
set fraiseql.security_profile = restricted;
select fraiseql.health()->'security'->'persisted_queries_only' as persisted_only;
select fraiseql.execute('query Names { users(limit: 2) { name } }')->'errors'->0->'extensions'->>'code' as not_registered;
select fraiseql.persist_query('query Names { users(limit: 2) { name } }', 'user names') = encode(sha256('query Names { users(limit: 2) { name } }'), 'hex') as hash_returned;
begin;
select fraiseql.execute('query Names { users(limit: 2) { name } }')->'data' as registered_text;
select fraiseql.execute(null, null, null,
         jsonb_build_object('persistedQuery', jsonb_build_object('version', 1, 'sha256Hash', encode(sha256('query Names { users(limit: 2) { name } }'), 'hex'))))->'data' as registered_hash;
-- a document merely remembered through APQ is not in the allow-list
select fraiseql.execute(null, null, null,
         jsonb_build_object('persistedQuery', jsonb_build_object('version', 1, 'sha256Hash', encode(sha256('{ users(limit: 1) { name } }'), 'hex'))))->'errors'->0->'extensions'->>'code' as apq_only;
commit;
select name, length(sha256) from fraiseql.persisted_query;
reset fraiseql.security_profile;
-- the allow-list alone (without the rest of the profile)
set fraiseql.persisted_queries_only = on;
select fraiseql.execute('{ users(limit: 3) { name } }')->'errors'->0->'extensions'->>'code' as not_registered;
reset fraiseql.persisted_queries_only;
-- registering needs a parsable document, and is for superusers (or whom they grant)
select fraiseql.persist_query('{ users(');
begin;
set local role sec_user;
select fraiseql.persist_query('{ users { id } }');
rollback;
-- every setting explains itself in pg_settings, short and long (no row: none lacks either)
select name from pg_settings where name like 'fraiseql.%' and (short_desc = '' or coalesce(extra_desc, '') = '') order by name;
select count(*) > 15 as documented_settings from pg_settings where name like 'fraiseql.%';
-- a setting with a fixed set of values is an enum: a typo is refused, not read as the default
select name, enumvals from pg_settings where name like 'fraiseql.%' and vartype = 'enum' order by name;
set fraiseql.audit_variables = hsh;
show fraiseql.audit_variables;
-- leave the database as the next tests expect it
delete from fraiseql.persisted_query;
set session_replication_role = replica;
delete from fraiseql.audit_log where chain = 'global';
delete from fraiseql.audit_head where chain = 'global';
reset session_replication_role;
revoke select on v_user from sec_user;
drop role sec_user;
