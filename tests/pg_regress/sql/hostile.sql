-- Hostile requests (issue: never take the database down). Each is refused before any SQL runs,
-- bounded, or answered with a clear GraphQL error naming the setting — never a backend crash, a
-- Rust message, unbounded SQL or a widened filter.
\pset format unaligned
\pset tuples_only on
-- err(query, variables, extensions): the first error's code and message, or 'ok'
create function pg_temp.err(q text, v jsonb default null, x jsonb default null) returns text language sql as $$
  select coalesce((r->'errors'->0->'extensions'->>'code') || ': ' || (r->'errors'->0->>'message'), 'ok')
    from fraiseql.execute(q, v, null, x) r $$;
-- raised(sql): the SQLSTATE and message an SQL statement raises, or 'ok'
create function pg_temp.raised(stmt text) returns text language plpgsql as $$
begin execute stmt; return 'ok';
exception when others then return sqlstate || ': ' || sqlerrm; end $$;
begin;
-- 1. Documents compiling to the same SQL text with different parameter lists, one after the other
-- on one connection: prepared statements are keyed by text and parameter types (this crashed the
-- backend when they were keyed by text only)
select fraiseql.explain('{ usersConnection(first: 2) { totalCount } }')->'parameters';
select fraiseql.explain('{ usersConnection { totalCount } }')->'parameters';
select fraiseql.execute('{ usersConnection(first: 2) { totalCount } }');
select fraiseql.execute('{ usersConnection { totalCount } }');
select fraiseql.execute('query ($a: String) { usersConnection(first: 1, after: $a) { totalCount } }', '{"a": null}');
select fraiseql.execute('{ usersConnection(first: 1) { totalCount } }');
-- 3. cost: each list multiplies what it selects by its page size; the refusal names the cost, the
-- limit and the setting
set local fraiseql.schema = 'items';
select pg_temp.err('{ items { children { children { name } } } }');
select pg_temp.err('{ items(limit: 10) { children(limit: 10) { children(limit: 10) { name } } } }');
select pg_temp.err('query ($n: Int) { items(limit: $n) { children { children { name } } } }', '{"n": 1000}');
set local fraiseql.max_cost = 100;
select pg_temp.err('{ items(limit: 10) { children(limit: 10) { name } } }');
reset fraiseql.max_cost;
set local fraiseql.schema = 'default';
-- aliases (fragments expanded): 31 aliases against the default 30
select pg_temp.err('{ ' || (select string_agg('a' || i || ': users(limit: 1) { name }', ' ') from generate_series(1, 31) i) || ' }');
select pg_temp.err('{ ...F ...F } fragment F on Query { ' || (select string_agg('a' || i || ': users(limit: 1) { name }', ' ') from generate_series(1, 16) i) || ' }');
select pg_temp.err('{ ' || (select string_agg('a' || i || ': users(limit: 1) { name }', ' ') from generate_series(1, 30) i) || ' }');
-- the security profiles tighten both
set local fraiseql.security_profile = 'regulated';
select fraiseql.health()->'security';
reset fraiseql.security_profile;
-- 4. a refused page size is a field error and its statement asks for no rows (never LIMIT NULL)
select fraiseql.execute('{ users(limit: -1) { name } }');
select fraiseql.explain('{ users(limit: -1) { name } }')->'parameters';
select fraiseql.explain('{ users(limit: 1000000) { name } }')->'parameters';
select fraiseql.explain('{ usersConnection(first: 1000000) { totalCount } }')->'parameters';
-- 5. variables and extensions jsonb holds but JSON cannot: BAD_USER_INPUT, no Rust internals
select pg_temp.err('query ($n: Int) { users(limit: $n) { name } }', '{"n": 1e309}');
select pg_temp.err('{ users(limit: 1) { name } }', (select (repeat('[', 127) || '1' || repeat(']', 127))::jsonb));
select pg_temp.err('{ users(limit: 1) { name } }', null, '{"x": 1e309}');
select pg_temp.err('{ users(limit: 1) { name } }', jsonb_build_object('deep', (repeat('{"a":', 200) || '1' || repeat('}', 200))::jsonb));
-- 6. NUL characters cannot reach a filter (they once matched every row)
select pg_temp.err('{ posts(where: {title: {icontains: "\u0000"}}) { title } }');
select pg_temp.err('{ posts(where: {title: {ilike: "a\u0000b"}}) { title } }');
select pg_temp.err('query ($t: String = "\u0000") { posts(where: {title: {eq: $t}}) { title } }');
select pg_temp.err('{ postsConnection(first: 1, after: "WyJcdTAwMDAiXQ==") { totalCount } }');
select pg_temp.raised($$select fraiseql.execute('{ posts { title } }', '{"t": "\u0000"}')$$);
-- 8. variables are bounded: 100 kB by default (fraiseql.max_variables_size)
select pg_temp.err('query ($w: PostWhere) { posts(where: $w) { title } }',
  jsonb_build_object('w', jsonb_build_object('OR', (select jsonb_agg(jsonb_build_object('title', jsonb_build_object('eq', 'title number ' || i))) from generate_series(1, 5000) i))));
rollback;
-- 7. a JSON scalar in a mutation input arrives unchanged; input-object fields become snake_case
create function public.fn_echo_input(input jsonb) returns jsonb language sql as $$ select jsonb_build_object('got', input) $$;
select fraiseql.load_schema($$ type Dummy @view(name: "v_user") { id: ID! } type Query { dummies: [Dummy!]! }
  input EchoInput { someField: String extraInfo: JSON } type Mutation { echo(input: EchoInput!): JSON @function(name: "fn_echo_input") } $$, 'echo') > 0;
set fraiseql.schema = 'echo';
select fraiseql.execute('mutation { echo(input: {someField: "x", extraInfo: {Book10: 1, NaN: 2, nested: {camelCase: [1]}}}) }');
select fraiseql.execute('mutation ($i: EchoInput!) { echo(input: $i) }', '{"i": {"someField": "x", "extraInfo": {"Book 10": 1, "NaN": 2}}}');
reset fraiseql.schema;
drop function public.fn_echo_input(jsonb);
-- 9. every SDL problem is a 42P15 error naming the line, malformed names included
select pg_temp.raised($$select fraiseql.load_schema('type U @view(name: "a..b") { id: ID! } type Query { u: [U!]! }', 'bad')$$);
select pg_temp.raised($$select fraiseql.load_schema(E'type U @view(name: "v_user") { id: ID! }\ntype Query { u: [U!]! }\ntype Mutation { m(input: JSON): JSON @function(name: "fn(x") }', 'bad')$$);
select pg_temp.raised($$select fraiseql.load_schema('type U @view(name: "v_user;drop") { id: ID! } type Query { u: [U!]! }', 'bad')$$);
-- a fragment cycle through a field is a validation error (it once recursed until the backend crashed)
set fraiseql.schema = 'items';
select pg_temp.err('{ items { ...F } } fragment F on Item { children { ...F } }');
select pg_temp.err('{ items { ...F } } fragment F on Item { id } fragment F on Item { children { ...F } }');
-- limits are counted before validation: thousands of aliased unknown fields are refused by the count (they
-- once took 2.3 s of validation and suggestions, found by tests/fuzz.sh); within the limits, a
-- document gets at most 100 validation errors
select pg_temp.err('{ items { ' || (select string_agg('a' || i || ': nope', ' ') from generate_series(1, 3000) i) || ' } }');
select jsonb_array_length((fraiseql.execute('{ item(id: "00000000-0000-0000-0000-000000000001") { ' || (select string_agg('nope' || i, ' ') from generate_series(1, 500) i) || ' } }'))::jsonb->'errors');
select fraiseql.execute('{ item(id: "00000000-0000-0000-0000-000000000001") { ' || (select string_agg('nope' || i, ' ') from generate_series(1, 500) i) || ' } }')->'errors'->100->>'message';
reset fraiseql.schema;
-- an object of more than 50 fields (several json_build_object calls joined): valid JSON, order kept
set fraiseql.max_aliases = 100;
select count(*) as keys, string_agg(k, ',' order by n) filter (where n <= 3 or n >= 58) as first_and_last
  from json_object_keys((fraiseql.execute('{ user(id: "00000000-0000-0000-0000-00000000000b") { '
       || (select string_agg('f' || i || ': name', ' ') from generate_series(1, 60) i) || ' } }')->'data'->'user')) with ordinality o(k, n);
reset fraiseql.max_aliases;
-- the backend is still the same one (nothing above restarted it)
select count(*) from pg_stat_activity where pid = pg_backend_pid();
