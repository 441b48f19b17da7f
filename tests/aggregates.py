#!/usr/bin/env python3
"""Differential test of aggregates: random itemsAggregate requests (where, groups by one or two keys
with time buckets, having, orderBy, limit, every function) over 400 random items, each compared with
SQL written independently over tb_item. Real columns and their JSONB-path twins are drawn at random,
so both ways of reading a field are compared with the same base column.

Run by scripts/regress.sh: tests/aggregates.py PORT [SEED] [CASES]."""
import json
import random
import subprocess
import sys

PORT = sys.argv[1]
SEED = int(sys.argv[2]) if len(sys.argv) > 2 else 20261204
CASES = int(sys.argv[3]) if len(sys.argv) > 3 else 300
DB = "fraiseql_aggregates"


def psql(db, sql):
    r = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "/tmp", "-p", PORT,
                        "-U", "postgres", "-d", db], input=sql, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("aggregates: psql failed: " + r.stderr[:2000])
    return r.stdout


psql("postgres", f"DROP DATABASE IF EXISTS {DB}; CREATE DATABASE {DB};")
psql(DB, f"""
SET client_min_messages = warning;
CREATE EXTENSION fraiseql;
\\i tests/fixtures/items.sql
SELECT setseed({(SEED % 1000) / 1000.0});
INSERT INTO tb_item (id, name, qty, price, active, made_on, seen_at, status, w)
SELECT gen_random_uuid(),
       CASE WHEN random() < 0.1 THEN NULL ELSE 'n' || (random() * 30)::int END,
       CASE WHEN random() < 0.15 THEN NULL ELSE (random() * 50)::int - 10 END,
       CASE WHEN random() < 0.15 THEN NULL ELSE round((random() * 100)::numeric, 2) END,
       CASE WHEN random() < 0.1 THEN NULL ELSE random() < 0.5 END,
       CASE WHEN random() < 0.1 THEN NULL ELSE date '2023-01-01' + (random() * 700)::int END,
       CASE WHEN random() < 0.1 THEN NULL ELSE timestamptz '2023-01-01 00:00+00' + random() * interval '700 days' END,
       (ARRAY[NULL, 'NEW', 'USED'])[1 + (random() * 2.4)::int],
       CASE WHEN random() < 0.3 THEN NULL ELSE (random() * 5)::int END
  FROM generate_series(1, 395);
ANALYZE tb_item;
\\set sdl `cat tests/fixtures/items.graphql`
SELECT fraiseql.load_schema(:'sdl', 'items') > 0;
""")

rng = random.Random(SEED)
# GraphQL field → (its JSONB-only twin, the base column, the SQL type of the twin's JSONB cast)
SCALARS = {
    "qty": ("count", "qty"), "price": ("cost", "price"), "name": ("label", "name"),
    "status": ("state", "status"), "active": ("enabled", "active"), "madeOn": ("made", "made_on"),
    "seenAt": ("seen", "seen_at"),
}
NUMERIC = ["qty", "price"]
ORDERED = ["qty", "price", "name", "madeOn", "seenAt"]
KEYS = ["status", "active", "madeOn", "seenAt", "name", "qty"]
BUCKETS = {"VALUE": None, "DAY": "day", "WEEK": "week", "MONTH": "month", "YEAR": "year"}


def pick(field):
    """The field itself (a real column of v_item) or its JSONB-path twin, and the base column."""
    twin, column = SCALARS[field]
    return (twin if rng.random() < 0.5 else field), column


def where():
    """A random filter as (GraphQL, SQL over tb_item i), or none."""
    c = rng.randrange(5)
    k = rng.randrange(-5, 40)
    if c == 0:
        return None, "TRUE"
    if c == 1:
        f, col = pick("qty")
        return f"{{{f}: {{gt: {k}}}}}", f"i.{col} > {k}"
    if c == 2:
        f, col = pick("active")
        b = rng.choice(["true", "false"])
        return f"{{{f}: {{eq: {b}}}}}", f"i.{col} = {b}"
    if c == 3:
        f, col = pick("status")
        return f"{{{f}: {{isnull: true}}}}", f"i.{col} IS NULL"
    f, col = pick("price")
    return f"{{OR: [{{{f}: {{lt: {k}}}}}, {{name: {{startswith: \"n1\"}}}}]}}", f"(i.{col} < {k} OR starts_with(i.name, 'n1'))"


def functions():
    """A random selection of aggregate functions as (GraphQL, [(json key path, SQL)])."""
    gql, sql = ["count"], [("count", "count(*)")]
    for fn in ["countDistinct", "sum", "avg", "min", "max"]:
        if rng.random() < 0.5:
            continue
        pool = {"countDistinct": KEYS, "sum": NUMERIC, "avg": NUMERIC, "min": ORDERED, "max": ORDERED}[fn]
        chosen = rng.sample(pool, rng.randrange(1, 3))
        fields = []
        for f in chosen:
            name, col = pick(f)
            fields.append(name)
            expr = {"countDistinct": f"count(DISTINCT i.{col})", "avg": f"avg(i.{col})::float8"}.get(fn, f"{fn}(i.{col})")
            sql.append((f"{fn}.{name}", expr))
        gql.append(f"{fn} {{ {' '.join(fields)} }}")
    return " ".join(gql), sql


def nest(pairs):
    """jsonb_build_object(...) of dotted key paths, nested."""
    tree = {}
    for path, expr in pairs:
        parts = path.split(".")
        node = tree
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = expr

    def build(node):
        return "jsonb_build_object(" + ", ".join(
            f"'{k}', " + (build(v) if isinstance(v, dict) else v) for k, v in node.items()) + ")"
    return build(tree)


cases = []
for n in range(CASES):
    wg, ws = where()
    warg = f"(where: {wg})" if wg else ""
    fg, fs = functions()
    if rng.random() < 0.3:
        q = f"{{ itemsAggregate{warg} {{ {fg} }} }}"
        expected = f"(SELECT {nest(fs)} FROM tb_item i WHERE {ws})"
        cases.append((q, expected))
        continue
    keys = rng.sample(KEYS, rng.randrange(1, 3))
    by, key_sql, key_out = [], [], []
    for k in keys:
        name, col = pick(k)
        if k in ("madeOn", "seenAt"):
            b = rng.choice(list(BUCKETS))
            by.append(f"{{{name}: {b}}}")
            unit = BUCKETS[b]
            e = f"i.{col}" if unit is None else f"date_trunc('{unit}', i.{col})" + ("::date" if k == "madeOn" else "")
        else:
            by.append(f"{{{name}: true}}")
            e = f"i.{col}"
        key_sql.append(e)
        key_out.append((name, e))
    having_g, having_s = "", "TRUE"
    h = rng.randrange(3)
    if h == 1:
        m = rng.randrange(1, 6)
        having_g, having_s = f", having: {{count: {{gte: {m}}}}}", f"count(*) >= {m}"
    elif h == 2:
        name, col = pick("qty")
        m = rng.randrange(0, 200)
        having_g, having_s = f", having: {{sum: {{{name}: {{gt: {m}}}}}}}", f"sum(i.{col}) > {m}"
    order_g, order_s = "", ""
    if rng.random() < 0.4:
        order_g, order_s = ", orderBy: [{count: DESC}]", "count(*) DESC, "
    limit = rng.choice([None, 1, 3, 50])
    limit_g = f", limit: {limit}" if limit else ""
    offset = rng.choice([0, 0, 2])
    offset_g = f", offset: {offset}" if offset else ""
    key_fields = " ".join(name for name, _ in key_out)
    q = (f"{{ itemsAggregate{warg} {{ groups(by: [{', '.join(by)}]{having_g}{order_g}{limit_g}{offset_g}) "
         f"{{ key {{ {key_fields} }} {fg} }} }} }}")
    group_obj = nest([(f"key.{name}", e) for name, e in key_out] + fs)
    order = order_s + ", ".join(f"{e} NULLS LAST" for e in key_sql)
    expected = (f"(SELECT jsonb_build_object('groups', coalesce(jsonb_agg(g ORDER BY o), '[]'::jsonb)) FROM ("
                f"SELECT g, row_number() OVER () AS o FROM (SELECT {group_obj} AS g FROM tb_item i WHERE {ws} "
                f"GROUP BY {', '.join(key_sql)} HAVING {having_s} ORDER BY {order} "
                f"LIMIT {limit or 100} OFFSET {offset}) s) t)")
    cases.append((q, expected))

script = ["SET fraiseql.schema = 'items';", "SET timezone = 'UTC';"]
for n, (q, expected) in enumerate(cases):
    dq = "$gql$" + q + "$gql$"
    script.append(f"SELECT {n} || '|' || CASE WHEN r ? 'errors' THEN 'error ' || (r->'errors')::text "
                  f"WHEN r->'data'->'itemsAggregate' = {expected} THEN 'ok' "
                  f"ELSE 'differs ' || (r->'data'->'itemsAggregate')::text || ' expected ' || ({expected})::text END "
                  f"FROM (SELECT fraiseql.execute({dq})::jsonb AS r) x;")
out = psql(DB, "\n".join(script))
bad = [line for line in out.splitlines() if not line.endswith("|ok")]
if bad:
    for line in bad[:5]:
        n = int(line.split("|", 1)[0])
        print("aggregates: FAIL:", cases[n][0], "\n   ", line[:1500])
    sys.exit(f"aggregates: {len(bad)} of {len(cases)} requests differ from the hand-written SQL (seed {SEED})")
groups = sum(1 for q, _ in cases if "groups(" in q)
print(f"aggregates: ok: {len(cases)} random requests (seed {SEED}; {groups} with groups) over 400 items equal "
      f"SQL written by hand over tb_item, real columns and JSONB paths alike")
