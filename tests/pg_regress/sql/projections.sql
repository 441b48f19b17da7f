-- Projections: tv_ tables that fraiseql keeps equal to their v_ view, re-projected once per
-- transaction before it commits. (The randomized and concurrent checks are tests/projection.sh.)
-- The demo's tv_post: what fraiseql inferred from v_post's tables and foreign keys.
select projection, source, columns from fraiseql.projection;
select base::text, via, explicit from fraiseql.projection_source order by 1;
select count(*) as drift from fraiseql.verify_projection('tv_post');

-- Within a transaction the table is brought up to date at commit (deferred) ...
begin;
update tb_user set name = 'Ada King' where identifier = 'ada';
select data->'author'->>'name' as before_commit from tv_post where id = '00000000-0000-0000-0000-000000000101';
-- ... but fraiseql.execute reads the transaction's own writes through the projection
select fraiseql.execute('{ postProjected(id: "00000000-0000-0000-0000-000000000101") { author { name } } }')::jsonb->'data' as read_through_execute;
select data->'author'->>'name' as after_execute from tv_post where id = '00000000-0000-0000-0000-000000000101';
-- a comment moved to another post refreshes both; SET CONSTRAINTS ALL IMMEDIATE re-projects now
update tb_comment set fk_post = 2 where id = '00000000-0000-0000-0000-000000000202';
set constraints all immediate;
select right(id::text, 3) as post, jsonb_array_length(data->'comments') as comments from tv_post order by id;
select count(*) as drift from fraiseql.verify_projection('tv_post');
rollback;
select count(*) as drift_after_rollback from fraiseql.verify_projection('tv_post');

-- A library in its own schema, committed for real: authors, books, reviews, and tags matched to books
-- by an expression (lower(title)), which no join path follows (so they need a mapping).
create schema pj;
create table pj.tb_author (pk_author int primary key, id uuid not null unique, name text not null);
create table pj.tb_book (pk_book int primary key, id uuid not null unique, fk_author int not null references pj.tb_author,
                         title text not null, published date);
create table pj.tb_review (pk_review int primary key, fk_book int not null references pj.tb_book on delete cascade,
                           fk_author int references pj.tb_author, stars int not null);
create table pj.tb_tag (book_title text not null, tag text not null);
create view pj.v_book as
select b.id, b.published,
       jsonb_build_object('id', b.id, 'title', b.title,
         'author', jsonb_build_object('name', a.name),
         'reviews', coalesce((select jsonb_agg(jsonb_build_object('stars', r.stars, 'by', ra.name) order by r.pk_review)
                                from pj.tb_review r left join pj.tb_author ra on ra.pk_author = r.fk_author
                               where r.fk_book = b.pk_book), '[]'),
         'tags', coalesce((select jsonb_agg(t.tag order by t.tag) from pj.tb_tag t where lower(t.book_title) = lower(b.title)), '[]')) as data
  from pj.tb_book b join pj.tb_author a on a.pk_author = b.fk_author;
insert into pj.tb_author values (1, '10000000-0000-0000-0000-000000000001', 'Le Guin'), (2, '10000000-0000-0000-0000-000000000002', 'Lem');
insert into pj.tb_book values (1, '20000000-0000-0000-0000-000000000001', 1, 'The Dispossessed', '1974-05-01'),
                              (2, '20000000-0000-0000-0000-000000000002', 2, 'Solaris', '1961-01-01');
insert into pj.tb_tag values ('Solaris', 'ocean');

-- Refused: a table the view reads without a chain of column equalities to the root, until a mapping says how
select * from fraiseql.create_projection('pj.tv_book', 'pj.v_book', columns => '{published}');
-- Refused: not a view, an unknown column, a mapping that does not run
select * from fraiseql.create_projection('pj.tv_x', 'pj.tb_book');
select * from fraiseql.create_projection('pj.tv_x', 'pj.v_book', columns => '{isbn}');
select * from fraiseql.create_projection('pj.tv_x', 'pj.v_book', mappings => '{"pj.tb_tag": "SELECT nothing FROM changed"}');
select count(*) as leftover from pg_class where relname = 'tv_x';
select * from fraiseql.create_projection('pj.tv_book', 'pj.v_book', columns => '{published}',
  mappings => '{"pj.tb_tag": "SELECT b.id FROM changed c JOIN pj.tb_book b ON lower(b.title) = lower(c.book_title)"}');
\d pj.tv_book
-- Documents are compressed with lz4 (this server has it): each write recompresses a whole document.
select attcompression as data_compression from pg_attribute where attrelid = 'pj.tv_book'::regclass and attname = 'data';
select right(id::text, 1) as book, published, data from pj.tv_book order by id;

-- Odd and hostile input: NULL arguments, a NULL column, a quoted name with a space and capitals.
select * from fraiseql.create_projection(NULL, 'pj.v_book');
select * from fraiseql.create_projection('pj.tv_x', NULL);
select * from fraiseql.create_projection('pj.tv_x', 'pj.v_book', columns => '{NULL}');
select * from fraiseql.create_projection('pj.tv_x"; drop table pj.tb_book; --', 'pj.v_book');
select fraiseql.refresh_projection(NULL);
select fraiseql.refresh_projection('pj.tv_book', '{NULL}');
select fraiseql.refresh_projection('pj.tv_book', '{not-an-id}');
-- One key and several (each has its own statements): a damaged row is written again, the others not.
update pj.tv_book set data = '{}' where id = '20000000-0000-0000-0000-000000000002';
select fraiseql.refresh_projection('pj.tv_book', '{20000000-0000-0000-0000-000000000002}') as rewritten_one;
update pj.tv_book set data = '{}';
select fraiseql.refresh_projection('pj.tv_book', '{20000000-0000-0000-0000-000000000001,20000000-0000-0000-0000-000000000002}') as rewritten_two;
select count(*) as drift from fraiseql.verify_projection('pj.tv_book');
select count(*) as watched from fraiseql.create_projection('pj."Book Copies"', 'pj.v_book', columns => NULL,
  mappings => '{"pj.tb_tag": "SELECT b.id FROM changed c JOIN pj.tb_book b ON lower(b.title) = lower(c.book_title)"}');
insert into pj.tb_tag values ('Solaris', 'sea');
select data->'tags' as tags from pj."Book Copies" where id = '20000000-0000-0000-0000-000000000002';
delete from pj.tb_tag where tag = 'sea';
select fraiseql.drop_projection('pj."Book Copies"');
select count(*) as triggers_left, (select count(*) from pj.tb_book) as books_left from pg_trigger where tgname like 'fraiseql_Book Copies%';

-- A web role that writes reviews has no rights on the projection: maintenance runs as its owner.
do $$ begin if not exists (select from pg_roles where rolname = 'pj_writer') then create role pj_writer nologin; end if; end $$;
grant usage on schema pj to pj_writer;
grant insert, update, delete on pj.tb_review to pj_writer;
set role pj_writer;
insert into pj.tb_review values (1, 1, 2, 5), (2, 1, null, 4);
select count(*) from pj.tv_book;
reset role;
select right(id::text, 1) as book, data->'reviews' as reviews from pj.tv_book order by id;

-- Every kind of change, committed one by one; after each, no drift.
update pj.tb_author set name = 'Stanisław Lem' where pk_author = 2;
select data->'reviews'->0->>'by' as review_by from pj.tv_book where id = '20000000-0000-0000-0000-000000000001';
insert into pj.tb_tag values ('The Dispossessed', 'anarchy');
update pj.tb_book set title = 'The Dispossessed: An Ambiguous Utopia' where pk_book = 1;
select data->'title' as title, data->'tags' as tags from pj.tv_book where id = '20000000-0000-0000-0000-000000000001';
update pj.tb_tag set book_title = 'The Dispossessed: An Ambiguous Utopia' where tag = 'anarchy';
select data->'tags' as tags from pj.tv_book where id = '20000000-0000-0000-0000-000000000001';
update pj.tb_review set fk_book = 2 where pk_review = 2;
select right(id::text, 1) as book, jsonb_array_length(data->'reviews') as reviews from pj.tv_book order by id;
delete from pj.tb_book where pk_book = 1;
select right(id::text, 1) as book from pj.tv_book order by id;
select count(*) as drift from fraiseql.verify_projection('pj.tv_book');

-- A rolled-back savepoint and a rolled-back transaction leave nothing behind.
begin;
insert into pj.tb_book values (3, '20000000-0000-0000-0000-000000000003', 1, 'Lathe of Heaven', null);
savepoint s;
insert into pj.tb_review values (3, 3, 1, 1);
rollback to s;
insert into pj.tb_review values (4, 3, 2, 3);
commit;
select right(id::text, 1) as book, data->'reviews' as reviews from pj.tv_book order by id;
begin;
insert into pj.tb_book values (4, '20000000-0000-0000-0000-000000000004', 1, 'Never', null);
rollback;
select count(*) as books, (select count(*) from fraiseql.verify_projection('pj.tv_book')) as drift from pj.tv_book;

-- One statement of 1,000 rows: one flush at commit, not one per row.
insert into pj.tb_book select 100 + i, ('30000000-0000-0000-0000-' || lpad(i::text, 12, '0'))::uuid, 1 + i % 2, 'Bulk ' || i, null
  from generate_series(1, 1000) i;
select count(*) as books, (select count(*) from fraiseql.verify_projection('pj.tv_book')) as drift from pj.tv_book;

-- TRUNCATE refreshes the projection fully.
truncate pj.tb_tag;
select count(*) as tagged from pj.tv_book where data->'tags' <> '[]';

-- Drift that fraiseql did not cause (triggers skipped) is found, and mended by ids or fully.
set session_replication_role = replica;
update pj.tb_book set title = 'Solaris (1961)' where pk_book = 2;
delete from pj.tb_book where pk_book = 101;
reset session_replication_role;
select * from fraiseql.verify_projection('pj.tv_book');
select fraiseql.refresh_projection('pj.tv_book', array['20000000-0000-0000-0000-000000000002']) as rewritten;
select * from fraiseql.verify_projection('pj.tv_book');
select fraiseql.refresh_projection('pj.tv_book') as rewritten;
select count(*) as drift from fraiseql.verify_projection('pj.tv_book');

-- Adopting a table someone else owns is refused; an unknown projection is named.
create table pj.tv_other (id uuid primary key, data jsonb not null);
alter table pj.tv_other owner to pj_writer;
do $$ begin if not exists (select from pg_roles where rolname = 'pj_admin') then create role pj_admin nologin; end if; end $$;
grant usage, create on schema pj to pj_admin;
grant select on pj.v_book to pj_admin;
grant execute on function fraiseql.create_projection(text, regclass, text[], jsonb) to pj_admin;
set role pj_admin;
select * from fraiseql.create_projection('pj.tv_other', 'pj.v_book');
reset role;
select * from fraiseql.verify_projection('pj.tv_other');
select fraiseql.verify_projection('pj.tv_other');

-- Admin functions are not for PUBLIC; the trigger functions cannot be called directly.
select has_function_privilege('pj_writer', 'fraiseql.create_projection(text, regclass, text[], jsonb)', 'execute') as writer_may_create,
       has_function_privilege('pj_writer', 'fraiseql.refresh_projection(text, text[])', 'execute') as writer_may_refresh;
select fraiseql._projection_flush();

-- Dropping a projection removes its triggers and its table (or keeps the table).
select fraiseql.drop_projection('pj.tv_book', keep_table => true);
select count(*) as triggers_left from pg_trigger where tgname like 'fraiseql_tv_book%';
insert into pj.tb_author values (3, '10000000-0000-0000-0000-000000000003', 'Butler');
select count(*) as kept_rows from pj.tv_book;
-- a schema that reads the table, now unmaintained, is warned; scaffold proposes adopting it
select fraiseql.load_schema('type Book @view(name: "pj.tv_book") { id: ID! } type Query { books: [Book!]! }', 'pj_stale') > 0 as loaded;
select line from regexp_split_to_table(fraiseql.scaffold('pj'), E'\n') line where line like '%tv_book%' or line like 'type Book%';
select count(*) as watched from fraiseql.create_projection('pj.tv_book', 'pj.v_book', columns => '{published}',
  mappings => '{"pj.tb_tag": "SELECT b.id FROM changed c JOIN pj.tb_book b ON lower(b.title) = lower(c.book_title)"}');
select count(*) as drift_after_adopting from fraiseql.verify_projection('pj.tv_book');
select fraiseql.drop_projection('pj.tv_book');
select to_regclass('pj.tv_book') as table_after_drop, (select count(*) from fraiseql.projection) as projections_left;
drop schema pj cascade;
drop owned by pj_writer, pj_admin;
drop role pj_writer;
drop role pj_admin;
