#!/usr/bin/env bash
# Cluster-wide operation statistics: with fraiseql in shared_preload_libraries (scripts/regress.sh
# starts its cluster so), requests made by several connections add up in fraiseql.stat_operations
# and fraiseql.metrics() seen from yet another connection. Run by scripts/regress.sh.
set -euo pipefail
PORT=${1:?port}; DB=${2:-fraiseql_regress}; LOG=${3:-}
psql_() { psql -X -q -At -v ON_ERROR_STOP=1 -h /tmp -p "$PORT" -U postgres -d "$DB" "$@"; }
psql_ -c "SELECT fraiseql.stat_reset()" >/dev/null
pids=()
for c in 1 2 3 4 5; do
  psql_ >/dev/null <<'SQL' &
SELECT fraiseql.execute('query Probe { users(limit: 1) { name } }') FROM generate_series(1, 10);
SELECT fraiseql.execute('query Probe { users(limit: 1) { nope } }');
SQL
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
got=$(psql_ -c "SELECT format('%s calls, %s errors, scope %s', calls, errors, scope) FROM fraiseql.stat_operations WHERE operation = 'Probe'")
want="55 calls, 5 errors, scope cluster"
[ "$got" = "$want" ] || { echo "monitoring: stat_operations says '$got', expected '$want'"; exit 1; }
line=$(psql_ -c "SELECT fraiseql.metrics()" | grep '^fraiseql_operations_total{schema="default",kind="query",operation="Probe"}')
[ "$line" = 'fraiseql_operations_total{schema="default",kind="query",operation="Probe"} 55' ] \
  || { echo "monitoring: metrics() says '$line'"; exit 1; }
echo "monitoring: 5 connections x 11 requests counted cluster-wide: $got; metrics() agrees"

# JSON request logs (fraiseql.log_requests): one server-log line per request with PostgREST's
# x-request-id; with `errors`, only failed requests.
[ -n "$LOG" ] || exit 0
id="req-$$-$RANDOM"
PGOPTIONS="-c fraiseql.log_requests=errors" psql_ >/dev/null <<SQL
BEGIN;
SELECT set_config('request.headers', '{"x-request-id": "$id-ok"}', true), set_config('app.tenant_id', 'tenant-log', true);
SELECT fraiseql.execute('query Logged { users(limit: 1) { name } }');
SELECT set_config('request.headers', '{"x-request-id": "$id-failed"}', true);
SELECT fraiseql.execute('query Logged { users(limit: 1) { nope } }');
COMMIT;
SQL
PGOPTIONS="-c fraiseql.log_requests=all" psql_ -c "SELECT set_config('request.headers', '{\"x-request-id\": \"$id-all\"}', false), fraiseql.execute('{ users(limit: 1) { name } }')" >/dev/null
python3 - "$LOG" "$id" <<'PY'
import json, sys
log, rid = sys.argv[1], sys.argv[2]
lines = {}
for line in open(log, errors="replace"):
    if "fraiseql request {" in line:
        entry = json.loads(line.split("fraiseql request ", 1)[1])
        if str(entry.get("request_id", "")).startswith(rid):
            lines[entry["request_id"]] = entry
assert rid + "-ok" not in lines, "a successful request was logged with log_requests=errors"
failed = lines[rid + "-failed"]
assert failed["ok"] is False and failed["kind"] == "query" and failed["operation"] == "Logged", failed
assert failed["tenant"] == "tenant-log" and failed["role"] == "postgres" and failed["duration_ms"] >= 0, failed
every = lines[rid + "-all"]
assert every["ok"] is True and every["operation"] == "anonymous(users)", every
print("monitoring: request logs: the failed request's line carries its x-request-id, tenant and operation; successes only with log_requests=all")
PY
