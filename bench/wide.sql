-- A 100-type schema for the cold-start measurement (PRODUCT.md §8: a new connection's first query on a
-- 100-type schema in a few milliseconds): 100 views v_wide_N with a document of 8 fields, a type per
-- view, a list field per type on Query. Loaded as schema "wide".
DO $$
DECLARE sdl text := ''; q text := 'type Query {';
BEGIN
  FOR i IN 1..100 LOOP
    EXECUTE format($v$CREATE OR REPLACE VIEW v_wide_%s AS
      SELECT g AS id, jsonb_build_object('id', g, 'name', 'item ' || g, 'code', 'C' || g, 'amount', g * 1.5,
                                         'active', g %% 2 = 0, 'created_at', '2024-01-01T00:00:00Z', 'kind', 'k%s', 'rank', g) AS data
        FROM generate_series(1, 10) g$v$, i, i);
    sdl := sdl || format('type Wide%s @view(name: "v_wide_%s") { id: Int! name: String! code: String! amount: Float! active: Boolean! createdAt: String! kind: String! rank: Int! }' || E'\n', i, i);
    q := q || format(' wide%ss: [Wide%s!]!', i, i);
  END LOOP;
  PERFORM fraiseql.load_schema(sdl || q || ' }', 'wide');
END $$;
