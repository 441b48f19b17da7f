#!/usr/bin/env bash
# Audit chain under concurrency: 8 clients run thousands of mutations across 3 tenant chains, in all
# three isolation levels, some transactions writing to two chains, about one in ten rolled back. Afterwards every chain must verify, have no gaps and no forks,
# and hold exactly one entry per committed mutation. Run by scripts/regress.sh against its cluster.
set -euo pipefail
PORT=${1:?port}; DB=${2:-fraiseql_regress}
CLIENTS=${CONCURRENCY_CLIENTS:-8}; TX=${CONCURRENCY_TX:-300}
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h /tmp -p "$PORT" -U postgres -d "$DB" "$@"; }
psql_ -f tests/fixtures/notes.sql >/dev/null
psql_ >/dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM fraiseql.audit_key WHERE key_id = 'concurrency') THEN
    PERFORM fraiseql.audit_set_key('concurrency', decode(repeat('c0ffee', 11), 'hex'));
  END IF;
END $$;
SQL
script=$(mktemp); trap 'rm -f "$script"' EXIT
cat > "$script" <<'PGB'
\set t random(1, 3)
\set t2 random(1, 3)
\set r random(1, 10)
\set iso random(1, 3)
\if :iso = 1
BEGIN ISOLATION LEVEL READ COMMITTED;
\elif :iso = 2
BEGIN ISOLATION LEVEL REPEATABLE READ;
\else
BEGIN ISOLATION LEVEL SERIALIZABLE;
\endif
SELECT set_config('fraiseql.schema', 'notes', true), set_config('app.tenant_id', 'tenant-' || :t, true);
SELECT fraiseql.execute('mutation Add($n: Int!) { addNote(input: {n: $n}) { __typename ... on AddNoteSuccess { status } } }', jsonb_build_object('n', :r));
\if :r <= 3
SELECT set_config('app.tenant_id', 'tenant-' || :t2, true);
SELECT fraiseql.execute('mutation Add($n: Int!) { addNote(input: {n: $n}) { __typename ... on AddNoteSuccess { status } } }', jsonb_build_object('n', :r));
\endif
\if :r = 1
ROLLBACK;
\else
COMMIT;
\endif
PGB
deadlocks() { psql_ -At -c "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"; }
deadlocks_before=$(deadlocks)
# Serializable transactions may fail to commit (SSI) and are retried; deadlocks must not happen.
pgbench -n -h /tmp -p "$PORT" -U postgres -c "$CLIENTS" -j 2 -t "$TX" --max-tries=20 -f "$script" "$DB" > /tmp/fraiseql-concurrency.log 2>&1 &
writers=$!
# Beside the writers, the verifier in a default (READ COMMITTED) session must judge one consistent
# snapshot: a chain read after its head once looked "inserted" (entry beyond the head) — a false alarm.
verified=0; alarms=0
while kill -0 "$writers" 2>/dev/null; do
  bad=$(psql_ -At -c "SELECT count(*) FILTER (WHERE NOT ok) || ' ' || coalesce(string_agg(chain || ': ' || problem || ' ' || detail, '; ') FILTER (WHERE NOT ok), '') FROM fraiseql.verify_audit_chain()")
  verified=$((verified + 1))
  case "$bad" in "0 "*) ;; *) alarms=$((alarms + 1)); echo "concurrency: verifier beside writers: $bad" ;; esac
done
wait "$writers" || { cat /tmp/fraiseql-concurrency.log; exit 1; }
echo "concurrency: verify_audit_chain() ran $verified times beside $CLIENTS writers: $alarms false alarms"
[ "$alarms" -eq 0 ] || exit 1
[ "$verified" -ge 3 ] || { echo "concurrency: the verifier ran only $verified times beside the writers"; exit 1; }
if grep -q "number of failed transactions: [1-9]" /tmp/fraiseql-concurrency.log; then cat /tmp/fraiseql-concurrency.log; exit 1; fi
if [ "$(deadlocks)" != "$deadlocks_before" ]; then echo "concurrency: deadlocks happened"; exit 1; fi
result=$(psql_ -At <<'SQL'
WITH notes AS (SELECT tenant, count(*) AS committed FROM tb_note GROUP BY tenant),
     -- A note is committed exactly when its entry says 'created'; a serialization failure inside the
     -- mutation function is caught by its subtransaction and recorded as 'exception:40001'.
     entries AS (SELECT chain, count(*) AS entries, count(*) FILTER (WHERE outcome = 'created') AS created,
                        count(*) FILTER (WHERE outcome <> 'created') AS failed,
                        max(seq) AS max_seq, count(DISTINCT seq) AS distinct_seq
                   FROM fraiseql.audit_log WHERE function = '"public"."fn_add_note"' GROUP BY chain),
     heads AS (SELECT chain, seq FROM fraiseql.audit_head),
     verified AS (SELECT chain, ok, checked FROM fraiseql.verify_audit_chain())
SELECT string_agg(format('%s: committed=%s created=%s failed=%s entries=%s head=%s max_seq=%s verified=%s/%s',
                         n.tenant, n.committed, e.created, e.failed, e.entries, h.seq, e.max_seq, v.ok, v.checked), '; ' ORDER BY n.tenant)
       || ' => ' ||
       CASE WHEN bool_and(n.committed = e.created AND e.entries = e.max_seq AND e.max_seq = e.distinct_seq
                          AND h.seq = e.max_seq AND v.ok AND v.checked = e.entries)
            THEN 'OK' ELSE 'MISMATCH' END
  FROM notes n JOIN entries e ON e.chain = n.tenant JOIN heads h ON h.chain = n.tenant JOIN verified v ON v.chain = n.tenant;
SQL
)
echo "concurrency: $CLIENTS clients x $TX transactions: $result"
case "$result" in *"=> OK") ;; *) exit 1 ;; esac
# The appends maintain the audit tables' indexes themselves: every heap tuple must have its index
# entry and each index its structure (amcheck raises an error otherwise).
psql_ -At <<'SQL'
CREATE EXTENSION IF NOT EXISTS amcheck;
SELECT 'concurrency: amcheck: ' || string_agg(format('%s ok', i.indexrelid::regclass), ', ' ORDER BY i.indexrelid::regclass::text)
  FROM pg_index i, LATERAL (SELECT bt_index_parent_check(i.indexrelid, true)::text AS r) c
 WHERE i.indrelid IN ('fraiseql.audit_log'::regclass, 'fraiseql.audit_head'::regclass) AND c.r = '';
DROP EXTENSION amcheck;
SQL

# The same chains verified outside Postgres by scripts/verify_audit.py (docs/audit.md), then a
# tampered export must fail.
export_file=$(mktemp); trap 'rm -f "$script" "$export_file"' EXIT
psql_ -At > "$export_file" <<'SQL'
SELECT json_agg(e ORDER BY chain, seq) FROM (
  SELECT chain, seq, (extract(epoch FROM logged_at) * 1000000)::bigint AS logged_at_us, role::text, subject, tenant,
         operation, field, function, query_sha256, variables_sha256, outcome, entity_id,
         encode(prev_hash, 'hex') AS prev_hash, encode(entry_hash, 'hex') AS entry_hash,
         encode(signature, 'hex') AS signature, key_id
    FROM fraiseql.audit_log) e
SQL
heads=$(psql_ -At -c "SELECT string_agg(format('--head %s=%s:%s', chain, seq, encode(hash, 'hex')), ' ') FROM fraiseql.audit_head")
key="--key concurrency=$(printf 'c0ffee%.0s' $(seq 11))"
# shellcheck disable=SC2086
python3 scripts/verify_audit.py "$export_file" $key $heads
python3 - "$export_file" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
rows[len(rows) // 2]["outcome"] = "deleted"
json.dump(rows, open(sys.argv[1], "w"))
PY
# shellcheck disable=SC2086
if python3 scripts/verify_audit.py "$export_file" $key $heads; then echo "verify_audit.py missed a tampered entry"; exit 1; fi
echo "concurrency: external verifier agrees, and catches a tampered export"
