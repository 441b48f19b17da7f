#!/usr/bin/env bash
# The by-id request of tv_post_by_id timed inside one backend, without the network: a PL/pgSQL loop
# of 3,000 calls per sample, 8 interleaved samples of each of: the hand-written json floor, fraiseql's
# generated statement run directly, the same without its lateral document read, and fraiseql.execute.
# Static SQL in PL/pgSQL keeps each statement's plan cached, as fraiseql's prepared statements do.
# Usage: bench/in_process.sh PORT DB   (run by bench/run.sh; prints a markdown table)
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${1:?port}; DB=${2:?db}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -h /tmp -p "$PORT" -U postgres -d "$DB" "$@"; }
GQL='query ($id: ID!) { postProjected(id: $id) { id title author { name } comments { body author { name } } } }'
SQL=$(q -c "SELECT fraiseql.explain(\$g\$$GQL\$g\$, '{\"id\": \"00000000-0000-0000-0000-000000000042\"}')->>'sql'")
GENERATED=${SQL//\$1/pid}
NO_LATERAL=$(echo "$GENERATED" | sed 's/ CROSS JOIN LATERAL (SELECT fraiseql._detoast(t1.data) AS __doc OFFSET 0) t1d//; s/t1d.__doc/t1.data/g')
FLOOR=$(awk -F'\t' '$1 == "tv_post_by_id" { print $4 }' bench/shapes.tsv | sed "s/('00000000-0000-0000-0000-' || lpad(to_hex(:n::int), 12, '0'))/pid/")
q <<SQL
CREATE OR REPLACE FUNCTION pg_temp.timed(kind int, n int) RETURNS float8 LANGUAGE plpgsql AS \$f\$
DECLARE t0 timestamptz := clock_timestamp(); r json; pid text; i int;
BEGIN
  FOR i IN 1..n LOOP
    pid := '00000000-0000-0000-0000-' || lpad(to_hex(1 + (i * 7919) % 10000), 12, '0');
    IF kind = 1 THEN r := ($FLOOR);
    ELSIF kind = 2 THEN r := ($GENERATED);
    ELSIF kind = 3 THEN r := ($NO_LATERAL);
    ELSE r := fraiseql.execute(\$g\$$GQL\$g\$, jsonb_build_object('id', pid));
    END IF;
  END LOOP;
  RETURN extract(epoch FROM clock_timestamp() - t0) * 1e6 / n;
END \$f\$;
SELECT '| what runs | min µs | median µs |';
SELECT '|---|---:|---:|';
SELECT format('| %s | %s | %s |', (ARRAY['hand-written json statement (the floor)', 'fraiseql''s generated statement, run directly',
                                       'the same without the lateral _detoast', 'fraiseql.execute'])[k],
              round(min(us)::numeric, 1), round((percentile_cont(0.5) WITHIN GROUP (ORDER BY us))::numeric, 1))
  FROM (SELECT k, pg_temp.timed(k, 3000) AS us FROM generate_series(1, 8) r, generate_series(1, 4) k) x
 GROUP BY k ORDER BY k;
SQL
