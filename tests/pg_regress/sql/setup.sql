-- Shared fixture for the golden files: the extension, the demo blog and its schema (committed).
\set ECHO none
\set QUIET on
SET client_min_messages = warning;
CREATE EXTENSION fraiseql;
\o /dev/null
\i tests/fixtures/load.sql
\o
\set sdl `cat examples/blog/blog.graphql`
\set items_sdl `cat tests/fixtures/items.graphql`
-- gql(query, variables, operationName): the response, pretty-printed for readable golden files.
CREATE FUNCTION gql(q text, v jsonb DEFAULT NULL, op text DEFAULT NULL) RETURNS text
  LANGUAGE sql AS $$ SELECT jsonb_pretty(fraiseql.execute(q, v, op)::jsonb) $$;
-- ids(where): the last digit of the id of each item matching the filter, or the first error.
CREATE FUNCTION ids(w text, v jsonb DEFAULT NULL) RETURNS text LANGUAGE sql AS $$
  SELECT CASE WHEN r ? 'errors' THEN 'error: ' || (r->'errors'->0->>'message')
              ELSE coalesce((SELECT string_agg(right(x->>'id', 1), ',') FROM jsonb_array_elements(r->'data'->'items') x), '') END
    FROM (SELECT fraiseql.execute(CASE WHEN strpos(w, '$v') > 0 THEN 'query ($v: ItemWhere) ' ELSE '' END
                                  || '{ items(where: ' || w || ') { id } }', v)::jsonb r) s
$$;
\set QUIET off
\set ECHO all
SELECT fraiseql.load_schema(:'sdl') AS version;
SELECT fraiseql.load_schema(:'items_sdl', 'items') AS items_version;
SELECT count(*) AS users FROM v_user;
