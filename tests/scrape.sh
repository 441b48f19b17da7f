#!/usr/bin/env bash
# Prometheus scraping end to end, with the real exporters from Debian: fraiseql.metrics() through
# node_exporter's textfile collector (which refuses malformed exposition text, so this also checks the
# format, histograms included), and fraiseql.stat_operations through postgres_exporter's custom queries
# (examples/prometheus/). Both read as a LOGIN role in pg_monitor, not a superuser. Run by
# scripts/regress.sh on its cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${1:?port}; DB=${2:-fraiseql_regress}
WORK=$PWD/target/scrape; rm -rf "$WORK"; mkdir -p "$WORK/textfile"
NODE_PORT=$((PORT + 21)); PGEXP_PORT=$((PORT + 22))
fail() { echo "scrape: FAIL: $*"; exit 1; }
psql_() { psql -X -q -At -v ON_ERROR_STOP=1 -h /tmp -p "$PORT" "$@"; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
psql_ -U postgres -d "$DB" >/dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'scraper') THEN CREATE ROLE scraper LOGIN IN ROLE pg_monitor; END IF;
END $$;
SELECT fraiseql.execute('query ScrapeProbe { users(limit: 1) { name } }') FROM generate_series(1, 3);
SQL
# node_exporter's textfile collector reads what the example script writes
examples/prometheus/fraiseql-textfile.sh "$WORK/textfile" -h /tmp -p "$PORT" -U scraper -d "$DB"
prometheus-node-exporter --web.listen-address="127.0.0.1:$NODE_PORT" --collector.disable-defaults \
  --collector.textfile --collector.textfile.directory="$WORK/textfile" > "$WORK/node.log" 2>&1 &
pids+=($!)
# postgres_exporter with the example's custom queries, connected as the scraper role
DATA_SOURCE_NAME="host=/tmp port=$PORT user=scraper dbname=$DB sslmode=disable" \
  prometheus-postgres-exporter --web.listen-address="127.0.0.1:$PGEXP_PORT" --disable-default-metrics \
  --disable-settings-metrics --extend.query-path=examples/prometheus/postgres_exporter.yaml > "$WORK/pgexp.log" 2>&1 &
pids+=($!)
scrape() { for _ in $(seq 50); do curl -sf "http://127.0.0.1:$1/metrics" && return 0; sleep 0.2; done; return 1; }
node=$(scrape "$NODE_PORT") || fail "node_exporter did not answer: $(cat "$WORK/node.log")"
grep -q 'node_textfile_scrape_error 0' <<<"$node" || fail "node_exporter could not parse fraiseql.metrics(): $(grep -i error "$WORK/node.log" | tail -3)"
line=$(grep '^fraiseql_operation_duration_seconds_count{.*operation="ScrapeProbe"' <<<"$node") || fail "no histogram for ScrapeProbe in node_exporter's output"
[ "${line##* }" = 3 ] || fail "histogram count: $line"
grep -q '^fraiseql_operation_duration_seconds_bucket{.*operation="ScrapeProbe".*le="+Inf"} 3' <<<"$node" || fail "no +Inf bucket of 3"
echo "scrape: ok: node_exporter's textfile collector parsed fraiseql.metrics() (read as a pg_monitor role): $line"
pg=$(scrape "$PGEXP_PORT") || fail "postgres_exporter did not answer: $(cat "$WORK/pgexp.log")"
line=$(grep '^fraiseql_operation_calls{.*operation="ScrapeProbe"' <<<"$pg") || fail "no fraiseql_operation_calls for ScrapeProbe: $(grep -i error "$WORK/pgexp.log" | tail -3)"
[ "${line##* }" = 3 ] || fail "calls: $line"
echo "scrape: ok: postgres_exporter's custom queries read fraiseql.stat_operations: $line"
# the Grafana dashboard is valid JSON and reads only metrics that exist
python3 -m json.tool examples/grafana/fraiseql.json >/dev/null || fail "examples/grafana/fraiseql.json is not valid JSON"
for m in $(grep -o 'fraiseql_[a-z_]*' examples/grafana/fraiseql.json | sort -u); do
  base=${m%_bucket}; base=${base%_count}; base=${base%_sum}
  grep -q "^# TYPE $base \|^# TYPE $m " <<<"$node" || grep -q "^$m" <<<"$pg" || fail "the dashboard uses $m, which neither scrape has"
done
echo "scrape: ok: every metric examples/grafana/fraiseql.json queries is scraped"
