-- Query fields: lists with limit/offset, single objects by id, aliases, __typename,
-- embedded objects and lists, several root fields, tv_ projection tables.
\pset format unaligned
\pset tuples_only on
begin;
-- a list, ordered by id, limited
select gql('{ users(limit: 2) { id name } }');
-- offset pages through the same order
select gql('{ users(limit: 1, offset: 2) { identifier } }');
-- camelCase fields read snake_case keys; nullable keys come back null
select gql('{ users { identifier email createdAt } }');
-- one object by id; an unknown id is null
select gql('{ user(id: "00000000-0000-0000-0000-00000000000b") { name } nobody: user(id: "00000000-0000-0000-0000-0000000000ff") { name } }');
-- aliases and __typename anywhere
select gql('{ __typename first: users(limit: 1) { who: name kind: __typename } }');
-- embedded object and embedded list, projected to exactly the selection
select gql('{ post(id: "00000000-0000-0000-0000-000000000101") { title author { name } comments { body author { identifier } } } }');
-- an empty embedded list stays a list
select gql('{ post(id: "00000000-0000-0000-0000-000000000103") { title comments { body } } }');
-- several root fields in one statement
select gql('{ posts(limit: 2) { title published } users(limit: 1) { name } }');
-- the tv_ projection table answers exactly like the v_ view
select (fraiseql.execute('{ postsProjected { id title author { name } comments { body } } }')->'data'->'postsProjected')::text
     = (fraiseql.execute('{ posts { id title author { name } comments { body } } }')->'data'->'posts')::text as projection_equals_view;
select gql('{ postProjected(id: "00000000-0000-0000-0000-000000000102") { title comments { author { name } } } }');
-- fragments and @skip/@include shape the selection
select gql('query { users(limit: 1) { ...who email @include(if: false) id @skip(if: true) } } fragment who on User { name identifier }');
-- the same response key twice merges
select gql('{ post(id: "00000000-0000-0000-0000-000000000101") { author { name } author { identifier } } }');
-- the response is json text with keys in the order selected (GraphQL §7.2.2), at every level
select fraiseql.execute('{ user(id: "00000000-0000-0000-0000-00000000000b") { name identifier __typename id } users(limit: 1) { id name } }');
-- aggregates beside the lists (aggregates.sql has them all): totals, groups, an embedded list's
select fraiseql.execute('{ postsAggregate(where: {published: {eq: true}}) { count max { createdAt } groups(by: [{author: {name: true}}]) { key { author { name } } count } } posts(limit: 2) { title commentsAggregate { count } } }');
rollback;
