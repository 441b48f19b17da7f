-- The audit chain: one entry per executed mutation, written when its transaction commits, chained per
-- tenant, hashed and signed; append-only; verification names the first broken entry and why; keys
-- rotate; without a key the chain is hashed only.
\pset format unaligned
\pset tuples_only on
create function pg_temp.create_user(ident text) returns jsonb language sql as $$
  select fraiseql.execute('mutation Make($i: CreateUserInput!) { createUser(input: $i) { __typename } }',
                          jsonb_build_object('i', jsonb_build_object('identifier', ident, 'name', initcap(ident)))) $$;
-- no key installed: signing is off, the chain is still hashed
select fraiseql.health()->'audit' as audit_before_key;
set app.tenant_id = 'tenant-a';
select pg_temp.create_user('u0')->'data';
-- a superuser installs a key: entries are signed from now on
select fraiseql.audit_set_key('k1', decode(repeat('a1', 32), 'hex'));
select fraiseql.health()->'audit' as audit_after_key;
select pg_temp.create_user('u1')->'data', pg_temp.create_user('u2')->'data';
set app.tenant_id = 'tenant-b';
select pg_temp.create_user('u3')->'data';
-- a rejected mutation is recorded with its status; a raising one as exception:<sqlstate>
select pg_temp.create_user('u3')->'data'->'createUser'->>'__typename' as duplicate;
-- entries are written at commit: not visible inside the transaction yet; a savepoint rolled back
-- takes its mutation's entry with it
begin;
select pg_temp.create_user('u5')->'data';
savepoint p;
select pg_temp.create_user('u6')->'data';
rollback to p;
select count(*) as tenant_b_entries_before_commit from fraiseql.audit_log where chain = 'tenant-b';
commit;
select chain, seq, role, tenant, operation, field, function, outcome, entity_id is not null as has_entity,
       length(query_sha256), variables->'i'->>'identifier' as ident, signature is not null as signed, key_id,
       seq = 1 and prev_hash = '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea or seq > 1 as linked
  from fraiseql.audit_log order by chain, seq;
select * from fraiseql.verify_audit_chain();
select (c->>'seq')::int as head_seq, length(c->>'head_hash') as hash_hex_len, c->>'key_id' as key_id, length(c->>'signature') as sig_hex_len
  from fraiseql.audit_checkpoint('tenant-a') c;
-- rotation: a new key signs, the old one still verifies its entries
select fraiseql.audit_set_key('k2', decode(repeat('b2', 32), 'hex'));
set app.tenant_id = 'tenant-a';
select pg_temp.create_user('u4')->'data';
select seq, key_id from fraiseql.audit_log where chain = 'tenant-a' order by seq;
select * from fraiseql.verify_audit_chain('tenant-a');
-- a transaction that rolls back leaves no entry
begin;
select pg_temp.create_user('u7')->'data';
rollback;
select count(*) as entries_after_rollback from fraiseql.audit_log;
-- append-only, even for the owner: UPDATE, DELETE and TRUNCATE are refused
begin;
savepoint s;
update fraiseql.audit_log set outcome = 'x' where chain = 'tenant-a' and seq = 2;
rollback to s;
delete from fraiseql.audit_log where chain = 'tenant-a';
rollback to s;
truncate fraiseql.audit_log;
rollback to s;
update fraiseql.audit_head set seq = 0;
rollback to s;
-- nothing in SQL writes entries: the commit hook appends them through the heap and index access
-- methods, so there is no writer function a mutation function or a role could call
select p.oid::regprocedure as audit_functions from pg_proc p
 where p.pronamespace = 'fraiseql'::regnamespace and p.proname like '%audit%' order by p.proname;
-- tampering (a superuser bypassing the triggers) is detected and named
set local session_replication_role = replica;
update fraiseql.audit_log set outcome = 'deleted' where chain = 'tenant-a' and seq = 3;
select chain, ok, first_bad_seq, problem from fraiseql.verify_audit_chain('tenant-a');
rollback to s;
set local session_replication_role = replica;
delete from fraiseql.audit_log where chain = 'tenant-a' and seq = 2;
select chain, ok, first_bad_seq, problem from fraiseql.verify_audit_chain('tenant-a');
rollback to s;
set local session_replication_role = replica;
delete from fraiseql.audit_log where chain = 'tenant-a' and seq = 4;
select chain, ok, first_bad_seq, problem from fraiseql.verify_audit_chain('tenant-a');
rollback to s;
set local session_replication_role = replica;
insert into fraiseql.audit_log
  select chain, seq + 1, logged_at, role, subject, tenant, operation, field, function, query_sha256, variables,
         variables_sha256, 'success', entity_id, entry_hash, sha256(entry_hash), signature, key_id
    from fraiseql.audit_log where chain = 'tenant-a' and seq = 4;
select chain, ok, first_bad_seq, problem from fraiseql.verify_audit_chain('tenant-a');
rollback to s;
set local session_replication_role = replica;
update fraiseql.audit_log set seq = -1 where chain = 'tenant-a' and seq = 2;
update fraiseql.audit_log set seq = 2 where chain = 'tenant-a' and seq = 3;
update fraiseql.audit_log set seq = 3 where chain = 'tenant-a' and seq = -1;
select chain, ok, first_bad_seq, problem from fraiseql.verify_audit_chain('tenant-a');
rollback to s;
set local session_replication_role = replica;
update fraiseql.audit_log set signature = decode(repeat('00', 32), 'hex') where chain = 'tenant-a' and seq = 3;
select chain, ok, first_bad_seq, problem from fraiseql.verify_audit_chain('tenant-a');
rollback to s;
set local session_replication_role = replica;
delete from fraiseql.audit_key where key_id = 'k1';
select chain, ok, first_bad_seq, problem, detail from fraiseql.verify_audit_chain('tenant-a');
rollback to s;
-- a range can be verified on its own
select chain, ok, checked from fraiseql.verify_audit_chain('tenant-a', 2, 3);
-- ordinary roles can neither read nor write the log, nor read or install keys, nor sign
create role auditee nologin;
savepoint r;
set local role auditee;
select count(*) from fraiseql.audit_log;
rollback to r;
set local role auditee;
select count(*) from fraiseql.audit_key;
rollback to r;
set local role auditee;
select fraiseql.audit_set_key('evil', decode(repeat('cc', 32), 'hex'));
rollback to r;
set local role auditee;
select * from fraiseql.verify_audit_chain();
rollback to r;
set local role auditee;
insert into fraiseql.audit_log (chain, seq, logged_at, role, field, function, query_sha256, variables_sha256, outcome, prev_hash, entry_hash)
  values ('tenant-a', 99, now(), 'x', 'f', 'fn', 'h', 'h', 'success', '\x00', '\x00');
rollback to r;
rollback;
-- a large entry (variables of 128 kB: larger than a page, stored out of line by TOAST) is written and verifies
set app.tenant_id = 'tenant-c';
-- (variables above fraiseql.max_variables_size, 100 kB by default, are refused: hostile.sql)
set fraiseql.max_variables_size = 1000000;
select fraiseql.execute('mutation Make($i: CreateUserInput!) { createUser(input: $i) { __typename } }',
         jsonb_build_object('i', jsonb_build_object('identifier', 'u9', 'name',
           (select string_agg(md5(i::text), '') from generate_series(1, 4000) i))))->'data';
select seq, length(variables->'i'->>'name') as name_length, pg_column_size(variables) > 8192 as larger_than_a_page
  from fraiseql.audit_log where chain = 'tenant-c';
select chain, ok, checked from fraiseql.verify_audit_chain('tenant-c');
-- appends maintain plain-column indexes a DBA adds; an index they cannot maintain (on an expression)
-- makes the commit fail with the reason, and the mutation is rolled back with it: no commit without
-- its entry
create index audit_log_by_role on fraiseql.audit_log (role, logged_at);
create index audit_log_by_lower_role on fraiseql.audit_log (lower(role));
select pg_temp.create_user('u10')->'data';
select count(*) as u10_users from tb_user where identifier = 'u10';
drop index fraiseql.audit_log_by_lower_role;
select pg_temp.create_user('u10')->'data';
select count(*) as u10_users from tb_user where identifier = 'u10';
select seq, field from fraiseql.audit_log where chain = 'tenant-c' order by seq;
-- every heap tuple has its entry in every index (amcheck's structure and heapallindexed checks, which
-- raise an error on any inconsistency)
create extension if not exists amcheck;
select i.indexrelid::regclass as index, bt_index_parent_check(i.indexrelid, true)::text = '' as checked
  from pg_index i
 where i.indrelid in ('fraiseql.audit_log'::regclass, 'fraiseql.audit_head'::regclass)
 order by i.indexrelid::regclass::text;
drop extension amcheck;
drop index fraiseql.audit_log_by_role;
select chain, ok, checked from fraiseql.verify_audit_chain('tenant-c');
-- two-phase commit: entries are written at PREPARE TRANSACTION (the chain's lock passes to the prepared
-- transaction); ROLLBACK PREPARED drops them and the chain goes on without a gap, COMMIT PREPARED keeps them
begin;
select fraiseql.execute('mutation { createUser(input: {identifier: "u11", name: "U11"}) { __typename } }')->'data';
prepare transaction 'fraiseql_2pc_rolled_back';
rollback prepared 'fraiseql_2pc_rolled_back';
begin;
select fraiseql.execute('mutation { createUser(input: {identifier: "u12", name: "U12"}) { __typename } }')->'data';
prepare transaction 'fraiseql_2pc_committed';
select count(*) as visible_before_commit_prepared from fraiseql.audit_log where chain = 'tenant-c';
commit prepared 'fraiseql_2pc_committed';
select seq, field, variables->'i' is null as literal_input from fraiseql.audit_log where chain = 'tenant-c' order by seq;
select identifier from tb_user where identifier in ('u11', 'u12');
select chain, ok, checked from fraiseql.verify_audit_chain('tenant-c');
-- without the head's primary key (dropped by hand) appends still find the head, by a table scan
alter table fraiseql.audit_head drop constraint audit_head_pkey;
select pg_temp.create_user('u13')->'data';
alter table fraiseql.audit_head add primary key (chain);
select chain, ok, checked from fraiseql.verify_audit_chain('tenant-c');
-- leave the database as the next tests expect it (a superuser bypassing the guards)
set session_replication_role = replica;
delete from fraiseql.audit_log;
delete from fraiseql.audit_head;
delete from fraiseql.audit_key;
delete from tb_user where identifier in ('u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u9', 'u10', 'u12', 'u13');
reset session_replication_role;
reset app.tenant_id;
-- the extension dropped and created again in this session: its tables have new oids, which the
-- backend's caches look up again
begin;
drop extension fraiseql cascade;
create extension fraiseql;
select fraiseql.load_schema('type User @view(name: "v_user") { id: ID! name: String! } type Query { users: [User!]! }', 'again') > 0 as loaded;
set local fraiseql.schema = 'again';
select fraiseql.execute('{ users(limit: 1) { name } }')->'data';
rollback;
