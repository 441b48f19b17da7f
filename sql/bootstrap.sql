-- Extension-owned objects created before any function: the versioned schema store.
CREATE TABLE fraiseql.schema_version (
    version   bigserial PRIMARY KEY,
    name      text        NOT NULL,
    sdl       text        NOT NULL,
    catalog   jsonb       NOT NULL,
    loaded_at timestamptz NOT NULL DEFAULT now(),
    loaded_by name        NOT NULL DEFAULT current_user
);
CREATE INDEX schema_version_name_idx ON fraiseql.schema_version (name, version DESC);
COMMENT ON TABLE fraiseql.schema_version IS 'GraphQL schemas loaded by fraiseql.load_schema; the latest version of a name is active.';
SELECT pg_catalog.pg_extension_config_dump('fraiseql.schema_version', '');
SELECT pg_catalog.pg_extension_config_dump('fraiseql.schema_version_version_seq', '');
GRANT USAGE ON SCHEMA fraiseql TO PUBLIC;
GRANT SELECT ON fraiseql.schema_version TO PUBLIC;
