-- The commands of docs/runbook.md, as written there, so that they keep working.
\pset format unaligned
\pset tuples_only on
-- an audit chain fails verification: verify, narrow to a range, anchor, find the chain lock's holder
select count(*) as bad_chains from fraiseql.verify_audit_chain() where not ok;
select count(*) as bad_in_range from fraiseql.verify_audit_chain('global', 1, 10) where not ok;
select fraiseql.audit_checkpoint('global') ?& array['seq', 'head_hash', 'signature', 'key_id'] as anchor_fields;
select count(*) as chain_locks_held from pg_locks where locktype = 'object' and classid = 'fraiseql.audit_head'::regclass;
select count(*) as prepared from pg_prepared_xacts;
-- the statistics table is full
select fraiseql.stat_reset();
-- a schema load is refused: the active version, and every version kept
select fraiseql.sdl() is not null as active_sdl;
select count(*) > 0 as versions_kept from fraiseql.schema_version;
-- a projection drifts (its triggers were skipped: session_replication_role = replica, as a logical
-- replica applies changes): verify_projection finds the post, refresh_projection mends it
begin;
set local session_replication_role = replica;
update tb_post set title = title || ' (edited)' where pk_post = (select min(pk_post) from tb_post);
set local session_replication_role = origin;
select problem, count(*) from fraiseql.verify_projection('tv_post') group by problem;
select fraiseql.refresh_projection('tv_post') as rewritten;
select count(*) as drifted from fraiseql.verify_projection('tv_post');
rollback;
-- the plan cache misbehaves: its statistics, emptying it, answering without it, the compiled SQL
select fraiseql.cache_stats() ?& array['documents', 'statements', 'hits', 'misses'] as cache_fields;
select fraiseql.reset_cache();
set fraiseql.plan_cache_size = 0;
select fraiseql.execute('{ users(limit: 1) { name } }')->'data' is not null as answered_uncached;
reset fraiseql.plan_cache_size;
select fraiseql.explain('{ users(limit: 1) { name } }')->>'sql' like 'SELECT %' as compiled_sql;
select fraiseql.explain('{ users(limit: 1) { name } }', "analyze" => true)->'plan' is not null as analyzed;
