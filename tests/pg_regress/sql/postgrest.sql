-- PostgREST's exact calling convention for POST /rpc/execute, replayed: one transaction,
-- role and request settings first, then the RPC statement with the JSON body as $1.
\pset format unaligned
\pset tuples_only on
create role web_anon nologin;
grant select on v_user, v_post, tv_post to web_anon;
grant select on tb_user, tb_post, tb_comment to web_anon;
begin;
select set_config('search_path', 'public', true),
       set_config('role', 'web_anon', true),
       set_config('request.jwt.claims', '{"role":"web_anon","sub":"user-42"}', true),
       set_config('request.method', 'POST', true),
       set_config('request.path', '/rpc/execute', true),
       set_config('request.headers', '{"content-type":"application/json","x-request-id":"req-1"}', true),
       set_config('request.cookies', '{}', true);
prepare pgrst_rpc(json) as
WITH pgrst_source AS (
  SELECT pgrst_call.pgrst_scalar
    FROM (SELECT $1 AS json_data) pgrst_payload,
         LATERAL (SELECT "query", "variables", "operationName"
                    FROM json_to_record(pgrst_payload.json_data)
                      AS _("query" text, "variables" jsonb, "operationName" text) LIMIT 1) pgrst_body,
         LATERAL (SELECT "fraiseql"."execute"("query" := pgrst_body."query",
                                             "variables" := pgrst_body."variables",
                                             "operationName" := pgrst_body."operationName") pgrst_scalar) pgrst_call)
SELECT null::bigint AS total_result_set, 1 AS page_total,
       coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
       nullif(current_setting('response.headers', true), '') AS response_headers,
       nullif(current_setting('response.status', true), '') AS response_status
  FROM (SELECT "pgrst_call".* FROM "pgrst_source" AS "pgrst_call") _postgrest_t;
select current_user;
execute pgrst_rpc('{"query": "query One($id: ID!) { user(id: $id) { name } } query Two { posts(limit: 1) { title } }", "variables": {"id": "00000000-0000-0000-0000-00000000000c"}, "operationName": "One"}');
execute pgrst_rpc('{"query": "{ users(limit: 1) { nmae } }"}');
rollback;
-- without SELECT on the views, Postgres's permission error comes back as a GraphQL error (FORBIDDEN, 42501)
create role web_nobody nologin;
begin;
select set_config('role', 'web_nobody', true);
select gql('{ users(limit: 1) { name } }');
rollback;
drop role web_nobody;
revoke all on v_user, v_post, tv_post, tb_user, tb_post, tb_comment from web_anon;
drop role web_anon;
