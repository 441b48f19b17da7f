//! Seeded fuzzing of the pure pipeline (parse → validate → measure → plan → bind) over the demo
//! schemas: random documents built from the schema, and byte- and token-level mutations of them and
//! of the example queries, with random variables. Nothing may panic; request errors are fine.
//! `FRAISEQL_FUZZ_SEED` and `FRAISEQL_FUZZ_CASES` choose a longer or different run (cargo-fuzz
//! needs a nightly toolchain; this runs on stable).
use fraiseql_core::request::limits::QueryLimits;
use fraiseql_core::schema::{Catalog, Function, Kind, Relation, TypeRef};
use fraiseql_core::{PageSizes, Planned, Schema};
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// splitmix64: small, seeded, good enough to explore.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const NASTY_STRINGS: &[&str] = &[
    "",
    "a",
    "%",
    "_",
    "\\\\",
    "\\u0000",
    "a\\u0000b",
    "'; drop table x; --",
    "\\u00e9\\u00e8",
    "\\uD83D\\uDE00",
    "\\uD800",
    "00000000-0000-0000-0000-00000000000c",
    "not-a-uuid",
    "2024-01-01T00:00:00Z",
    "202壛4-01-01T00:00:00Z",
    "é",
    "WyJhIl0=",
    "eyJ4Ijo=",
    "[]",
    "{}",
    "\\\"",
];
const NASTY_NUMBERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "100",
    "1000",
    "1000000",
    "2147483648",
    "-9223372036854775808",
    "9223372036854775807",
    "99999999999999999999",
    "1.5",
    "1e309",
    "-0",
    "3",
];
const OPERATORS: &[&str] = &[
    "eq",
    "neq",
    "gt",
    "gte",
    "lt",
    "lte",
    "in",
    "nin",
    "like",
    "ilike",
    "contains",
    "icontains",
    "startsWith",
    "endsWith",
    "isNull",
    "nope",
    "AND",
    "OR",
    "NOT",
];

struct Gen<'s> {
    schema: &'s Schema,
    rng: Rng,
}

impl Gen<'_> {
    fn value(&mut self, ty: &TypeRef, depth: usize) -> String {
        if depth > 4 || self.rng.chance(3) {
            return self.any_value(depth);
        }
        if ty.is_list() && self.rng.chance(70) {
            let n = self.rng.below(4);
            let inner = ty.nullable().clone();
            let item = match inner {
                TypeRef::List(i) => *i,
                other => other,
            };
            let items: Vec<String> = (0..n).map(|_| self.value(&item, depth + 1)).collect();
            return format!("[{}]", items.join(", "));
        }
        let named = ty.named().to_string();
        match self.schema.kind(&named) {
            Some(Kind::Enum(e)) if !e.values.is_empty() => self.rng.pick(&e.values).clone(),
            Some(Kind::Input(input)) => {
                let fields: Vec<(String, TypeRef)> = input
                    .fields
                    .iter()
                    .map(|f| (f.name.clone(), f.ty.clone()))
                    .collect();
                let mut parts = Vec::new();
                for _ in 0..self.rng.below(4) {
                    if fields.is_empty() || self.rng.chance(5) {
                        let op = *self.rng.pick(OPERATORS);
                        let v = self.any_value(depth + 1);
                        parts.push(format!("{op}: {v}"));
                    } else {
                        let (name, fty) = self.rng.pick(&fields).clone();
                        let v = self.value(&fty, depth + 1);
                        parts.push(format!("{name}: {v}"));
                    }
                }
                format!("{{{}}}", parts.join(", "))
            }
            _ => match named.as_str() {
                "Int" | "Float" | "BigInt" => self.rng.pick(NASTY_NUMBERS).to_string(),
                "Boolean" => self.rng.pick(&["true", "false"]).to_string(),
                _ => format!("\"{}\"", self.rng.pick(NASTY_STRINGS)),
            },
        }
    }

    fn any_value(&mut self, depth: usize) -> String {
        match self.rng.below(if depth > 4 { 6 } else { 8 }) {
            0 => "null".into(),
            1 => self.rng.pick(NASTY_NUMBERS).to_string(),
            2 => format!("\"{}\"", self.rng.pick(NASTY_STRINGS)),
            3 => "true".into(),
            4 => "$v".into(),
            5 => "RED".into(),
            6 => format!("[{}]", self.any_value(depth + 1)),
            _ => format!(
                "{{{}: {}}}",
                self.rng.pick(OPERATORS),
                self.any_value(depth + 1)
            ),
        }
    }

    fn selection(&mut self, type_name: &str, depth: usize, fragments: &mut Vec<String>) -> String {
        let fields = match self.schema.kind(type_name) {
            Some(Kind::Object(o)) => o.fields.clone(),
            Some(Kind::Union(u)) => u.fields.clone().unwrap_or_default(),
            _ => return String::new(),
        };
        let mut out = Vec::new();
        let count = 1 + self.rng.below(4);
        for _ in 0..count {
            if self.rng.chance(4) {
                out.push(
                    self.rng
                        .pick(&["__typename", "nope", "__schema { types { name } }"])
                        .to_string(),
                );
                continue;
            }
            if fields.is_empty() {
                out.push("__typename".into());
                continue;
            }
            let f = self.rng.pick(&fields).clone();
            let mut s = String::new();
            if self.rng.chance(15) {
                s.push_str(&format!("a{}: ", self.rng.below(50)));
            }
            s.push_str(&f.name);
            let mut args = Vec::new();
            for a in &f.args {
                if self.rng.chance(if a.ty.is_non_null() { 90 } else { 35 }) {
                    let v = self.value(&a.ty, 0);
                    args.push(format!("{}: {v}", a.name));
                }
            }
            if self.rng.chance(3) {
                args.push(format!("bogus: {}", self.any_value(0)));
            }
            if !args.is_empty() {
                s.push_str(&format!("({})", args.join(", ")));
            }
            if self.rng.chance(5) {
                s.push_str(
                    *self
                        .rng
                        .pick(&[" @include(if: $b)", " @skip(if: true)", " @nope"]),
                );
            }
            let child = f.ty.named().to_string();
            if matches!(
                self.schema.kind(&child),
                Some(Kind::Object(_) | Kind::Union(_))
            ) {
                if depth > 5 {
                    s.push_str(" { __typename }");
                } else if self.rng.chance(10) && fragments.len() < 3 {
                    let name = format!("F{}", fragments.len());
                    let body = self.selection(&child, depth + 1, fragments);
                    fragments.push(format!("fragment {name} on {child} {{ {body} }}"));
                    s.push_str(&format!(" {{ ...{name} }}"));
                } else if self.rng.chance(5) {
                    let body = self.selection(&child, depth + 1, fragments);
                    s.push_str(&format!(" {{ ... on {child} {{ {body} }} }}"));
                } else {
                    let body = self.selection(&child, depth + 1, fragments);
                    s.push_str(&format!(" {{ {body} }}"));
                }
            }
            out.push(s);
        }
        out.join(" ")
    }

    fn document(&mut self) -> String {
        let mutation = self
            .schema
            .mutation_type
            .clone()
            .filter(|_| self.rng.chance(25));
        let (keyword, root) = match &mutation {
            Some(m) => ("mutation", m.clone()),
            None => ("query", self.schema.query_type.clone()),
        };
        let mut fragments = Vec::new();
        let body = self.selection(&root, 0, &mut fragments);
        let vars = self.rng.pick(&[
            "",
            "($v: Int, $b: Boolean)",
            "($v: String = \"x\", $b: Boolean!)",
            "($v: ID!, $b: Boolean = true)",
            "($v: [Int!], $b: Boolean)",
            "($v: UserWhere, $b: Boolean)",
            "($v: JSON, $b: Boolean)",
        ]);
        format!("{keyword} Op{vars} {{ {body} }} {}", fragments.join(" "))
    }

    fn variables(&mut self) -> Option<Json> {
        let v = match self.rng.below(9) {
            0 => return None,
            1 => json!(null),
            2 => json!(self.rng.below(2000) as i64 - 1000),
            3 => json!("00000000-0000-0000-0000-00000000000c"),
            4 => json!(1e300),
            5 => json!([1, 2, 3]),
            6 => json!({"name": {"eq": "a\u{0}b"}, "OR": [{"id": {"eq": "x"}}]}),
            7 => json!("\u{0}"),
            _ => json!({"deep": {"deeper": [[[[1]]]]}}),
        };
        let b = match self.rng.below(3) {
            0 => json!(true),
            1 => json!("yes"),
            _ => json!(null),
        };
        Some(if self.rng.chance(5) {
            json!([v, b])
        } else {
            json!({"v": v, "b": b})
        })
    }

    /// A byte- or token-level mutation of `doc`.
    fn mutate(&mut self, doc: &str) -> String {
        let mut bytes = doc.as_bytes().to_vec();
        for _ in 0..1 + self.rng.below(4) {
            let at = self.rng.below(bytes.len() + 1);
            match self.rng.below(7) {
                0 if !bytes.is_empty() => {
                    bytes.remove(at.min(bytes.len() - 1));
                }
                1 => {
                    let c = *self.rng.pick(b"{}()[]:$@!.,\"\\ \n#=&|0aZ_\x00\xff");
                    bytes.insert(at, c);
                }
                2 if !bytes.is_empty() => {
                    let len = self.rng.below(40).min(bytes.len() - at.min(bytes.len()));
                    let start = at.min(bytes.len());
                    let chunk: Vec<u8> = bytes[start..start + len].to_vec();
                    let to = self.rng.below(bytes.len() + 1);
                    for (i, b) in chunk.into_iter().enumerate() {
                        bytes.insert(to + i, b);
                    }
                }
                3 => bytes.truncate(at),
                4 => {
                    let token = self.rng.pick(&[
                        "...",
                        "fragment F on Query { ...F }",
                        "query",
                        "mutation",
                        "$v",
                        "null",
                        "1e309",
                        "\"\\u0000\"",
                        "__typename",
                        "{",
                        "}",
                        "\"\"\"",
                        "limit: -1",
                        "first: 99999999999",
                        "after: \"x\"",
                        "orderBy: {id: ASC}",
                    ]);
                    for (i, b) in token.bytes().enumerate() {
                        bytes.insert(at + i, b);
                    }
                }
                5 if !bytes.is_empty() => {
                    let i = at.min(bytes.len() - 1);
                    bytes[i] = bytes[i].wrapping_add(1 + self.rng.below(3) as u8);
                }
                _ => {
                    let n = 1 + self.rng.below(30);
                    let s: String = "{ a: users { id } ".repeat(n);
                    for (i, b) in s.bytes().enumerate() {
                        bytes.insert(at + i, b);
                    }
                }
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// The whole pure pipeline for one request, as the extension runs it.
fn run(schema: &Schema, query: &str, vars: Option<&Json>) {
    let Ok(doc) = fraiseql_core::prepare_document(schema, query) else {
        return;
    };
    let limits = QueryLimits::default();
    if fraiseql_core::check_limits(schema, &doc, vars, &PageSizes::default(), &limits).is_err() {
        return;
    }
    if let Ok((planned, coerced)) = fraiseql_core::plan_request(schema, &doc, None, vars) {
        if let Planned::Query(plan) = planned {
            let compiled = fraiseql_core::bind(&plan, &coerced, &PageSizes::default());
            assert!(
                !compiled.plan.sql.is_empty()
                    || !compiled.field_errors.is_empty()
                    || compiled.plan.params.is_empty()
            );
            // every parameter the statement names has a value
            assert_eq!(
                compiled.values.len(),
                compiled.plan.params.len(),
                "values for {query}"
            );
        }
    }
}

fn schemas() -> Vec<Schema> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    ["examples/blog/blog.graphql", "tests/fixtures/items.graphql"]
        .iter()
        .map(|p| {
            let sdl = std::fs::read_to_string(format!("{root}/{p}")).unwrap();
            let mut schema = Schema::parse(&sdl).unwrap_or_else(|e| panic!("{p}: {e:?}"));
            schema
                .bind(&catalog(&schema))
                .unwrap_or_else(|e| panic!("{p}: {e:?}"));
            schema
        })
        .collect()
}

/// A catalog as `load_schema` would find it: every view with `id uuid`, `data jsonb` and the
/// columns relations join on; every mutation function returning `mutation_response`.
fn catalog(schema: &Schema) -> Catalog {
    let mut columns: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut functions = BTreeMap::new();
    for t in schema.types.values() {
        let mut add = |view: &str, extra: Option<&str>| {
            let c = columns.entry(view.to_string()).or_insert_with(|| {
                BTreeMap::from([
                    ("id".into(), "uuid".into()),
                    ("data".into(), "jsonb".into()),
                ])
            });
            if let Some(col) = extra {
                c.entry(col.to_string()).or_insert_with(|| "uuid".into());
            }
        };
        if let Some(src) = &t.source {
            add(&src.view, None);
        }
        for f in &t.fields {
            if let Some(src) = &f.source {
                add(&src.view, None);
            }
            if let Some(rd) = &f.relation {
                add(&rd.source.view, Some(&rd.remote));
            }
            if let Some(name) = &f.function {
                let function = Function {
                    qualified: format!("public.{name}"),
                    returns: "mutation_response".into(),
                };
                functions.insert(name.clone(), Some(function));
            }
        }
    }
    let relations = columns
        .into_iter()
        .map(|(view, columns)| {
            let (schema, name) = view
                .split_once('.')
                .map_or(("public".to_string(), view.clone()), |(s, n)| {
                    (s.into(), n.into())
                });
            (
                view,
                Some(Relation {
                    schema,
                    name,
                    columns,
                }),
            )
        })
        .collect();
    Catalog {
        relations,
        candidates: Vec::new(),
        functions,
    }
}

fn seeds() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/blog/queries");
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "graphql"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect();
    out.sort();
    out
}

#[test]
fn random_and_mutated_documents_never_panic() {
    let seed: u64 = std::env::var("FRAISEQL_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20261202);
    let cases: usize = std::env::var("FRAISEQL_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6000);
    let seeds = seeds();
    assert!(seeds.len() >= 4, "the example queries seed the mutations");
    // Panics are what we look for: keep their default message out of the test output.
    std::panic::set_hook(Box::new(|_| {}));
    let mut failures = Vec::new();
    let mut accepted = 0usize;
    for (si, schema) in schemas().iter().enumerate() {
        let mut g = Gen {
            schema,
            rng: Rng(seed ^ (si as u64) << 32),
        };
        for case in 0..cases {
            let doc = match case % 3 {
                0 => g.document(),
                1 => {
                    let base = g.document();
                    g.mutate(&base)
                }
                _ => {
                    let base = g.rng.pick(&seeds).clone();
                    g.mutate(&base)
                }
            };
            let vars = g.variables();
            if std::env::var("FRAISEQL_FUZZ_TRACE").is_ok() {
                eprintln!("CASE {si}/{case}: {doc:?} {vars:?}");
            }
            if fraiseql_core::prepare_document(schema, &doc).is_ok() {
                accepted += 1;
            }
            if let Err(p) = catch_unwind(AssertUnwindSafe(|| run(schema, &doc, vars.as_ref()))) {
                let why = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!(
                    "schema {si}, case {case}: {why}: {doc:?} with {vars:?}"
                ));
            }
        }
    }
    let _ = std::panic::take_hook();
    eprintln!(
        "fuzz: seed {seed}, {} documents, {accepted} valid, {} panics",
        cases * 2,
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} panics (seed {seed}), first: {}",
        failures.len(),
        failures
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // The generator must reach past the parser and validator, or it tests nothing.
    assert!(
        accepted * 20 > cases,
        "only {accepted} of {} documents were valid: the generator is broken",
        cases * 2
    );
}
