#!/usr/bin/env bash
# Backend fuzzing: random and mutated documents through fraiseql.execute, as a web role without
# superuser rights on a fresh connection, on a running cluster with the extension installed.
# Usage: fuzz.sh PORT SERVER_LOG [SEED] [SECONDS] (scripts/regress.sh runs it for ~1 minute with a
# fixed seed; `make fuzz FUZZ_SEED=… FUZZ_SECONDS=…` runs longer). tests/fuzz_backend.py generates
# the documents and says what fails a run.
set -euo pipefail
PORT=${1:?port}; LOG=${2:?server log}; SEED=${3:-20261203}; SECONDS_=${4:-60}
DB=fraiseql_fuzz
psql -X -q -h /tmp -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 >/dev/null <<SQL
DROP DATABASE IF EXISTS $DB;
CREATE DATABASE $DB;
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'fuzz_web') THEN CREATE ROLE fuzz_web LOGIN NOSUPERUSER; END IF;
END \$\$;
SQL
psql -X -q -h /tmp -p "$PORT" -U postgres -d "$DB" -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION fraiseql;
\i tests/fixtures/load.sql
\set sdl `cat examples/blog/blog.graphql`
\set items_sdl `cat tests/fixtures/items.graphql`
SELECT fraiseql.load_schema(:'sdl');
SELECT fraiseql.load_schema(:'items_sdl', 'items');
SELECT fraiseql.audit_set_key('fuzz-key', decode(repeat('cd', 32), 'hex'));
GRANT SELECT ON ALL TABLES IN SCHEMA public TO fuzz_web;
GRANT INSERT, UPDATE ON tb_user, tb_comment TO fuzz_web;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO fuzz_web;
-- The checker: one call of execute, judged. Failures and outcome counts are kept in tables that
-- only this function (SECURITY DEFINER) writes.
CREATE SCHEMA fuzz;
CREATE TABLE fuzz.failure (n int, reason text, detail text, doc text, vars text);
CREATE TABLE fuzz.outcome (outcome text PRIMARY KEY, n int NOT NULL, example text, doc text);
CREATE FUNCTION fuzz.record(n int, reason text, detail text, doc text, vars text) RETURNS void
  LANGUAGE sql SECURITY DEFINER SET search_path = fuzz AS $$ INSERT INTO fuzz.failure VALUES (n, reason, detail, doc, vars) $$;
CREATE FUNCTION fuzz.count(what text, example text DEFAULT NULL, doc text DEFAULT NULL) RETURNS void LANGUAGE sql
  SECURITY DEFINER SET search_path = fuzz AS $$
  INSERT INTO fuzz.outcome VALUES (what, 1, example, left(doc, 500)) ON CONFLICT (outcome) DO UPDATE SET n = outcome.n + 1 $$;
CREATE FUNCTION fuzz.case(n int, q text, vtext text, op text, ext jsonb) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v jsonb; r jsonb; t0 timestamptz; ms float8;
  -- Rust internals: a panic, a backtrace, a source path, a Rust path (unless the document itself has it)
  internals constant text := '(panicked|backtrace|RUST_|\.rs:[0-9]|src/[a-z_]+\.rs|core::|alloc::|std::|pgrx)';
BEGIN
  BEGIN v := vtext::jsonb;
  EXCEPTION WHEN others THEN PERFORM fuzz.count('variables not jsonb (not sent)'); RETURN; END;
  t0 := clock_timestamp();
  BEGIN r := fraiseql.execute(q, v, op, ext);
  EXCEPTION WHEN others THEN
    PERFORM fuzz.record(n, 'raised out of execute', sqlstate || ': ' || sqlerrm, q, vtext); RETURN;
  END;
  ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
  IF ms > 2000 THEN PERFORM fuzz.record(n, 'took ' || round(ms) || ' ms', left(r::text, 300), q, vtext); END IF;
  IF jsonb_typeof(r) IS DISTINCT FROM 'object'
     OR NOT (r ? 'data' OR r ? 'errors')
     OR EXISTS (SELECT FROM jsonb_object_keys(r) k WHERE k NOT IN ('data', 'errors', 'extensions'))
     OR (r ? 'data' AND jsonb_typeof(r->'data') NOT IN ('object', 'null'))
     OR (r ? 'errors' AND (jsonb_typeof(r->'errors') <> 'array' OR jsonb_array_length(r->'errors') = 0
         OR EXISTS (SELECT FROM jsonb_array_elements(r->'errors') e WHERE jsonb_typeof(e->'message') IS DISTINCT FROM 'string'
                                                                    OR e->'extensions'->>'code' IS NULL))) THEN
    PERFORM fuzz.record(n, 'not a GraphQL response', left(r::text, 300), q, vtext); RETURN;
  END IF;
  IF r::text ~ internals AND NOT coalesce(q || vtext, q) ~ internals THEN
    PERFORM fuzz.record(n, 'Rust internals in the answer', left(r::text, 300), q, vtext); RETURN;
  END IF;
  -- INTERNAL_SERVER_ERROR is a panic or a broken invariant caught inside fraiseql: a defect
  IF r->'errors'->0->'extensions'->>'code' = 'INTERNAL_SERVER_ERROR' THEN
    PERFORM fuzz.record(n, 'internal error', r->'errors'->0->>'message', q, vtext); RETURN;
  END IF;
  PERFORM fuzz.count(CASE WHEN r ? 'errors' THEN coalesce(r->'errors'->0->'extensions'->>'code', '?') ELSE 'data' END,
                     r->'errors'->0->>'message', q);
END $$;
GRANT USAGE ON SCHEMA fuzz TO fuzz_web;
SQL
python3 tests/fuzz_backend.py --port "$PORT" --db "$DB" --user fuzz_web --seed "$SEED" --seconds "$SECONDS_" --log "$LOG"
