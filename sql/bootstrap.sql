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
-- Not readable by PUBLIC: execute() reads the active schema with the extension's rights.

-- Mutations: what a mutation function returns (or plain jsonb).
CREATE TYPE fraiseql.mutation_response AS (
    status         text,    -- success | created | updated | deleted | noop:* | failed:* | not_found:* | conflict:* | validation:*
    message        text,
    entity_id      text,
    entity_type    text,
    entity         jsonb,   -- the object the success type's object field returns
    updated_fields text[],
    errors         jsonb,
    metadata       jsonb
);

CREATE FUNCTION fraiseql.mutation_ok(entity jsonb DEFAULT NULL, message text DEFAULT 'ok', status text DEFAULT 'success',
                                     entity_type text DEFAULT NULL, updated_fields text[] DEFAULT NULL, metadata jsonb DEFAULT NULL)
RETURNS fraiseql.mutation_response LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    -- No SET clause: it would stop Postgres from inlining this into the caller's expression.
    SELECT ROW(status, message, entity OPERATOR(pg_catalog.->>) 'id', entity_type, entity, updated_fields, NULL::jsonb, metadata)::fraiseql.mutation_response
$$;

CREATE FUNCTION fraiseql.mutation_err(status text, message text, errors jsonb DEFAULT NULL, metadata jsonb DEFAULT NULL)
RETURNS fraiseql.mutation_response LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ROW(status, message, NULL::text, NULL::text, NULL::jsonb, NULL::text[], errors, metadata)::fraiseql.mutation_response
$$;

-- The audit chain. Append-only: no grants to anyone; rows are written only by the commit hook of a
-- transaction that ran fraiseql.execute, through the heap and index access methods (src/audit_append.rs:
-- no SQL, so no search_path and no privilege involved); a trigger refuses UPDATE, DELETE and TRUNCATE.
CREATE TABLE fraiseql.audit_head (
    chain text PRIMARY KEY,
    seq   bigint NOT NULL,           -- the last entry's seq (0: none yet)
    hash  bytea  NOT NULL,           -- the last entry's entry_hash (the genesis hash: none yet)
    prev  bytea  NOT NULL            -- the last entry's prev_hash
);
CREATE TABLE fraiseql.audit_log (
    chain            text        NOT NULL,
    seq              bigint      NOT NULL,
    logged_at        timestamptz NOT NULL,
    role             text        NOT NULL,
    subject          text,
    tenant           text,
    operation        text,
    field            text        NOT NULL,
    function         text        NOT NULL,
    query_sha256     text        NOT NULL,
    variables        jsonb,
    variables_sha256 text        NOT NULL,
    outcome          text        NOT NULL,
    entity_id        text,
    prev_hash        bytea       NOT NULL,
    entry_hash       bytea       NOT NULL,
    signature        bytea,
    key_id           text,
    PRIMARY KEY (chain, seq)
);
COMMENT ON TABLE fraiseql.audit_log IS 'Tamper-evident log of executed mutations; verify with fraiseql.verify_audit_chain().';
-- Signing keys: never readable by ordinary roles, never in a setting; not dumped (backups hold no secrets).
CREATE TABLE fraiseql.audit_key (
    key_id     text PRIMARY KEY,
    secret     bytea       NOT NULL CHECK (octet_length(secret) >= 16),
    created_at timestamptz NOT NULL DEFAULT now(),
    retired_at timestamptz
);
REVOKE ALL ON fraiseql.audit_head, fraiseql.audit_log, fraiseql.audit_key FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('fraiseql.audit_head', '');
SELECT pg_catalog.pg_extension_config_dump('fraiseql.audit_log', '');

-- Persisted queries (the allow-list): documents an administrator registered with
-- fraiseql.persist_query(). Clients may send only a document's SHA-256
-- (extensions.persistedQuery.sha256Hash); with fraiseql.persisted_queries_only (or the restricted
-- security profile) nothing else runs. Read by execute() with the extension's rights; written
-- by superusers (or whom they grant). Dumped: it is configuration.
CREATE TABLE fraiseql.persisted_query (
    sha256     text        PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    query      text        NOT NULL,
    name       text,
    created_at timestamptz NOT NULL DEFAULT now()
);
-- The allow-list is read by execute() with the extension's rights; web roles never see it.
REVOKE ALL ON fraiseql.persisted_query FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('fraiseql.persisted_query', '');

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
