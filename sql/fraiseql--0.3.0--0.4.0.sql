-- fraiseql 0.3.0 → 0.4.0 (ALTER EXTENSION fraiseql UPDATE). Projections that fraiseql maintains:
-- the tables fraiseql.projection and fraiseql.projection_source, create_projection,
-- refresh_projection, verify_projection and drop_projection (admin functions, revoked from PUBLIC),
-- and the trigger functions and WHEN function their maintenance runs. Nothing existing changes; an
-- existing tv_ table becomes maintained when create_projection adopts it (docs/querying.md).
\echo Use "ALTER EXTENSION fraiseql UPDATE" to load this file. \quit

-- Projections (tv_ tables) that fraiseql maintains: fraiseql.create_projection() records one here
-- with, per base table of its view, the query from changed rows to the affected ids. Read by the
-- maintenance triggers with the extension's rights; dumped (the triggers on the base tables are
-- the user's own objects and are dumped with them, naming the projection by its table).
CREATE TABLE fraiseql.projection (
    projection regclass    PRIMARY KEY,
    source     regclass    NOT NULL,
    key        name        NOT NULL DEFAULT 'id',
    columns    text[]      NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by name        NOT NULL DEFAULT current_user
);
CREATE TABLE fraiseql.projection_source (
    projection regclass NOT NULL REFERENCES fraiseql.projection ON DELETE CASCADE,
    base       regclass NOT NULL,
    keys_sql   text     NOT NULL,   -- SELECT DISTINCT k::text … FROM changed …: the ids a change affects
    via        text[]   NOT NULL,   -- how: the foreign-key paths followed, or the explicit mapping
    explicit   boolean  NOT NULL,   -- a mapping given to create_projection, not inferred
    PRIMARY KEY (projection, base)
);
COMMENT ON TABLE fraiseql.projection IS 'tv_ projection tables maintained by fraiseql (create_projection, refresh_projection, verify_projection, drop_projection).';
REVOKE ALL ON fraiseql.projection, fraiseql.projection_source FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('fraiseql.projection', '');
SELECT pg_catalog.pg_extension_config_dump('fraiseql.projection_source', '');

CREATE FUNCTION fraiseql."_projection_arm"() RETURNS bool /* bool */
STRICT VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', '_projection_arm_wrapper';

CREATE FUNCTION fraiseql."create_projection"(
	"name" TEXT, /* Option < & str > */
	"source" regclass, /* Option < pgrx :: PgRelation > */
	"columns" TEXT[] DEFAULT '{}', /* :: std :: option :: Option < Vec < String > > */
	"mappings" jsonb DEFAULT NULL /* Option < pgrx :: JsonB > */
) RETURNS TABLE (
	"base_table" TEXT,  /* String */
	"followed_by" TEXT  /* String */
)
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'create_projection_wrapper';

CREATE FUNCTION fraiseql."drop_projection"(
	"name" TEXT, /* & str */
	"keep_table" bool DEFAULT false /* bool */
) RETURNS void
STRICT VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'drop_projection_wrapper';

CREATE FUNCTION fraiseql."refresh_projection"(
	"name" TEXT, /* Option < & str > */
	"ids" TEXT[] DEFAULT NULL /* :: std :: option :: Option < Vec < String > > */
) RETURNS bigint /* i64 */
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'refresh_projection_wrapper';

CREATE FUNCTION fraiseql."verify_projection"(
	"name" TEXT /* & str */
) RETURNS TABLE (
	"id" TEXT,  /* String */
	"problem" TEXT  /* String */
)
STRICT STABLE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'verify_projection_wrapper';

CREATE FUNCTION fraiseql._projection_capture() RETURNS trigger LANGUAGE c AS 'MODULE_PATHNAME', 'fraiseql_projection_capture';

CREATE FUNCTION fraiseql._projection_flush() RETURNS trigger LANGUAGE c AS 'MODULE_PATHNAME', 'fraiseql_projection_flush';

REVOKE ALL ON FUNCTION fraiseql.create_projection(text, regclass, text[], jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION fraiseql.refresh_projection(text, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION fraiseql.verify_projection(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION fraiseql.drop_projection(text, boolean) FROM PUBLIC;
