-- Shared fixture for the golden files: the extension, the demo blog and its schema (committed).
\set ECHO none
\set QUIET on
SET client_min_messages = warning;
CREATE EXTENSION fraiseql;
\o /dev/null
\i examples/blog/schema.sql
\i examples/blog/data.sql
\o
\set sdl `cat examples/blog/blog.graphql`
-- gql(query, variables, operationName): the response, pretty-printed for readable golden files.
CREATE FUNCTION gql(q text, v jsonb DEFAULT NULL, op text DEFAULT NULL) RETURNS text
  LANGUAGE sql AS $$ SELECT jsonb_pretty(fraiseql.execute(q, v, op)) $$;
\set QUIET off
\set ECHO all
SELECT fraiseql.load_schema(:'sdl') AS version;
SELECT count(*) AS users FROM v_user;
