#!/usr/bin/env bash
# The cost of projection maintenance on the bench data (tv_post over 1k users, 10k posts, 50k
# comments): one-row writes with tv_post's triggers enabled against the same writes with them
# disabled (ALTER TABLE … DISABLE TRIGGER: foreign-key checks still run), alternating rounds; a
# 10,000-row insert in one statement, both ways; and a full refresh against a one-row change.
# Usage: bench/maintenance.sh PORT DB SECONDS ROUNDS   (run by bench/run.sh; prints a markdown table)
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${1:?port}; DB=${2:?db}; SECS=${3:-5}; ROUNDS=${4:-3}
OUT=$PWD/target/bench
q() { psql -X -q -At -v ON_ERROR_STOP=1 -h /tmp -p "$PORT" -U postgres -d "$DB" "$@"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
tps() { pgbench -n -M prepared -h /tmp -p "$PORT" -U postgres -c 1 -T "$SECS" -f "$1" "$DB" 2>/dev/null | sed -n 's/^tps = \([0-9.]*\) .*/\1/p'; }
# Enables or disables tv_post's triggers on one table.
triggers() { # triggers enable|disable TABLE
  local clauses
  clauses=$(q -c "SELECT string_agg('$1 TRIGGER ' || quote_ident(tgname), ', ') FROM pg_trigger WHERE tgrelid = '$2'::regclass AND tgname LIKE 'fraiseql_tv_post_%'")
  q -c "ALTER TABLE $2 $clauses"
}
ms() { # ms SQL: wall time of its statements together (psql \timing)
  printf '\\timing on\n%s;\n' "$1" | psql -X -q -h /tmp -p "$PORT" -U postgres -d "$DB" 2>&1 | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | awk '{ t += $1 } END { printf "%.1f\n", t }'
}
# Every run starts from the bench dataset (50,000 comments, ~5 a post): the comments a run inserted go
# again (with the triggers as they were during the run: tv_post stays equal to v_post), and the tables
# are vacuumed. Without it each run measured bigger documents than the one before (a 5 s bare run adds
# ~30,000 comments, so later maintained runs re-projected posts of 8-15 comments, not 5).
# After a bare run of renames, tv_post is refreshed (its authors' names are stale).
restore() { # restore [refresh]
  q -c "DELETE FROM tb_comment WHERE body = 'maintenance bench'"
  [ "${1:-}" = refresh ] && q -c "SELECT fraiseql.refresh_projection('tv_post')" >/dev/null
  q -c "VACUUM (ANALYZE) tb_comment, tb_user, tv_post"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

printf '\\set n random(1, 10000)\nINSERT INTO tb_comment (id, fk_post, fk_user, body, created_at) VALUES (gen_random_uuid(), :n, 1 + :n %% 1000, $b$maintenance bench$b$, now());\n' > "$OUT/maint_comment.sql"
printf '\\set n random(1, 1000)\nUPDATE tb_user SET name = $b$User $b$ || :n || $b$ $b$ || random()::text WHERE pk_user = :n;\n' > "$OUT/maint_user.sql"
echo "| write (1 client, autocommit: each re-projected at its commit) | maintained | bare (triggers disabled) | time ratio (maintained / bare) |"
echo "|---|---:|---:|---:|"
for w in comment user; do
  table=tb_$w
  with=""; bare=""
  for _ in $(seq "$ROUNDS"); do
    triggers disable "$table"; bare="$bare $(tps "$OUT/maint_$w.sql")"; restore "$([ "$w" = user ] && echo refresh)"
    triggers enable "$table"; with="$with $(tps "$OUT/maint_$w.sql")"; restore
  done
  a=$(printf '%s\n' $with | median); b=$(printf '%s\n' $bare | median)
  case $w in
    comment) label="one comment inserted (re-projects its post)"; COMMENT_TPS=$a ;;
    user) label="one user renamed (re-projects ~$(q -c "SELECT round(avg(n)) FROM (SELECT count(DISTINCT p) AS n FROM (SELECT fk_user AS u, pk_post AS p FROM tb_post UNION SELECT c.fk_user, c.fk_post FROM tb_comment c) x GROUP BY u) y") posts: theirs and those they commented on)" ;;
  esac
  echo "| $label | $a TPS | $b TPS | **$(ratio "$b" "$a")** |"
done

bulk="INSERT INTO tb_comment (id, fk_post, fk_user, body, created_at) SELECT gen_random_uuid(), 1 + i % 10000, 1 + i % 1000, 'maintenance bulk', now() FROM generate_series(1, 10000) i"
triggers disable tb_comment; bare_ms=$(ms "$bulk"); q -c "DELETE FROM tb_comment WHERE body = 'maintenance bulk'"
triggers enable tb_comment; with_ms=$(ms "$bulk")
echo "| 10,000 comments in one INSERT (re-projects 10,000 posts once, at commit) | $with_ms ms | $bare_ms ms | **$(ratio "$with_ms" "$bare_ms")** |"

full=$(for _ in 1 2 3; do ms "SELECT fraiseql.refresh_projection('tv_post')"; done | median)
rebuild=$(ms "BEGIN; DELETE FROM tv_post; INSERT INTO tv_post (id, created_at, data) SELECT id, created_at, data FROM v_post; ROLLBACK")
one=$(awk -v t="$COMMENT_TPS" 'BEGIN { printf "%.3f", 1000 / t }')
echo
echo "| one-row change against a full refresh of 10,000 posts | ms | one-row change is faster by |"
echo "|---|---:|---:|"
echo "| one comment inserted, its post re-projected (from the TPS above, round trip included) | $one | — |"
echo "| fraiseql.refresh_projection('tv_post') (every document computed, only changed rows written) | $full | **$(ratio "$full" "$one")×** |"
echo "| DELETE + INSERT … SELECT FROM v_post (the demo's old refresh function) | $rebuild | **$(ratio "$rebuild" "$one")×** |"

# The bench's own writes go again (maintained, so tv_post stays equal to v_post).
q -c "DELETE FROM tb_comment WHERE body IN ('maintenance bench', 'maintenance bulk')"
drift=$(q -c "SELECT count(*) FROM fraiseql.verify_projection('tv_post')")
echo
echo "tv_post drift after the maintenance bench: $drift rows"
