-- Relations: @relation joins (many-to-one, one-to-many) inside the same single statement, with
-- filters, ordering and limits on nested lists; filters and limits on embedded lists too.
\pset format unaligned
\pset tuples_only on
set fraiseql.schema = 'items';
-- three nested lists need explicit page sizes: with the default (100) each, the estimated cost
-- (about a million rows) is above fraiseql.max_cost (hostile.sql)
begin;
select jsonb_pretty(fraiseql.execute('{ items(limit: 10, where: {id: {in: ["00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000004"]}}) { name parent { name } children(orderBy: {name: DESC}, limit: 10) { name children(limit: 10) { name } } } }')::jsonb);
select fraiseql.execute('{ item(id: "00000000-0000-0000-0000-000000000001") { children(where: {qty: {gt: 10}}) { name } first: children(limit: 1) { name } } }')->'data';
-- the whole operation is one statement: one SELECT at the top, the joins are subqueries
select (fraiseql.explain('{ items { name parent { name } children { name } } }')->>'sql') like 'SELECT json_build_object(%' as one_statement;
rollback;
reset fraiseql.schema;
begin;
-- embedded lists (comments inside v_post.data) take where, orderBy, limit, offset too
select jsonb_pretty(fraiseql.execute('{ post(id: "00000000-0000-0000-0000-000000000101") { comments(orderBy: {createdAt: DESC}) { body } one: comments(limit: 1, offset: 1) { body } graces: comments(where: {author: {identifier: {eq: "grace"}}}) { body } } }')::jsonb);
-- and list filters on embedded lists: posts having a comment by linus
select fraiseql.execute('{ posts(where: {comments: {author: {identifier: {eq: "linus"}}}}) { title } }')->'data';
rollback;
