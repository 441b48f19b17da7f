-- fraiseql 0.1.0 → 0.2.0 (ALTER EXTENSION fraiseql UPDATE). The functions keep their signatures;
-- what changes is who may call and read what.
\echo Use "ALTER EXTENSION fraiseql UPDATE" to load this file. \quit

-- The admin surface is no longer executable by PUBLIC; grant it to an admin role
-- (docs/security.md). execute, query and health stay public.
REVOKE ALL ON FUNCTION fraiseql.load_schema(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION fraiseql.explain(text, jsonb, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION fraiseql.scaffold(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION fraiseql.sdl(text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION fraiseql.cache_stats() FROM PUBLIC;
REVOKE ALL ON FUNCTION fraiseql.reset_cache() FROM PUBLIC;
REVOKE ALL ON FUNCTION fraiseql._audit_signing_key_id() FROM PUBLIC;

-- The stored schemas and the persisted-query allow-list are read by execute() with the
-- extension's rights; web roles no longer read them directly.
REVOKE SELECT ON fraiseql.schema_version FROM PUBLIC;
REVOKE SELECT ON fraiseql.persisted_query FROM PUBLIC;
