-- Enums whose values are stored under other names (@stored): documents hold "new"/"used", clients see
-- NEW/USED — in results, in filters (literals and variables), in lists, and in mutation inputs (a
-- mutation function receives the stored names it writes).
\pset format unaligned
\pset tuples_only on
begin;
-- echoes what it received
create function pg_temp.fn_rate(input jsonb) returns jsonb language sql as $$ select jsonb_build_object('received', input) $$;
create view v_item_lc with (security_invoker = true) as
  select id, name, data || jsonb_build_object('status', lower(data->>'status'),
                                              'statuses', jsonb_build_array(lower(data->>'status'), 'used')) as data
    from v_item;
select fraiseql.load_schema($$
  "Condition of an item."
  enum Status { NEW @stored(value: "new") USED @stored(value: "used") OLD @stored(value: "old") @deprecated(reason: "Not sold any more.") }
  type Item @view(name: "v_item_lc") { id: ID! name: String status: Status statuses: [Status] }
  type Query { items: [Item!]! }
  input RateInput { name: String! status: Status! history: [Status!] }
  type Mutation { rate(input: RateInput!): JSON @function(name: "pg_temp.fn_rate") }
$$, 'enums') > 0 as loaded;
set local fraiseql.schema = 'enums';
select fraiseql.execute('{ items(limit: 3) { name status statuses } }')->'data';
select fraiseql.execute('{ items(where: {status: {eq: USED}}) { name } }')->'data';
select fraiseql.execute('query ($s: [Status!]) { items(where: {status: {in: $s}}) { name } }', '{"s": ["NEW"]}')->'data';
select fraiseql.execute('{ items(where: {status: {nin: [NEW]}}) { name } }')->'data';
select fraiseql.execute('{ items(where: {status: {eq: new}}) { name } }');
select fraiseql.execute('mutation ($s: Status!) { rate(input: {name: "a", status: $s, history: [NEW, OLD]}) }', '{"s": "USED"}')->'data';
select fraiseql.execute('{ __type(name: "Status") { description enumValues(includeDeprecated: true) { name isDeprecated deprecationReason } } }')->'data';
rollback;
