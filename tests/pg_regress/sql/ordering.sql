-- orderBy: directions and null placement, several keys, JSONB paths and real columns, nested
-- embedded fields; the id always breaks ties, so the order is stable.
\pset format unaligned
\pset tuples_only on
set fraiseql.schema = 'items';
begin;
create function pg_temp.order_ids(o text) returns text language sql as $$
  select case when r ? 'errors' then 'error: ' || (r->'errors'->0->>'message')
              else (select string_agg(right(x->>'id', 1), ',') from jsonb_array_elements(r->'data'->'items') x) end
    from (select fraiseql.execute('{ items(orderBy: ' || o || ') { id } }')::jsonb r) s $$;
-- qty is a real column, count the same value as a JSONB path: 10, 20, 5, null, 20
select pg_temp.order_ids('{qty: ASC}'),              pg_temp.order_ids('{count: ASC}');
select pg_temp.order_ids('{qty: DESC}'),             pg_temp.order_ids('{count: DESC}');
select pg_temp.order_ids('{qty: ASC_NULLS_FIRST}'),  pg_temp.order_ids('{count: ASC_NULLS_FIRST}');
select pg_temp.order_ids('{qty: DESC_NULLS_LAST}'),  pg_temp.order_ids('{count: DESC_NULLS_LAST}');
-- text, timestamps, numbers from JSONB sort by their type
select pg_temp.order_ids('{name: ASC}'), pg_temp.order_ids('{label: DESC}');
select pg_temp.order_ids('{seen: DESC}'), pg_temp.order_ids('{price: ASC}');
-- several keys; ties on qty (items 2 and 5) broken by the next key, then by id
select pg_temp.order_ids('[{qty: DESC_NULLS_LAST}, {name: ASC}]'), pg_temp.order_ids('[{qty: DESC_NULLS_LAST}, {name: DESC}]');
select pg_temp.order_ids('[{active: DESC}, {madeOn: DESC}]');
-- a nested embedded field
select pg_temp.order_ids('{dims: {w: DESC_NULLS_LAST}}');
-- one entry may set only one field, and only orderable fields exist
select pg_temp.order_ids('{qty: ASC, name: DESC}');
select pg_temp.order_ids('{tags: ASC}');
select pg_temp.order_ids('{qty: UP}');
-- order and where together, through the list query
select fraiseql.execute('{ items(where: {qty: {isnull: false}}, orderBy: {qty: DESC}, limit: 2) { name qty } }');
rollback;
