-- Pagination: limit/offset with a default and a maximum page size, and Relay connections with
-- keyset cursors that stay correct with any orderBy and with nulls, forwards and backwards.
\pset format unaligned
\pset tuples_only on
set fraiseql.schema = 'items';
begin;
-- limit/offset pages cover the list exactly once
select fraiseql.execute('{ a: items(limit: 2) { id } b: items(limit: 2, offset: 2) { id } c: items(limit: 2, offset: 4) { id } }')->'data';
-- fraiseql.default_limit applies when no limit is given; fraiseql.max_limit is enforced
set local fraiseql.default_limit = 2;
select jsonb_array_length((fraiseql.execute('{ items { id } }'))::jsonb->'data'->'items') as default_page;
reset fraiseql.default_limit;
select fraiseql.execute('{ items(limit: 5000) { id } }');
select fraiseql.execute('{ items(limit: -1) { id } }');
-- a first page: edges, cursors, pageInfo; totalCount only when selected
select jsonb_pretty(fraiseql.execute('{ itemsConnection(first: 2, orderBy: {qty: DESC}) { totalCount edges { node { name qty } } pageInfo { hasNextPage hasPreviousPage } } }')::jsonb);
select position('count(*) FROM' in fraiseql.explain('{ itemsConnection(first: 2) { edges { cursor } } }')->>'sql') = 0 as no_count_unless_selected;
select position('count(*) FROM' in fraiseql.explain('{ itemsConnection(first: 2) { totalCount } }')->>'sql') > 0 as count_when_selected;
-- walk every page forwards (first/after) and backwards (last/before); compare with the plain list
create function pg_temp.walk(order_by text, page int, backward boolean) returns text language plpgsql as $$
declare
  cursor text := null; r jsonb; out text[] := '{}'; edge jsonb; more boolean := true; guard int := 0;
begin
  while more and guard < 20 loop
    guard := guard + 1;
    r := fraiseql.execute(format(
      'query ($c: String) { itemsConnection(%s: %s, %s: $c, orderBy: %s) { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }',
      case when backward then 'last' else 'first' end, page, case when backward then 'before' else 'after' end, order_by),
      jsonb_build_object('c', cursor));
    if r ? 'errors' then return 'error: ' || (r->'errors'->0->>'message'); end if;
    if backward then
      for edge in select * from jsonb_array_elements(r->'data'->'itemsConnection'->'edges') with ordinality e(v, n) order by n desc loop
        out := right(edge->'node'->>'id', 1) || out;
      end loop;
      more := (r->'data'->'itemsConnection'->'pageInfo'->>'hasPreviousPage')::boolean;
      cursor := r->'data'->'itemsConnection'->'pageInfo'->>'startCursor';
    else
      for edge in select * from jsonb_array_elements(r->'data'->'itemsConnection'->'edges') loop
        out := out || right(edge->'node'->>'id', 1);
      end loop;
      more := (r->'data'->'itemsConnection'->'pageInfo'->>'hasNextPage')::boolean;
      cursor := r->'data'->'itemsConnection'->'pageInfo'->>'endCursor';
    end if;
  end loop;
  return array_to_string(out, ',');
end $$;
create function pg_temp.plain(order_by text) returns text language sql as $$
  select string_agg(right(x->>'id', 1), ',')
    from jsonb_array_elements((fraiseql.execute('{ items(orderBy: ' || order_by || ') { id } }'))::jsonb->'data'->'items') x $$;
select o, pg_temp.plain(o) as plain, pg_temp.walk(o, 2, false) as forward, pg_temp.walk(o, 2, true) as backward,
       pg_temp.walk(o, 1, false) = pg_temp.plain(o) and pg_temp.walk(o, 3, true) = pg_temp.plain(o) as other_page_sizes
  from unnest(array['{qty: ASC}', '{qty: DESC}', '{qty: ASC_NULLS_FIRST}', '{name: DESC_NULLS_LAST}',
                    '{seen: DESC}', '[{qty: DESC_NULLS_LAST}, {label: ASC}]', '{dims: {w: ASC}}', '[]']) o;
-- pageInfo in the middle of a list
select fraiseql.execute('query ($c: String) { itemsConnection(first: 2, after: $c) { edges { node { id } } pageInfo { hasNextPage hasPreviousPage } } }',
  jsonb_build_object('c', fraiseql.execute('{ itemsConnection(first: 1) { pageInfo { endCursor } } }')->'data'->'itemsConnection'->'pageInfo'->>'endCursor'))->'data';
-- a cursor is only valid with its orderBy; garbage is a clear error; first and last together are refused
select fraiseql.execute('query ($c: String) { itemsConnection(first: 2, after: $c, orderBy: [{qty: ASC}, {name: ASC}]) { edges { cursor } } }',
  jsonb_build_object('c', fraiseql.execute('{ itemsConnection(first: 1) { pageInfo { endCursor } } }')->'data'->'itemsConnection'->'pageInfo'->>'endCursor'));
select fraiseql.execute('{ itemsConnection(first: 2, after: "not a cursor") { edges { cursor } } }');
select fraiseql.execute('{ itemsConnection(first: 2, last: 2) { edges { cursor } } }');
-- where applies to connections and to totalCount
select fraiseql.execute('{ itemsConnection(first: 1, where: {status: {eq: USED}}) { totalCount edges { node { id } } pageInfo { hasNextPage } } }')->'data';
rollback;
