-- Typed variables: bound as SPI parameters, coerced per the spec, errors as BAD_USER_INPUT.
\pset format unaligned
\pset tuples_only on
begin;
select gql('query ($id: ID!) { user(id: $id) { name } }', '{"id": "00000000-0000-0000-0000-00000000000a"}');
select gql('query ($n: Int, $o: Int = 1) { users(limit: $n, offset: $o) { identifier } }', '{"n": 1}');
-- a value that looks like SQL is only ever a parameter
select gql('query ($id: ID!) { user(id: $id) { name } }', $${"id": "x' OR 1=1 --"}$$);
-- missing required variable: request error, no data
select gql('query ($id: ID!) { user(id: $id) { name } }', '{}');
-- wrong type
select gql('query ($n: Int) { users(limit: $n) { name } }', '{"n": "ten"}');
select gql('query ($n: Int) { users(limit: $n) { name } }', '{"n": 3000000000}');
-- explicit null for a nullable variable means "no limit"
select gql('query ($n: Int) { users(limit: $n) { identifier } }', '{"n": null}');
-- a variable used where its type is not allowed
select gql('query ($id: ID) { user(id: $id) { name } }', '{"id": "00000000-0000-0000-0000-00000000000a"}');
select gql('query ($n: String) { users(limit: $n) { name } }', '{"n": "1"}');
-- undefined and unused variables
select gql('{ user(id: $id) { name } }');
select gql('query ($unused: Int) { users(limit: 1) { name } }');
-- variables must be an object
select gql('{ users(limit: 1) { name } }', '[1]');
-- a negative limit is refused where SQL would fail
select gql('{ users(limit: -1) { name } }');
rollback;
