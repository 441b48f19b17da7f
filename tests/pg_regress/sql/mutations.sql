-- Mutations: SQL functions called with the coerced input as jsonb; Success | Error unions chosen from
-- mutation_response.status; plain jsonb results; several fields in order, a raising one isolated.
\pset format unaligned
\pset tuples_only on
begin;
-- created: the success member, with the entity projected like any view object
select jsonb_pretty(fraiseql.execute($$
  mutation New($in: CreateUserInput!) {
    createUser(input: $in) {
      __typename
      ... on CreateUserSuccess { message status user { identifier name email } }
      ... on CreateUserError { code message }
    }
  }$$, '{"in": {"identifier": "alan", "name": "Alan Turing", "email": "alan@example.org"}}')::jsonb);
select count(*) as alan_exists from tb_user where identifier = 'alan';
-- conflict:* and validation:* select the error member; code is the status's kind
select fraiseql.execute($$ mutation { createUser(input: {identifier: "alan", name: "Alan again"}) { __typename ... on CreateUserError { code status message } } } $$)->'data';
select fraiseql.execute($$ mutation { createUser(input: {identifier: "nobody", name: " "}) { ... on CreateUserError { code message errors } } } $$)->'data';
-- a plain-jsonb function: its object is the result; camelCase input keys reach it in snake_case
select (fraiseql.execute($$ mutation ($p: ID!, $a: ID!) { addComment(input: {postId: $p, authorId: $a, body: "Nice."}) } $$,
  '{"p": "00000000-0000-0000-0000-000000000103", "a": "00000000-0000-0000-0000-00000000000a"}')->'data'->'addComment')::jsonb - 'id'::text as added;
rollback;
-- several fields run in order; one that raises is null with its path and SQLSTATE, the others stay
begin;
create function fn_explode(input jsonb) returns jsonb language plpgsql as $$
  begin raise exception 'boom: %', input->>'why' using errcode = '22023'; end $$;
select fraiseql.load_schema(replace(fraiseql.sdl(), 'type Mutation {', 'type Mutation {
  explode(why: String): JSON @function(name: "fn_explode")'), 'default') > 0 as reloaded;
select jsonb_pretty(fraiseql.execute($$ mutation {
  first: createUser(input: {identifier: "first", name: "First"}) { __typename }
  explode(why: "testing isolation")
  third: createUser(input: {identifier: "third", name: "Third"}) { __typename }
} $$)::jsonb);
select string_agg(identifier, ',' order by identifier) as kept from tb_user where identifier in ('first', 'third');
-- mutations through fraiseql.query are refused (it is read-only)
select fraiseql.query('mutation { createUser(input: {identifier: "q", name: "Q"}) { __typename } }');
-- mutations run as the calling role: without INSERT on tb_user the field fails with FORBIDDEN
create role web_reader nologin;
grant select on v_user, tb_user to web_reader;
set local role web_reader;
select fraiseql.execute('mutation { createUser(input: {identifier: "x", name: "X"}) { __typename } }');
reset role;
rollback;
