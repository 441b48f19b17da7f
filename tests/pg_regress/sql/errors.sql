-- Request errors come back as GraphQL errors (no "data" key), never as SQL exceptions.
\pset format unaligned
\pset tuples_only on
begin;
-- syntax errors carry line and column
select gql('{ users { name }');
select gql(E'{\n  users(limit: ) { name }\n}');
-- unknown field, with a suggestion
select gql('{ users { nmae } }');
select gql(E'{\n  post(id: "00000000-0000-0000-0000-000000000101") {\n    author { emial }\n  }\n}');
select gql('{ userz { name } }');
-- unknown argument, duplicate argument, missing required argument, wrong literal type
select gql('{ users(limt: 1) { name } }');
select gql('{ users(limit: 1, limit: 2) { name } }');
select gql('{ user { name } }');
select gql('{ users(limit: "ten") { name } }');
select gql('{ user(id: null) { name } }');
-- leaf and composite selections
select gql('{ users { name { first } } }');
select gql('{ users }');
-- conflicting response keys
select gql('{ users { x: name x: email } }');
-- unknown directives and fragments
select gql('{ users @cached { name } }');
select gql('{ users { ...nope } }');
select gql('{ users { ...f } } fragment f on Post { title }');
select gql('{ users { name } } fragment unused on User { name }');
select gql('{ users { ...a } } fragment a on User { ...b } fragment b on User { ...a }');
-- an empty or missing query
select gql('');
select fraiseql.execute(NULL);
-- a field error keeps "data": a malformed id is null with a located error
select gql('{ user(id: "not-a-uuid") { name } users(limit: 1) { name } }');
rollback;
-- the fraiseql. settings prefix is reserved: a misspelt setting is an error, not a silent no-op
select fraiseql.version() is not null as loaded;
set fraiseql.max_limt = 5;
-- size limits (superuser settings): document size, depth and field count, fragments expanded
begin;
set local fraiseql.max_depth = 2;
select fraiseql.execute('{ users(limit: 1) { name } }')->'data';
select fraiseql.execute('{ posts(limit: 1) { author { name } } }');
select fraiseql.execute('{ posts(limit: 1) { ...A } } fragment A on Post { author { name } }');
set local fraiseql.max_fields = 3;
select fraiseql.execute('{ users(limit: 1) { name email identifier } }');
set local fraiseql.max_query_size = 20;
select fraiseql.execute('{ users(limit: 1) { name } }');
rollback;
