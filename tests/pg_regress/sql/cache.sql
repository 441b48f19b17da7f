-- The per-backend plan cache: a repeated query is served from it; load_schema invalidates it.
\pset format unaligned
\pset tuples_only on
begin;
select fraiseql.reset_cache();
select fraiseql.execute('query ($n: Int) { users(limit: $n) { name } }', '{"n": 1}')->'data';
select fraiseql.cache_stats();
-- the same text with other variable values reuses the plan and the prepared statement
select fraiseql.execute('query ($n: Int) { users(limit: $n) { name } }', '{"n": 2}')->'data';
select fraiseql.cache_stats();
-- loading a schema invalidates: the same text now answers from the new schema
select fraiseql.load_schema($$ type Person @view(name: "v_user") { name: String! identifier: String! } type Query { users: [Person!]! } $$) > 0 as reloaded;
select fraiseql.execute('query ($n: Int) { users(limit: $n) { name } }', '{"n": 1}')->'data';
select fraiseql.execute('query ($n: Int) { users(limit: $n) { identifier __typename } }', '{"n": 1}')->'data';
select fraiseql.cache_stats()->'documents' as documents_after_reload;
-- a plan that depends on variable values (a filter object in a variable) is not reused
select fraiseql.reset_cache();
select fraiseql.execute('query ($w: PersonWhere) { users(where: $w) { name } }', '{"w": {"name": {"startswith": "A"}}}')->'data';
select fraiseql.execute('query ($w: PersonWhere) { users(where: $w) { name } }', '{"w": {"identifier": {"eq": "grace"}}}')->'data';
select fraiseql.cache_stats()->'hits' as hits;
-- an aggregate's plan is reused like a list's: the second call with other values is a hit
select fraiseql.reset_cache();
select fraiseql.execute('query ($n: Int) { usersAggregate { groups(by: [{name: true}], limit: $n) { count } } }', '{"n": 1}')->'data';
select fraiseql.execute('query ($n: Int) { usersAggregate { groups(by: [{name: true}], limit: $n) { count } } }', '{"n": 2}')->'data';
select fraiseql.cache_stats()->'hits' as aggregate_hits;
rollback;
-- after the rollback, the blog schema answers again
select fraiseql.execute('{ users(limit: 1) { email } }')->'data';
-- explain: the generated SQL, its parameters, and Postgres's plan
select e->'parameters', e->>'sql', jsonb_typeof(e->'plan') from fraiseql.explain('query ($id: ID!) { user(id: $id) { name } }', '{"id": "00000000-0000-0000-0000-00000000000a"}') e;
