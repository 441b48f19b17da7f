-- Operation statistics (fraiseql.stat_operations) and Prometheus metrics (fraiseql.metrics()). This
-- cluster preloads fraiseql (scripts/regress.sh), so the statistics are cluster-wide;
-- tests/monitoring.sh checks that requests from other connections add up.
\pset format unaligned
\pset tuples_only on
select fraiseql.stat_reset();
select fraiseql.execute('query GetUsers { users(limit: 1) { name } }')->'data' is not null as answered;
select fraiseql.execute('query GetUsers { users(limit: 2) { name } }')->'data' is not null as answered;
select fraiseql.execute('{ users(limit: 1) { name } posts(limit: 1) { title } }')->'data' is not null as answered;
-- errors: a validation error (the operation is known), a syntax error (it is not)
select fraiseql.execute('query Broken { users(limit: 1) { nope } }')->'errors' is not null as failed;
select fraiseql.execute('{ users(')->'errors' is not null as failed;
select schema_name, kind, operation, calls, errors, total_ms >= max_ms and max_ms >= 0 as times_consistent, scope
  from fraiseql.stat_operations order by kind, operation;
-- the same in Prometheus's text format (times vary: only the counters are shown here)
select line from regexp_split_to_table(fraiseql.metrics(), E'\n') line
 where line ~ '^fraiseql_operation(s|_errors)_total' or line ~ '^# TYPE fraiseql_operations_total'
    or line ~ '^fraiseql_stats_(cluster_wide|dropped_total)'
 order by line;
-- a latency histogram per operation, as Prometheus expects one: 14 cumulative buckets (0.5 ms … 10 s),
-- then +Inf and _count equal to the calls, and _sum
select line from regexp_split_to_table(fraiseql.metrics(), E'\n') line
 where line ~ '^fraiseql_operation_duration_seconds_(count|bucket)\{.*operation="GetUsers"(,le="\+Inf")?\}'
    or line ~ '^# TYPE fraiseql_operation_duration_seconds'
 order by line;
with buckets as (
  select (m[1])::float8 as le, (m[2])::bigint as n
    from regexp_split_to_table(fraiseql.metrics(), E'\n') line,
         regexp_match(line, '^fraiseql_operation_duration_seconds_bucket\{.*operation="GetUsers",le="([0-9.]+)"\} ([0-9]+)$') m
   where m is not null
)
select count(*) as finite_buckets, min(le) as first_le, max(le) as last_le,
       bool_and(n <= coalesce(next_n, n)) as cumulative, max(n) <= 2 as at_most_the_calls
  from (select le, n, lead(n) over (order by le) as next_n from buckets) b;
select count(*) = 1 as has_sum from regexp_split_to_table(fraiseql.metrics(), E'\n') line
 where line ~ '^fraiseql_operation_duration_seconds_sum\{.*GetUsers.*\} [0-9.e-]+$';
-- readiness (health): the schema is loaded and the audit key, if any, readable; the node's role
select fraiseql.health()->'ready' as ready, fraiseql.health()->'not_ready' as why, fraiseql.health()->>'role' as role;
set fraiseql.schema = 'not_loaded';
select fraiseql.health()->>'status' as alive, fraiseql.health()->'ready' as ready, fraiseql.health()->'not_ready' as why;
reset fraiseql.schema;
-- label values are escaped as the format requires (here a schema name with a quote and a backslash,
-- which is not loaded: the request fails before its operation is known)
set fraiseql.schema = 'we"ird\';
select fraiseql.execute('{ users { name } }')->'errors'->0->'extensions'->>'code' as code;
select line from regexp_split_to_table(fraiseql.metrics(), E'\n') line
 where line ~ '^fraiseql_operations_total.*we' or line ~ '^fraiseql_schema_loaded' order by line;
reset fraiseql.schema;
-- only superusers and members of pg_monitor may read them
create role stats_reader nologin;
create role stats_monitor nologin in role pg_monitor;
begin;
set local role stats_reader;
select count(*) from fraiseql.stat_operations;
rollback;
begin;
set local role stats_reader;
select fraiseql.metrics();
rollback;
begin;
set local role stats_monitor;
select count(*) > 0 as monitor_reads_statistics from fraiseql.stat_operations;
select fraiseql.metrics() like '%fraiseql_operations_total%' as monitor_reads_metrics;
rollback;
drop role stats_reader;
drop role stats_monitor;
select fraiseql.stat_reset();
select count(*) as entries_after_reset from fraiseql.stat_operations;
