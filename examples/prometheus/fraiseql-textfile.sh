#!/bin/sh
# Writes fraiseql.metrics() where node_exporter's textfile collector reads it
# (--collector.textfile.directory=DIR); run it from cron or a systemd timer, as a pg_monitor member.
# Usage: fraiseql-textfile.sh DIR [psql connection options…]
set -eu
dir=$1; shift
psql -X -q -At -v ON_ERROR_STOP=1 "$@" -c 'SELECT fraiseql.metrics()' > "$dir/fraiseql.prom.$$"
mv "$dir/fraiseql.prom.$$" "$dir/fraiseql.prom"   # atomic: the collector never reads half a file
