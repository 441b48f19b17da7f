#!/usr/bin/env bash
# Real-client introspection check: graphql-js's own introspection query against the blog schema,
# its result rebuilt and validated by graphql-js. Run by scripts/regress.sh against its cluster.
set -euo pipefail
cd "$(dirname "$0")/introspection"
PORT=${1:?port}; DB=${2:-fraiseql_regress}
if [ ! -d node_modules/graphql ]; then
  npm install --no-audit --no-fund --silent >/dev/null
fi
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
node check.mjs query > "$out/query.graphql"
echo "SELECT fraiseql.execute(:'q');" | psql -X -q -At -v ON_ERROR_STOP=1 -h /tmp -p "$PORT" -U postgres -d "$DB" -v q="$(cat "$out/query.graphql")" > "$out/result.json"
psql -X -q -At -v ON_ERROR_STOP=1 -h /tmp -p "$PORT" -U postgres -d "$DB" -c "SELECT fraiseql.sdl(effective := true)" > "$out/effective.graphql"
node check.mjs verify "$out/result.json" ../../examples/blog/blog.graphql "$out/effective.graphql"
