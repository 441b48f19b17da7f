-- load_schema checks SDL against the database; a bad schema is rejected and the old one stays.
\pset format unaligned
\pset tuples_only on
\set VERBOSITY default
begin;
select max(version) as before from fraiseql.schema_version \gset
-- unknown directive, named with its line
select fraiseql.load_schema(E'type User @viewz(name: "v_user") {\n  id: ID!\n}\ntype Query { users: [User] }');
rollback;
begin;
-- unknown type, with a suggestion
select fraiseql.load_schema(E'type User @view(name: "v_user") {\n  id: ID!\n  best: Pots\n}\ntype Query { users: [User] }');
rollback;
begin;
-- view missing, with a suggestion; a relation without data jsonb
select fraiseql.load_schema(E'type User @view(name: "v_usr") { id: ID! }\ntype Query { users: [User] }');
rollback;
begin;
select fraiseql.load_schema(E'type User @view(name: "tb_user") { id: ID! }\ntype Query { users: [User] }');
rollback;
begin;
-- a syntax error in SDL
select fraiseql.load_schema(E'type User @view(name: "v_user") {\n  id: ID!\n');
rollback;
begin;
-- a root field must return a view type
select fraiseql.load_schema(E'type Query { hello: String }');
rollback;
-- the blog schema is still the active one
select version = :before as unchanged from (select max(version) as version from fraiseql.schema_version) v;
select gql('{ users(limit: 1) { name } }');
select fraiseql.sdl() = pg_read_file('/dev/null') || fraiseql.sdl() as sdl_is_text;
-- a materialized view's rows were computed by whoever refreshed it: RLS does not apply to the caller
begin;
create materialized view public.mv_user as select * from public.v_user;
select fraiseql.load_schema('type U @view(name: "mv_user") { id: ID! } type Query { u: [U!]! }', 'matview') > 0 as loaded;
rollback;
