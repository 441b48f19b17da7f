-- Introspection: __schema and __type answered from the schema model (graphql-js's full introspection
-- query is checked by tests/introspection.sh); a superuser setting turns it off.
\pset format unaligned
\pset tuples_only on
select fraiseql.execute('{ __schema { queryType { name } mutationType { name } subscriptionType { name } } }')->'data';
select fraiseql.execute('{ __type(name: "CreateUserResult") { kind possibleTypes { name } } }')->'data';
select fraiseql.execute('{ __type(name: "Post") { fields { name args { name type { name kind ofType { name } } } } } }')->'data'->'__type'->'fields'->6;
select fraiseql.execute('{ __type(name: "OrderDirection") { kind enumValues { name } } }')->'data';
select fraiseql.execute('{ __type(name: "DateTime") { kind specifiedByURL } }')->'data';
select fraiseql.execute('query ($t: String!) { __type(name: $t) { name kind } }', '{"t": "UserWhere"}')->'data';
select fraiseql.execute('{ __type(name: "NoSuchType") { name } }')->'data';
begin;
set local fraiseql.introspection = off;
select fraiseql.execute('{ __schema { queryType { name } } }');
select fraiseql.execute('{ users(limit: 1) { __typename name } }')->'data';
rollback;
