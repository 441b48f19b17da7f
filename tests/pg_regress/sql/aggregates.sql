-- Aggregates: count, countDistinct, sum, avg, min, max and groups(by:, having:, orderBy:, limit:,
-- offset:) over the rows a list returns, in the same statement. Each answer is compared with SQL
-- written independently over the base table (tb_item), and real columns with their JSONB twins
-- (name/label, qty/count, price/cost, made_on/made, seen_at/seen, status/state).
\pset format unaligned
\pset tuples_only on
set fraiseql.schema = 'items';
begin;
-- everything at once over all items: qty has a NULL, name has a NULL, seen_at has a NULL
select jsonb_pretty(fraiseql.execute('{ itemsAggregate { count countDistinct { status state qty name } sum { qty count price cost } avg { qty count price cost } min { name label qty madeOn made seenAt seen } max { name label qty price madeOn made seenAt seen } } }')::jsonb);
-- the same numbers, computed by hand from tb_item
select fraiseql.execute('{ itemsAggregate { count countDistinct { status qty name } sum { qty price } avg { qty price } min { name qty madeOn seenAt } max { name qty price madeOn } } }')::jsonb->'data'->'itemsAggregate'
     = (select jsonb_build_object('count', count(*),
              'countDistinct', jsonb_build_object('status', count(distinct status), 'qty', count(distinct qty), 'name', count(distinct name)),
              'sum', jsonb_build_object('qty', sum(qty), 'price', sum(price)),
              'avg', jsonb_build_object('qty', avg(qty)::float8, 'price', avg(price)::float8),
              'min', jsonb_build_object('name', min(name), 'qty', min(qty), 'madeOn', min(made_on), 'seenAt', min(seen_at)),
              'max', jsonb_build_object('name', max(name), 'qty', max(qty), 'price', max(price), 'madeOn', max(made_on)))
          from tb_item) as equals_hand_written_sql;
-- a real column and its JSONB-path twin aggregate alike
select r->'sum'->'qty' = r->'sum'->'count' and r->'sum'->'price' = r->'sum'->'cost'
   and r->'min'->'name' = r->'min'->'label' and r->'max'->'madeOn' = r->'max'->'made'
   and r->'countDistinct'->'status' = r->'countDistinct'->'state' as columns_equal_paths
  from (select fraiseql.execute('{ itemsAggregate { sum { qty count price cost } min { name label } max { madeOn made } countDistinct { status state } } }')::jsonb->'data'->'itemsAggregate' r) s;
-- the list's where applies: active items only, compared with the list itself and with SQL
select fraiseql.execute('{ itemsAggregate(where: {active: {eq: true}}) { count sum { qty } } items(where: {active: {eq: true}}) { qty } }')->'data';
select (fraiseql.execute('{ itemsAggregate(where: {OR: [{qty: {gt: 10}}, {name: {isnull: true}}]}) { count sum { price } } }')::jsonb->'data'->'itemsAggregate')
     = (select jsonb_build_object('count', count(*), 'sum', jsonb_build_object('price', sum(price))) from tb_item where qty > 10 or name is null) as where_equals_sql;
-- empty input: count 0, every other aggregate null, no groups
select jsonb_pretty(fraiseql.execute('{ itemsAggregate(where: {qty: {gt: 1000}}) { count countDistinct { qty } sum { qty } avg { price } min { madeOn } max { name } groups(by: [{status: true}]) { count } } }')::jsonb);
rollback;
begin;
-- groups by a real column and by its JSONB twin: the same groups; the NULL status is a group of its own
select jsonb_pretty(fraiseql.execute('{ itemsAggregate { groups(by: [{status: true}]) { key { status } count sum { qty } avg { price } } byState: groups(by: [{state: true}]) { key { state } count } } }')::jsonb);
select (fraiseql.execute('{ itemsAggregate { groups(by: [{status: true}]) { key { status } count sum { qty } max { madeOn } } } }')::jsonb->'data'->'itemsAggregate'->'groups')
     = (select jsonb_agg(g order by status nulls last) from (select status, jsonb_build_object('key', jsonb_build_object('status', status), 'count', count(*), 'sum', jsonb_build_object('qty', sum(qty)), 'max', jsonb_build_object('madeOn', max(made_on))) g
                                                            from tb_item group by status) s) as groups_equal_sql;
-- two keys, one of them a month bucket; keys not in `by` are null
select jsonb_pretty(fraiseql.execute('{ itemsAggregate { groups(by: [{active: true}, {madeOn: YEAR}]) { key { active madeOn name } count } } }')::jsonb);
select (fraiseql.execute('{ itemsAggregate { groups(by: [{madeOn: MONTH}]) { key { madeOn } count } } }')::jsonb->'data'->'itemsAggregate'->'groups')
     = (select jsonb_agg(jsonb_build_object('key', jsonb_build_object('madeOn', m), 'count', c) order by m nulls last)
          from (select date_trunc('month', made_on)::date m, count(*) c from tb_item group by 1) s) as month_buckets_equal_sql;
-- a time truncated to its day, week and year (TimeZone is UTC in these tests)
set local timezone = 'UTC';
select fraiseql.execute('{ itemsAggregate { days: groups(by: [{seenAt: DAY}], limit: 2) { key { seenAt } count } weeks: groups(by: [{seen: WEEK}], limit: 2) { key { seen } count } years: groups(by: [{seenAt: YEAR}]) { key { seenAt } count } } }')->'data';
-- a key inside an embedded object (dims.w, JSONB only)
select fraiseql.execute('{ itemsAggregate { groups(by: [{dims: {w: true}}], orderBy: [{key: {dims: {w: DESC}}}]) { key { dims { w h } } count } } }')->'data';
-- having (the operators of where, over aggregates), ordering by aggregates, pages of groups
select fraiseql.execute('{ itemsAggregate { groups(by: [{status: true}], having: {count: {gte: 2}}) { key { status } count } } }')->'data';
select fraiseql.execute('{ itemsAggregate { groups(by: [{status: true}], having: {OR: [{sum: {qty: {gt: 30}}}, {max: {name: {startswith: "d"}}}]}) { key { status } sum { qty } } } }')->'data';
select fraiseql.execute('{ itemsAggregate { groups(by: [{status: true}], having: {NOT: {min: {madeOn: {lt: "2024-02-01"}}}, countDistinct: {qty: {eq: 1}}}) { key { status } } } }')->'data';
select fraiseql.execute('{ itemsAggregate { groups(by: [{status: true}], orderBy: [{sum: {qty: DESC}}]) { key { status } sum { qty } } } }')->'data';
select fraiseql.execute('{ itemsAggregate { groups(by: [{status: true}], orderBy: [{count: DESC}, {key: {status: DESC}}], limit: 2, offset: 1) { key { status } count } } }')->'data';
-- the where of the aggregate applies to its groups too
select fraiseql.execute('{ itemsAggregate(where: {qty: {isnull: false}}) { count groups(by: [{status: true}]) { key { status } count } } }')->'data';
rollback;
begin;
-- beside a @relation list: each item's children, with the same where as the list
select fraiseql.execute('{ items(limit: 10, where: {id: {in: ["00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002", "00000000-0000-0000-0000-000000000005"]}}) { name children(limit: 10) { name qty } childrenAggregate { count sum { qty } } big: childrenAggregate(where: {qty: {gte: 20}}) { count } } }')->'data';
-- on a connection: over every object matching its filter, not only the page
select fraiseql.execute('{ itemsConnection(first: 1, where: {active: {eq: true}}) { totalCount aggregate { count max { qty } } edges { node { name } } } }')->'data';
-- __typename on every generated type
select fraiseql.execute('{ itemsAggregate { __typename sum { __typename qty } groups(by: [{status: true}], limit: 1) { __typename key { __typename status } } } }')->'data';
rollback;
reset fraiseql.schema;
begin;
-- beside a list embedded in the document: a post's comments, grouped by their author's name (an
-- embedded object's key), compared with the comments the post returns
select jsonb_pretty(fraiseql.execute('{ post(id: "00000000-0000-0000-0000-000000000101") { comments { author { name } } commentsAggregate { count max { createdAt } groups(by: [{author: {name: true}}]) { key { author { name } } count } } } }')::jsonb);
select fraiseql.execute('{ posts(limit: 3) { title commentsAggregate(where: {body: {icontains: "e"}}) { count } } }')->'data';
-- the same over the tv_post projection
select fraiseql.execute('{ postsProjectedAggregate { count groups(by: [{published: true}]) { key { published } count } } }')::jsonb->'data'->'postsProjectedAggregate'
     = fraiseql.execute('{ postsAggregate { count groups(by: [{published: true}]) { key { published } count } } }')::jsonb->'data'->'postsAggregate' as projection_equals_view;
-- one statement: the groups are a GROUP BY inside it
select (fraiseql.explain('{ postsAggregate { count groups(by: [{createdAt: MONTH}]) { count } } }')->>'sql') ~ '^SELECT json_build_object.*GROUP BY date_trunc' as one_statement;
rollback;
set fraiseql.schema = 'items';
begin;
-- errors: validation (unknown aggregate, field a function does not take), planning (by, orderBy, having)
select fraiseql.execute('{ itemsAggregate { median { qty } } }')->'errors'->0->>'message';
select fraiseql.execute('{ itemsAggregate { sum { name } } }')->'errors'->0->>'message';
select fraiseql.execute('{ itemsAggregate { groups { count } } }')->'errors'->0->>'message';
select fraiseql.execute('{ itemsAggregate { groups(by: []) { count } } }')->'errors'->0->>'message';
select fraiseql.execute('{ itemsAggregate { groups(by: [{status: false}]) { count } } }')->'errors'->0->>'message';
select fraiseql.execute('{ itemsAggregate { groups(by: [{status: true, name: true}]) { count } } }')->'errors'->0->>'message';
select fraiseql.execute('{ itemsAggregate { groups(by: [{madeOn: HOUR}]) { count } } }')->'errors'->0->>'message';
select fraiseql.execute('{ itemsAggregate { groups(by: [{status: true}, {status: true}]) { count } } }')->'errors'->0->>'message';
select fraiseql.execute('{ itemsAggregate { groups(by: [{status: true}], orderBy: [{key: {name: ASC}}]) { count } } }')->'errors'->0->>'message';
select fraiseql.execute('{ itemsAggregate { groups(by: [{status: true}], having: {count: {like: "1"}}) { count } } }')->'errors'->0->>'message';
select fraiseql.execute('{ itemsAggregate { groups(by: [{status: true}], having: {sum: {name: {gt: 1}}}) { count } } }')->'errors'->0->>'message';
select fraiseql.execute('{ itemsAggregate { groups(by: [{status: true}], limit: -1) { count } } }')->'errors'->0->>'message';
select fraiseql.execute('{ itemsAggregate(where: {nmae: {eq: "x"}}) { count } }')->'errors'->0->>'message';
-- a field error leaves the rest of the response: the failed field is null
select fraiseql.execute('{ itemsAggregate { groups(by: []) { count } } items(limit: 1) { name } }')::jsonb->'data';
-- the cost limit counts what aggregates read (fraiseql.max_cost)
set local fraiseql.max_cost = 600;
select fraiseql.execute('{ items(limit: 5) { childrenAggregate { count } } }')->'errors'->0->>'message' is null as five_nested_aggregates_fit;
select fraiseql.execute('{ items(limit: 50) { childrenAggregate { count } } }')->'errors'->0->>'message';
rollback;
reset fraiseql.schema;
-- Row-Level Security: two tenants each see only their own totals and groups
begin;
create table tb_sale (id uuid primary key default gen_random_uuid(), tenant_id uuid not null, region text not null, amount integer not null);
alter table tb_sale enable row level security;
create policy tenant_isolation on tb_sale using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
create view v_sale with (security_invoker = true) as
  select id, tenant_id, jsonb_build_object('id', id, 'region', region, 'amount', amount) as data from tb_sale;
insert into tb_sale (tenant_id, region, amount) values
  ('aaaaaaaa-0000-0000-0000-000000000000', 'north', 10), ('aaaaaaaa-0000-0000-0000-000000000000', 'north', 20),
  ('aaaaaaaa-0000-0000-0000-000000000000', 'south', 5),
  ('bbbbbbbb-0000-0000-0000-000000000000', 'north', 1000), ('bbbbbbbb-0000-0000-0000-000000000000', 'east', 7);
create role sales_user nologin;
grant select on tb_sale, v_sale to sales_user;
select fraiseql.load_schema('type Sale @view(name: "v_sale") { id: ID! region: String! amount: Int! } type Query { sales: [Sale!]! }', 'sales') > 0 as loaded;
set local fraiseql.schema = 'sales';
set local role sales_user;
select set_config('app.tenant_id', 'aaaaaaaa-0000-0000-0000-000000000000', true) is not null as tenant_a;
select fraiseql.execute('{ salesAggregate { count sum { amount } max { amount } groups(by: [{region: true}]) { key { region } sum { amount } } } }')->'data';
select set_config('app.tenant_id', 'bbbbbbbb-0000-0000-0000-000000000000', true) is not null as tenant_b;
select fraiseql.execute('{ salesAggregate { count sum { amount } max { amount } groups(by: [{region: true}]) { key { region } sum { amount } } } }')->'data';
select set_config('app.tenant_id', '', true) is not null as no_tenant;
select fraiseql.execute('{ salesAggregate { count sum { amount } groups(by: [{region: true}]) { count } } }')->'data';
rollback;
