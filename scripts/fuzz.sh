#!/usr/bin/env bash
# `make fuzz`: backend fuzzing (tests/fuzz.sh) on the regress cluster, with a seed and a duration.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=$PWD/target/regress-data; PORT=${REGRESS_PORT:-54329}
trap 'scripts/cluster.sh stop "$DIR"' EXIT
PRELOAD=1 scripts/cluster.sh start "$DIR" "$PORT"
tests/fuzz.sh "$PORT" "$DIR/server.log" "${1:-20261203}" "${2:-300}"
