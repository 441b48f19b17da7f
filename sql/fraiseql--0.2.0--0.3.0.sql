-- fraiseql 0.2.0 → 0.3.0 (ALTER EXTENSION fraiseql UPDATE). execute() and query() return json
-- instead of jsonb: the response's text, keys in the order the request selected them (GraphQL
-- §7.2.2). A return type cannot be changed in place, so both functions are dropped and created
-- again; their privileges (a REVOKE from PUBLIC, grants to web roles) are carried over. An object of
-- yours that depends on either function (a view, a SQL function with a BEGIN ATOMIC body) stops the
-- update with PostgreSQL's own "cannot drop function … because other objects depend on it": drop
-- it, update, and create it again with a ::jsonb cast where it needs jsonb.
\echo Use "ALTER EXTENSION fraiseql UPDATE" to load this file. \quit

-- Each function's privileges, kept for the transaction while it is recreated.
SELECT pg_catalog.set_config('fraiseql_upgrade.acl_' || p.proname, coalesce(p.proacl::text, ''), true)
  FROM pg_catalog.pg_proc p
 WHERE p.oid IN ('fraiseql.execute(text, jsonb, text, jsonb)'::regprocedure,
                 'fraiseql.query(text, jsonb, text, jsonb)'::regprocedure);

DROP FUNCTION fraiseql.execute(text, jsonb, text, jsonb);
DROP FUNCTION fraiseql.query(text, jsonb, text, jsonb);

CREATE FUNCTION fraiseql."execute"(
	"query" TEXT,
	"variables" jsonb DEFAULT NULL,
	"operationName" TEXT DEFAULT NULL,
	"extensions" jsonb DEFAULT NULL
) RETURNS json
VOLATILE PARALLEL UNSAFE
LANGUAGE c
AS 'MODULE_PATHNAME', 'execute_wrapper';

CREATE FUNCTION fraiseql."query"(
	"query" TEXT,
	"variables" jsonb DEFAULT NULL,
	"operationName" TEXT DEFAULT NULL,
	"extensions" jsonb DEFAULT NULL
) RETURNS json
STABLE PARALLEL RESTRICTED
LANGUAGE c
AS 'MODULE_PATHNAME', 'query_wrapper';

-- The privileges each function had: replayed as GRANTs (and a REVOKE from PUBLIC where PUBLIC had
-- lost EXECUTE). A function that still had its default privileges (NULL) keeps them.
DO $$
DECLARE
    f record;
    item record;
    target text;
BEGIN
    FOR f IN SELECT n AS name, nullif(current_setting('fraiseql_upgrade.acl_' || n), '')::aclitem[] AS acl
               FROM unnest(ARRAY['execute', 'query']) n LOOP
        CONTINUE WHEN f.acl IS NULL;
        target := format('fraiseql.%I(text, jsonb, text, jsonb)', f.name);
        IF NOT EXISTS (SELECT FROM aclexplode(f.acl) a WHERE a.grantee = 0) THEN
            EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', target);
        END IF;
        FOR item IN SELECT a.grantee, a.is_grantable FROM aclexplode(f.acl) a
                     WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> 0
                       AND a.grantee <> (SELECT proowner FROM pg_proc WHERE oid = target::regprocedure) LOOP
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I%s', target,
                           (SELECT rolname FROM pg_roles WHERE oid = item.grantee),
                           CASE WHEN item.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
        END LOOP;
    END LOOP;
    -- Privileges replayed inside an extension script are recorded as the extension's initial
    -- privileges, which pg_dump leaves out of a dump. A fresh install records none for these two
    -- functions; so that pg_dump still dumps your changes, the update records none either.
    DELETE FROM pg_catalog.pg_init_privs
     WHERE classoid = 'pg_catalog.pg_proc'::regclass
       AND objoid IN ('fraiseql.execute(text, jsonb, text, jsonb)'::regprocedure,
                      'fraiseql.query(text, jsonb, text, jsonb)'::regprocedure);
END
$$;
