-- The validation rules of the GraphQL spec (October 2021, §5): for each, a document that passes and
-- one that is rejected with the spec-shaped error (and no "data").
\pset format unaligned
\pset tuples_only on
begin;
create function pg_temp.v(q text, vars jsonb default null, op text default null) returns text language sql as $$
  select case when r ? 'errors' and not r ? 'data' then 'rejected (' || (r->'errors'->0->'extensions'->>'code') || '): ' || (r->'errors'->0->>'message')
              when r ? 'errors' then 'field error: ' || (r->'errors'->0->>'message')
              else 'accepted' end
    from (select fraiseql.execute(q, vars, op)::jsonb r) s $$;
-- 5.1.1 executable definitions (a type definition does not even parse as a request)
select pg_temp.v('{ users(limit: 1) { name } }'), pg_temp.v('type X { a: Int } { users { name } }');
-- 5.2.1.1 operation name uniqueness
select pg_temp.v('query A { users(limit: 1) { name } } query B { posts(limit: 1) { title } }', null, 'A'), pg_temp.v('query A { users { name } } query A { posts { title } }', null, 'A');
-- 5.2.2.1 lone anonymous operation
select pg_temp.v('{ users(limit: 1) { name } }'), pg_temp.v('{ users { name } } query B { posts { title } }', null, 'B');
-- 5.2.3.1 subscriptions (not supported at all)
select pg_temp.v('subscription { users { name } }');
-- 5.3.1 field selections on objects, interfaces and unions
select pg_temp.v('{ users(limit: 1) { name } }'), pg_temp.v('{ users { nmae } }');
-- 5.3.2 field selection merging
select pg_temp.v('{ users(limit: 1) { name ... on User { name } } }'), pg_temp.v('{ users { x: name ...F } } fragment F on User { x: email }');
select pg_temp.v('{ users(limit: 1) { n: name n: name } }'), pg_temp.v('{ posts { comments(limit: 1) { body } comments(limit: 2) { body } } }');
-- 5.3.3 leaf field selections
select pg_temp.v('{ users(limit: 1) { name } }'), pg_temp.v('{ users }');
select pg_temp.v('{ users(limit: 1) { email } }'), pg_temp.v('{ users { email { x } } }');
-- 5.4.1 argument names
select pg_temp.v('{ users(limit: 1) { name } }'), pg_temp.v('{ users(limt: 1) { name } }');
-- 5.4.2 argument uniqueness
select pg_temp.v('{ users(limit: 1, offset: 1) { name } }'), pg_temp.v('{ users(limit: 1, limit: 2) { name } }');
-- 5.4.2.1 required arguments
select pg_temp.v('{ user(id: "00000000-0000-0000-0000-00000000000a") { name } }'), pg_temp.v('{ user { name } }');
-- 5.5.1.1 fragment name uniqueness
select pg_temp.v('{ users(limit: 1) { ...F } } fragment F on User { name }'), pg_temp.v('{ users { ...F } } fragment F on User { name } fragment F on User { email }');
-- 5.5.1.2 fragment spread type existence
select pg_temp.v('{ users(limit: 1) { ... on User { name } } }'), pg_temp.v('{ users { ... on Usr { name } } }');
-- 5.5.1.3 fragments on composite types
select pg_temp.v('{ users(limit: 1) { ...F } } fragment F on User { name }'), pg_temp.v('{ users { ...F } } fragment F on String { length }');
-- 5.5.1.4 fragments must be used
select pg_temp.v('{ users(limit: 1) { ...F } } fragment F on User { name }'), pg_temp.v('{ users { name } } fragment F on User { name }');
-- 5.5.2.1 fragment spread target defined
select pg_temp.v('{ users(limit: 1) { ...F } } fragment F on User { name }'), pg_temp.v('{ users { ...G } }');
-- 5.5.2.2 fragment spreads must not form cycles
select pg_temp.v('{ users(limit: 1) { ...A } } fragment A on User { ...B } fragment B on User { name }'), pg_temp.v('{ users { ...A } } fragment A on User { ...B } fragment B on User { ...A }');
-- 5.5.2.3 fragment spread is possible (object in object, object in interface)
select pg_temp.v('{ users(limit: 1) { ... on Node { id } } }'), pg_temp.v('{ users { ... on Post { title } } }');
-- 5.6.1 values of correct type (Int, enum, custom scalars)
select pg_temp.v('{ users(limit: 1, orderBy: {name: DESC}) { name } }'), pg_temp.v('{ users(limit: "one") { name } }');
select pg_temp.v('{ users(limit: 1, where: {createdAt: {gt: "2024-01-01T00:00:00Z"}}) { name } }'), pg_temp.v('{ users(where: {createdAt: {gt: "yesterday"}}) { name } }');
select pg_temp.v('{ users(limit: 1, orderBy: {name: ASC}) { name } }'), pg_temp.v('{ users(orderBy: {name: UPWARDS}) { name } }');
-- 5.6.2 input object field names
select pg_temp.v('{ users(limit: 1, where: {name: {eq: "Ada Lovelace"}}) { name } }'), pg_temp.v('{ users(where: {nmae: {eq: "x"}}) { name } }');
-- 5.6.4 input object required fields
select pg_temp.v('mutation { createUser(input: {identifier: "v1", name: "V"}) { __typename } }'), pg_temp.v('mutation { createUser(input: {identifier: "v2"}) { __typename } }');
-- 5.7.1 directives are defined
select pg_temp.v('{ users(limit: 1) { name @include(if: true) } }'), pg_temp.v('{ users { name @cached } }');
-- 5.7.2 directives are in valid locations
select pg_temp.v('{ users(limit: 1) @skip(if: false) { name } }'), pg_temp.v('query @skip(if: true) { users { name } }');
-- 5.7.3 directives are unique per location
select pg_temp.v('{ users(limit: 1) { name @skip(if: false) @include(if: true) } }'), pg_temp.v('{ users { name @skip(if: false) @skip(if: true) } }');
-- 5.8.1 variable uniqueness
select pg_temp.v('query ($n: Int) { users(limit: $n) { name } }', '{"n": 1}'), pg_temp.v('query ($n: Int, $n: Int) { users(limit: $n) { name } }');
-- 5.8.2 variables are input types
select pg_temp.v('query ($w: UserWhere) { users(limit: 1, where: $w) { name } }'), pg_temp.v('query ($u: User) { users { name } }');
-- 5.8.3 all variable uses defined
select pg_temp.v('query ($n: Int) { users(limit: $n) { name } }', '{"n": 1}'), pg_temp.v('query { users(limit: $n) { name } }');
-- 5.8.4 all variables used
select pg_temp.v('query ($n: Int) { users(limit: $n) { name } }', '{"n": 1}'), pg_temp.v('query ($n: Int) { users(limit: 1) { name } }');
-- 5.8.5 all variable usages are allowed (a nullable variable with a default may fill a non-null slot)
select pg_temp.v('query ($id: ID = "00000000-0000-0000-0000-00000000000a") { user(id: $id) { name } }'), pg_temp.v('query ($id: ID) { user(id: $id) { name } }');
-- 5.6.3 input object field uniqueness
select pg_temp.v('{ users(limit: 1, where: {name: {eq: "Ada Lovelace"}, email: {isnull: false}}) { name } }'), pg_temp.v('{ users(where: {name: {eq: "a"}, name: {eq: "b"}}) { name } }');
rollback;
