#!/usr/bin/env bash
# Runs every psql command of docs/evaluation.md as written there (for the demo cluster), pointed at the
# test cluster instead, and checks what the page says to expect. Run by scripts/regress.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${1:?port}; DB=${2:-fraiseql_regress}
fail() { echo "evaluation: FAIL: $*"; exit 1; }
mapfile -t commands < <(grep '^psql -X -h /tmp -p 54330 -U postgres fraiseql_demo ' docs/evaluation.md)
[ "${#commands[@]}" -ge 9 ] || fail "expected at least 9 psql commands in docs/evaluation.md, found ${#commands[@]}"
# What the page says to expect from each command, in order (a substring of its output).
expect=(
  'type User @view(name: "v_user")'
  "SELECT json_build_object('data'"
  '"max_depth": 20'
  '12'
  'ok|true|primary'
  'le="0.0005"'
  'operation'
  ' t '
  't'
)
# The demo has answered requests by the time the page reads its statistics: so has this cluster.
psql -X -q -h /tmp -p "$PORT" -U postgres "$DB" -c "SELECT fraiseql.execute('query Evaluation { users(limit: 1) { name } }')" >/dev/null
for i in "${!commands[@]}"; do
  cmd=${commands[$i]//-p 54330/-p $PORT}
  cmd=${cmd//fraiseql_demo/$DB}
  out=$(bash -o pipefail -c "$cmd" 2>&1) || fail "command $((i + 1)) failed: $cmd: $out"
  want=${expect[$i]:-}
  [ -z "$want" ] || [[ "$out" == *"$want"* ]] || fail "command $((i + 1)) ($cmd) printed '${out:0:300}', expected it to contain '$want'"
done
# Step 3's commands (the migration's first step), as written: a venv with the pinned Strawberry from
# PyPI, then the Strawberry server's schema printed without a database.
mapfile -t step3 < <(grep -E '^(python3 -m venv target/bench-venv|target/bench-venv/bin/strawberry) ' docs/evaluation.md)
[ "${#step3[@]}" = 2 ] || fail "expected the two commands of step 3 in docs/evaluation.md, found ${#step3[@]}"
step3_result="and the 2 commands of step 3"
if out=$(bash -o pipefail -c "${step3[0]}" 2>&1); then
  out=$(bash -o pipefail -c "${step3[1]}" 2>&1) || fail "step 3's export-schema failed: $out"
  for want in 'query: RelationalQuery' 'type RelationalPost' 'type Comment' 'type User'; do
    [[ "$out" == *"$want"* ]] || fail "strawberry export-schema printed no '$want': ${out:0:300}"
  done
elif ! python3 -c 'import urllib.request; urllib.request.urlopen("https://pypi.org/simple/strawberry-graphql/", timeout=10)' 2>/dev/null; then
  step3_result="(step 3 skipped: PyPI cannot be reached from here)"
else
  fail "step 3's install failed although PyPI answers: $out"
fi
bad=$(psql -X -At -h /tmp -p "$PORT" -U postgres "$DB" -c "SELECT count(*) FROM fraiseql.verify_audit_chain() WHERE NOT ok")
[ "$bad" = 0 ] || fail "verify_audit_chain reports $bad bad chains"
echo "evaluation: ok: the ${#commands[@]} psql commands $step3_result in docs/evaluation.md run and print what the page says"
