-- operationName chooses among several operations (spec §6.1).
\pset format unaligned
\pset tuples_only on
begin;
select gql('query A { users(limit: 1) { name } } query B { posts(limit: 1) { title } }', null, 'B');
select gql('query A { users(limit: 1) { name } } query B { posts(limit: 1) { title } }', null, 'A');
-- several operations and no name
select gql('query A { users(limit: 1) { name } } query B { posts(limit: 1) { title } }');
-- unknown operation name
select gql('query A { users(limit: 1) { name } }', null, 'C');
-- two operations with one name; an anonymous operation beside a named one
select gql('query A { users { name } } query A { posts { title } }', null, 'A');
select gql('{ users { name } } query B { posts { title } }', null, 'B');
-- a mutation is validated against the Mutation type (here: missing input, field on a union); subscriptions are not supported
select gql('mutation { createUser { id } }');
select gql('subscription { users { name } }');
rollback;
