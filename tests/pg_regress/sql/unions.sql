-- Unions and interfaces as query results: a view of mixed documents, each naming its member type in
-- a discriminator key; fragments on the members shape each document; interface fields apply to all.
\pset format unaligned
\pset tuples_only on
begin;
create view v_feed with (security_invoker = true) as
  select id, data || jsonb_build_object('kind', 'user') as data from v_user
  union all
  select id, data || jsonb_build_object('kind', 'post') as data from v_post;
select fraiseql.load_schema(replace(fraiseql.sdl(), 'type Query {', 'union FeedItem @discriminator(key: "kind", map: "user=User,post=Post") = User | Post
type Query {
  feed: [FeedItem!]! @view(name: "v_feed")'), 'feed') > 0 as loaded;
set local fraiseql.schema = 'feed';
select jsonb_pretty(fraiseql.execute('{ feed(limit: 4) { __typename ... on User { name } ... on Post { title author { name } } } }')::jsonb);
-- a field on the union itself is an error that points to the members
select fraiseql.execute('{ feed { name } }');
-- a union without a discriminator cannot be read from documents
select fraiseql.load_schema('union U = A | B type A @view(name: "v_user") { id: ID! } type B { id: ID! } type Query { xs: [U!]! @view(name: "v_user") }', 'bad');
rollback;
-- interfaces: fields of the interface are selected directly, member fields through fragments
begin;
create view v_feed with (security_invoker = true) as
  select id, data || jsonb_build_object('kind', 'user') as data from v_user
  union all
  select id, data || jsonb_build_object('kind', 'post') as data from v_post;
select fraiseql.load_schema(replace(replace(fraiseql.sdl(), 'interface Node {', 'interface Node @discriminator(key: "kind", map: "user=User,post=Post") {'),
  'type Query {', 'type Query {
  nodes: [Node!]! @view(name: "v_feed")'), 'nodes') > 0 as loaded;
set local fraiseql.schema = 'nodes';
select jsonb_pretty(fraiseql.execute('{ nodes(limit: 4, offset: 2) { id __typename ... on User { name } ... on Post { title } } }')::jsonb);
select fraiseql.execute('{ __type(name: "Node") { kind fields { name } possibleTypes { name } } user: __type(name: "User") { interfaces { name } } }')->'data';
select fraiseql.execute('{ nodes { nmae } }');
-- an implementation must declare every interface field, with its type
savepoint s;
select fraiseql.load_schema('interface I { id: ID! name: String } type A implements I @view(name: "v_user") { id: ID! } type Query { as: [A!]! }', 'bad');
rollback to s;
select fraiseql.load_schema('interface I { id: ID! } type A implements I @view(name: "v_user") { id: String } type Query { as: [A!]! }', 'bad');
rollback to s;
select fraiseql.load_schema('type B { id: ID! } type A implements B @view(name: "v_user") { id: ID! } type Query { as: [A!]! }', 'bad');
rollback to s;
rollback;
