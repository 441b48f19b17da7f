-- The recommended PostgREST entry point for fraiseql (PostgREST 12 or later). Expose only your API
-- schema (db-schemas = "api"), never `fraiseql` itself:
--   POST /rpc/graphql  {"query": "…", "variables": {…}, "operationName": "…"}  → fraiseql.execute
--   GET  /rpc/graphql?query=…&variables=…                                     → fraiseql.query
--     (read-only: mutations answer a GraphQL error, as the GraphQL-over-HTTP draft asks of GET)
-- The return type is a domain named after the GraphQL-over-HTTP media type, so PostgREST 12's
-- media-type handlers answer `Accept: application/graphql-response+json` with that Content-Type.
-- Request errors (no `data`) set PostgREST's response.status to 400; everything else is 200.
-- Run as the database owner, then grant USAGE on the schema to your web roles, e.g.
--   GRANT USAGE ON SCHEMA api TO web_anon, web_user;
CREATE SCHEMA IF NOT EXISTS api;
CREATE DOMAIN api."application/graphql-response+json" AS json;
CREATE FUNCTION api.graphql(query text, variables jsonb DEFAULT NULL, "operationName" text DEFAULT NULL,
                            extensions jsonb DEFAULT NULL)
  RETURNS api."application/graphql-response+json" LANGUAGE sql VOLATILE
  AS $$ SELECT (CASE WHEN current_setting('request.method', true) = 'GET'
                     THEN fraiseql.query(query, variables, "operationName", extensions)
                     ELSE fraiseql.execute(query, variables, "operationName", extensions) END)::json $$;
COMMENT ON FUNCTION api.graphql(text, jsonb, text, jsonb) IS
  'GraphQL over HTTP through PostgREST: POST runs fraiseql.execute, GET runs fraiseql.query (queries only).';
