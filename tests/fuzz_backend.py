#!/usr/bin/env python3
"""Backend fuzzing: random and mutated GraphQL documents and variables through fraiseql.execute.

Run by tests/fuzz.sh (which prepares the database, the web role and the fuzz.case() checker):
    fuzz_backend.py --port P --db D --user U --seed S --seconds N --log SERVER_LOG

Documents come from three sources, over every loaded schema (read with introspection, as the web
role): documents built by walking the schema (arguments, filters, variables, fragments, aliases,
directives), the example queries and every document in the golden files, and token- and byte-level
mutations of all of these. One psql session sends them, so per-backend caches (prepared statements,
schemas) see thousands of documents in a row. fuzz.case() records, in the database, every call that
raised out of execute, took over 2 s, answered an internal error (a caught panic), answered something that is not a GraphQL response or showed
Rust internals. This script then fails on any such record, on a backend restart
(pg_postmaster_start_time() changed), or on psql losing its connection. Only the standard library.
"""
import argparse
import glob
import json
import random
import re
import subprocess
import sys
import time

NASTY_STRINGS = ["", "a", "%", "_", "\\\\", "\\u0000", "a\\u0000b", "'; drop table x; --", "\\u00e9",
                 "\\uD83D\\uDE00", "\\uD800", "00000000-0000-0000-0000-00000000000c", "not-a-uuid",
                 "2024-01-01T00:00:00Z", "202\u58db4-01-01T00:00:00Z", "\u00e9", "WyJhIl0=", "eyJ4Ijo=", "[]", "{}", "\\\"", "x" * 5000]
NASTY_NUMBERS = ["0", "1", "-1", "2", "100", "1000", "1000000", "2147483648", "-9223372036854775808",
                 "9223372036854775807", "99999999999999999999", "1.5", "1e309", "-0", "3", "1e-400"]
JSON_NASTY = [None, 0, -1, 1.5, 10 ** 30, 2 ** 63, "", "a\u0000b", "x" * 3000, [], {}, [[[[1]]]],
              {"eq": 1}, True, "1e309", float("1e308")]
PUNCTUATION = ["{", "}", "(", ")", "[", "]", ":", "!", "$", "@", "...", ",", "=", "|", "&", "\"", "\"\"\"",
               "#", "\n", " ", "\\", "\u00e9", "\u200b", "\ufeff", "\r"]
KEYWORDS = ["query", "mutation", "subscription", "fragment", "on", "true", "false", "null", "__typename",
            "__schema", "__type", "@include(if: false)", "@skip(if: true)", "@deprecated", "@nope",
            "where", "orderBy", "limit", "offset", "first", "after", "last", "before", "id", "edges",
            "node", "pageInfo", "totalCount", "cursor", "AND", "OR", "NOT", "eq", "neq", "in", "nin",
            "icontains", "ilike", "like", "isNull", "gt", "lte", "ASC", "DESC", "input"]

INTROSPECTION = """{ __schema { queryType { name } mutationType { name }
  types { name kind possibleTypes { name } enumValues { name }
    fields { name args { name type { ...T } } type { ...T } }
    inputFields { name type { ...T } } } } }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }"""


def psql(args, sql):
    """One statement on a fresh connection; its unaligned, tuples-only output."""
    out = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1"] + args + ["-c", sql],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def unwrap(t):
    """(named type, is list, is non-null) of an introspection type reference."""
    non_null = t["kind"] == "NON_NULL"
    if non_null:
        t = t["ofType"]
    is_list = t["kind"] == "LIST"
    while t.get("ofType"):
        t = t["ofType"]
    return t["name"], is_list, non_null


def type_string(t):
    if t["kind"] == "NON_NULL":
        return type_string(t["ofType"]) + "!"
    if t["kind"] == "LIST":
        return "[" + type_string(t["ofType"]) + "]"
    return t["name"]


class Generator:
    """Documents and variables built by walking one schema's introspection."""

    def __init__(self, rng, schema):
        self.rng = rng
        self.types = {t["name"]: t for t in schema["types"]}
        self.query = schema["queryType"]["name"]
        self.mutation = (schema.get("mutationType") or {}).get("name")
        self.names = sorted({n for t in schema["types"] for n in
                             [t["name"]] + [f["name"] for f in (t["fields"] or []) + (t["inputFields"] or [])]})

    def chance(self, percent):
        return self.rng.random() * 100 < percent

    def enum_value(self, t):
        """One of the enum's values, or one it does not have."""
        return self.rng.choice([v["name"] for v in t["enumValues"]] + ["NOPE"])

    def some_input_fields(self, t):
        """One to three of an input object's fields, at random."""
        fields = t["inputFields"] or []
        return self.rng.sample(fields, min(len(fields), self.rng.randrange(1, 4))) if fields else []

    def literal(self, tref, depth, variables, defs):
        """A GraphQL value for an argument of type tref: mostly right, sometimes wrong on purpose."""
        if depth > 4 or self.chance(4):
            return self.rng.choice(NASTY_NUMBERS + ['"%s"' % s for s in NASTY_STRINGS] + ["null", "[]", "{}", "RED"])
        if self.chance(12):  # a variable instead of a literal
            name = "v%d" % len(defs)
            defs.append("$%s: %s" % (name, type_string(tref) if not self.chance(10) else self.rng.choice(["Int", "String!", "[ID]", "Nope"])))
            if not self.chance(10):
                variables[name] = self.json_value(tref, depth)
            return "$" + name
        name, is_list, _ = unwrap(tref)
        if is_list and self.chance(70):
            inner = {"kind": "NAMED", "name": name}
            return "[" + ", ".join(self.literal(inner, depth + 1, variables, defs) for _ in range(self.rng.randrange(4))) + "]"
        t = self.types.get(name, {"kind": "SCALAR"})
        if t["kind"] == "ENUM":
            return self.enum_value(t)
        if t["kind"] == "INPUT_OBJECT":
            chosen = self.some_input_fields(t)
            parts = ["%s: %s" % (f["name"], self.literal(f["type"], depth + 1, variables, defs)) for f in chosen]
            if self.chance(5):
                parts.append("%s: 1" % self.rng.choice(self.names))
            return "{" + ", ".join(parts) + "}"
        return self.scalar_literal(name)

    def scalar_literal(self, name):
        if name in ("Int", "Float"):
            return self.rng.choice(NASTY_NUMBERS)
        if name == "Boolean":
            return self.rng.choice(["true", "false", "1"])
        return '"%s"' % self.rng.choice(NASTY_STRINGS)

    def json_value(self, tref, depth):
        if depth > 4 or self.chance(8):
            return self.rng.choice(JSON_NASTY)
        name, is_list, _ = unwrap(tref)
        if is_list and self.chance(70):
            return [self.json_value({"kind": "NAMED", "name": name}, depth + 1) for _ in range(self.rng.randrange(4))]
        t = self.types.get(name, {"kind": "SCALAR"})
        if t["kind"] == "ENUM":
            return self.enum_value(t)
        if t["kind"] == "INPUT_OBJECT":
            chosen = self.some_input_fields(t)
            return {f["name"]: self.json_value(f["type"], depth + 1) for f in chosen}
        if name in ("Int", "Float"):
            return self.rng.choice([0, 1, 2, -1, 1000000, 2 ** 31, 1.5, 2 ** 64])
        if name == "Boolean":
            return self.rng.choice([True, False])
        return self.rng.choice(["a", "", "%", "00000000-0000-0000-0000-00000000000c", "WyJhIl0=", "x" * 50])

    def selection(self, tname, depth, variables, defs, fragments):
        t = self.types.get(tname)
        if t is None or t["kind"] in ("SCALAR", "ENUM"):
            return ""
        parts = []
        if t["kind"] in ("UNION", "INTERFACE"):
            parts.append("__typename")
            for p in self.rng.sample(t["possibleTypes"], min(2, len(t["possibleTypes"]))):
                parts.append("... on %s { %s }" % (p["name"], self.selection(p["name"], depth + 1, variables, defs, fragments) or "__typename"))
            if t["kind"] == "UNION":
                return "{ " + " ".join(parts) + " }"
        fields = t["fields"] or []
        for _ in range(self.rng.randrange(1, 5)):
            if not fields:
                break
            f = self.rng.choice(fields)
            ftype, _, _ = unwrap(f["type"])
            text = f["name"]
            if self.chance(20):
                text = "a%d: %s" % (self.rng.randrange(50), text)
            if f["args"] and self.chance(60):
                args = self.rng.sample(f["args"], min(len(f["args"]), self.rng.randrange(1, 4)))
                text += "(" + ", ".join("%s: %s" % (a["name"], self.literal(a["type"], 0, variables, defs)) for a in args) + ")"
            if self.chance(5):
                text += self.rng.choice([" @include(if: false)", " @skip(if: false)", " @include(if: $b)", " @nope"])
            inner = self.types.get(ftype, {}).get("kind") in ("OBJECT", "INTERFACE", "UNION")
            if inner:
                if depth > self.rng.randrange(2, 7):
                    sub = "{ __typename }"
                else:
                    sub = self.selection(ftype, depth + 1, variables, defs, fragments) or "{ __typename }"
                    if self.chance(10):  # move it into a named fragment
                        name = "F%d" % len(fragments)
                        fragments.append("fragment %s on %s %s" % (name, ftype, sub))
                        sub = "{ ...%s }" % name
                text += " " + sub
            parts.append(text)
        if self.chance(3):
            parts.append(self.rng.choice(["nope", "__schema { types { name } }", "__type(name: \"%s\") { name }" % tname]))
        return "{ " + " ".join(parts) + " }"

    def document(self):
        variables, defs, fragments = {}, [], []
        root = self.mutation if self.mutation and self.chance(12) else self.query
        body = self.selection(root, 0, variables, defs, fragments)
        keyword = "mutation" if root == self.mutation else "query"
        op = None
        if self.chance(30):
            op = "Op%d" % self.rng.randrange(3)
        if defs or op or root == self.mutation or self.chance(20):
            head = keyword + (" " + op if op else "") + ("(" + ", ".join(defs) + ")" if defs else "")
        else:
            head = ""
        doc = " ".join([head + " " + body] + fragments)
        if self.chance(5):
            variables[self.rng.choice(["b", "junk", "v0"])] = self.rng.choice(JSON_NASTY)
        if op and self.chance(20):
            op = self.rng.choice(["Op9", "", "x" * 100])
        return doc, variables, op


TOKEN = re.compile(r'"""(?:.|\n)*?"""|"(?:[^"\\\n]|\\.)*"|\.\.\.|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|[_A-Za-z][_0-9A-Za-z]*|\S')


def mutate(rng, doc, names):
    """One to three token- or byte-level edits of a document (mostly one)."""
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        tokens = TOKEN.findall(doc) or [doc]
        edit = rng.randrange(10)
        i = rng.randrange(len(tokens))
        vocabulary = PUNCTUATION + KEYWORDS + names + NASTY_NUMBERS + ['"%s"' % s for s in NASTY_STRINGS]
        if edit == 0:
            del tokens[i:i + rng.randrange(1, 4)]
        elif edit == 1:
            tokens.insert(i, rng.choice(vocabulary))
        elif edit == 2:
            tokens[i] = rng.choice(vocabulary)
        elif edit == 3:
            j = rng.randrange(len(tokens))
            tokens[i], tokens[j] = tokens[j], tokens[i]
        elif edit == 4:  # duplicate a span
            j = min(len(tokens), i + rng.randrange(1, 12))
            tokens[i:i] = tokens[i:j] * rng.randrange(1, 4)
        elif edit == 5:  # deep nesting
            k = rng.choice([10, 70, 200, 1000])
            tokens[i:i] = ["{ a:"] * 0 + ["{"] * k + ["id"] + ["}"] * (k if rng.random() < 0.5 else 0)
        elif edit == 6:  # many aliases of one field
            field = rng.choice(names)
            tokens[i:i] = ["a%d: %s" % (n, field) for n in range(rng.choice([20, 300, 3000]))]
        elif edit == 7:
            tokens = tokens[:i]
        elif edit == 8:  # raw characters
            pos = rng.randrange(len(doc) + 1)
            doc = doc[:pos] + "".join(chr(rng.choice([rng.randrange(1, 128), rng.randrange(128, 0xD800)]))
                                      for _ in range(rng.randrange(1, 6))) + doc[pos:]
            continue
        else:
            tokens.insert(i, rng.choice(NASTY_NUMBERS))
        doc = " ".join(tokens)
    return doc


def corpus():
    """The example queries and every GraphQL document written in the golden files."""
    docs = [open(p).read() for p in sorted(glob.glob("examples/blog/queries/*.graphql"))]
    literal = re.compile(r"'((?:[^']|'')*)'")
    for path in sorted(glob.glob("tests/pg_regress/sql/*.sql")):
        for m in literal.finditer(open(path).read()):
            s = m.group(1).replace("''", "'")
            if re.match(r"\s*(\{|query\b|mutation\b|fragment\b|subscription\b)", s):
                docs.append(s)
    return docs


def dollar(s, rng):
    while True:
        tag = "$f%x$" % rng.randrange(1 << 32)
        if tag not in s:
            return tag + s + tag


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--seed", type=int, default=20261203)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--log", default="")
    opts = ap.parse_args()
    rng = random.Random(opts.seed)
    conn = ["-h", "/tmp", "-p", opts.port, "-d", opts.db]
    admin = conn + ["-U", "postgres"]
    started = psql(admin, "select pg_postmaster_start_time()")
    schemas = psql(admin, "select string_agg(distinct name, ' ' order by name) from fraiseql.schema_version").split()
    gens = {}
    for name in schemas:
        text = psql(conn + ["-U", opts.user], "set fraiseql.schema = '%s'; select fraiseql.execute($q$%s$q$)" % (name, INTROSPECTION))
        gens[name] = Generator(rng, json.loads(text.splitlines()[-1])["data"]["__schema"])
    seeds = corpus()
    print("fuzz: seed %d, %s s, schemas %s, %d corpus documents, as role %s"
          % (opts.seed, opts.seconds, ", ".join(schemas), len(seeds), opts.user))

    session = subprocess.Popen(["psql", "-X", "-q", "-At", "-o", "/dev/null", "-v", "ON_ERROR_STOP=0", "-U", opts.user] + conn,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    session.stdin.write(b"set statement_timeout = '10s';\n")
    cases, deadline, lost = 0, time.monotonic() + opts.seconds, None
    recent = []
    while time.monotonic() < deadline:
        name = rng.choice(schemas)
        gen = gens[name]
        batch = ["set fraiseql.schema = '%s';" % name]
        for _ in range(100):
            source = rng.randrange(3)
            if source == 0:
                doc, variables, op = gen.document()
            else:
                doc = rng.choice(seeds) if source == 1 else gen.document()[0]
                doc = mutate(rng, doc, gen.names)
                variables = gen.document()[1] if rng.random() < 0.3 else None
                op = rng.choice([None, None, None, "Op0", "x"])
            cases += 1
            vtext = json.dumps(variables) if variables is not None else None
            extensions = "'{\"persistedQuery\": {\"version\": 1, \"sha256Hash\": \"%064x\"}}'" % rng.randrange(1 << 256) if rng.random() < 0.01 else "null"
            batch.append("select fuzz.case(%d, %s, %s, %s, %s);" % (
                cases, dollar(doc, rng), dollar(vtext, rng) if vtext is not None else "null",
                "'%s'" % op.replace("'", "''") if op is not None else "null", extensions))
            recent = (recent + [(doc, vtext)])[-100:]
        batch.append("\\echo done %d" % cases)
        try:
            session.stdin.write(("\n".join(batch) + "\n").encode("utf-8", "surrogatepass"))
            session.stdin.flush()
            line = session.stdout.readline()
        except BrokenPipeError:
            line = b""
        if not line.startswith(b"done"):
            lost = "psql lost its connection around case %d" % cases
            break
    session.stdin.close()
    session.wait(timeout=60)
    stderr = session.stderr.read().decode("utf-8", "replace")

    failed = []
    if lost:
        failed.append(lost)
    restarted = psql(admin, "select pg_postmaster_start_time()") != started
    if restarted:
        failed.append("the postmaster restarted (a backend crashed)")
    if restarted or lost:
        if opts.log:
            crash = [l for l in open(opts.log, errors="replace").read().splitlines()
                     if "terminated by signal" in l or "Failed process was running" in l]
            failed += crash[-4:]
    # psql's own errors would mean a statement this script wrote was not even run: a fuzzer defect
    errors = [l for l in stderr.splitlines() if l.startswith(("ERROR", "psql:", "FATAL"))]
    if errors:
        failed.append("psql reported %d errors, first: %s" % (len(errors), errors[0][:300]))
    records = psql(admin, "select count(*) from fuzz.failure")
    if records != "0":
        failed.append("%s failing calls; the first ones:" % records)
        failed.append(psql(admin, "select string_agg(format('case %s: %s: %s\n  document: %s\n  variables: %s', n, reason, left(detail, 300), left(doc, 300), left(vars, 200)), E'\n' order by n) from (select * from fuzz.failure order by n limit 5) f"))
    outcomes = psql(admin, "select string_agg(outcome || ' ' || n, ', ' order by n desc) from fuzz.outcome")
    print("fuzz: %d documents; outcomes: %s" % (cases, outcomes))
    print(psql(admin, "select string_agg(format('  %s, e.g. %s', outcome, left(example, 160)), E'\\n' order by outcome) from fuzz.outcome where outcome in ('DATABASE_ERROR', 'NOT_SUPPORTED')"))
    if failed:
        print("fuzz: FAIL\n" + "\n".join(failed))
        sys.exit(1)
    print("fuzz: ok: no crash, no exception out of execute, no internal error, no Rust internals, no call over 2 s, every answer a GraphQL response")


if __name__ == "__main__":
    main()
