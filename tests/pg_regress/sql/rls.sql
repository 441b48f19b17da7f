-- Row-Level Security: queries run as the calling role, so two tenants each see only their rows,
-- through fraiseql.execute and through PostgREST's call sequence (claims mapped to app.tenant_id).
\pset format unaligned
\pset tuples_only on
begin;
create table tb_note (pk_note integer generated always as identity primary key, id uuid not null unique,
                      tenant_id uuid not null, body text not null);
alter table tb_note enable row level security;
create policy tenant_isolation on tb_note
  using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
create view v_note with (security_invoker = true) as
  select id, tenant_id, jsonb_build_object('id', id, 'body', body) as data from tb_note;
insert into tb_note (id, tenant_id, body) values
  ('00000000-0000-0000-0000-0000000000a1', 'aaaaaaaa-0000-0000-0000-000000000000', 'A: first'),
  ('00000000-0000-0000-0000-0000000000a2', 'aaaaaaaa-0000-0000-0000-000000000000', 'A: second'),
  ('00000000-0000-0000-0000-0000000000b1', 'bbbbbbbb-0000-0000-0000-000000000000', 'B: only');
create role app_user nologin;
grant select on tb_note, v_note to app_user;
select fraiseql.load_schema('type Note @view(name: "v_note") { id: ID! body: String! } type Query { notes: [Note!]! note(id: ID!): Note }', 'tenants') > 0 as loaded;
set local fraiseql.schema = 'tenants';
set local role app_user;
-- tenant A, then tenant B, then no tenant
select set_config('app.tenant_id', 'aaaaaaaa-0000-0000-0000-000000000000', true) is not null as tenant_a;
select fraiseql.execute('{ notes { body } notesConnection { totalCount } }')->'data';
select fraiseql.execute('{ note(id: "00000000-0000-0000-0000-0000000000b1") { body } }')->'data' as b_note_as_a;
select set_config('app.tenant_id', 'bbbbbbbb-0000-0000-0000-000000000000', true) is not null as tenant_b;
select fraiseql.execute('{ notes { body } notesConnection { totalCount } }')->'data';
select set_config('app.tenant_id', '', true) is not null as no_tenant;
select fraiseql.execute('{ notes { body } }')->'data';
-- PostgREST: role and claims set per request; fraiseql.claims_map copies tenant_id to app.tenant_id
select set_config('role', 'app_user', true),
       set_config('request.jwt.claims', '{"role": "app_user", "sub": "u-7", "tenant_id": "bbbbbbbb-0000-0000-0000-000000000000"}', true),
       set_config('request.headers', '{"x-request-id": "req-42"}', true) is not null;
select fraiseql.execute("query" := '{ notes { body } }')->'data' as via_postgrest_b;
select current_setting('app.user_id') as mapped_sub;
reset role;
-- a view without security_invoker runs as its owner and would bypass RLS: load_schema warns
create view v_note_owner as select id, jsonb_build_object('id', id, 'body', body) as data from tb_note;
select fraiseql.load_schema('type Note @view(name: "v_note_owner") { id: ID! body: String! } type Query { notes: [Note!]! }', 'leaky') > 0 as loaded_with_warning;
-- …and the warning is real: through that view tenant A sees every tenant's rows
grant select on v_note_owner to app_user;
set local fraiseql.schema = 'leaky';
set local role app_user;
-- (claims, when present, win over settings made by hand: clear them first)
select set_config('request.jwt.claims', '', true) = '' as claims_cleared;
select set_config('app.tenant_id', 'aaaaaaaa-0000-0000-0000-000000000000', true) is not null as tenant_a;
select jsonb_array_length((fraiseql.execute('{ notes { body } }'))::jsonb->'data'->'notes') as rows_seen_through_owner_view;
rollback;
