//! Scaffolding: proposes SDL for existing `v_`/`tv_` relations from their columns and sampled
//! `data` documents, ready to edit and pass to `load_schema`.
use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::Value as Json;

/// What the extension found about one relation.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub name: String,
    pub schema: String,
    /// Column name → SQL type.
    pub columns: BTreeMap<String, String>,
    /// Sampled `data` documents.
    pub samples: Vec<Json>,
    /// A view that runs as its owner (no `security_invoker`): RLS of its tables is bypassed.
    pub owner_view: bool,
    /// A `tv_` table that fraiseql maintains (`fraiseql.create_projection`).
    pub maintained: bool,
}

fn pascal(s: &str) -> String {
    s.split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn camel(s: &str) -> String {
    let p = pascal(s);
    let mut c = p.chars();
    c.next()
        .map(|f| f.to_lowercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn plural(s: &str) -> String {
    if s.ends_with('s') || s.ends_with('x') || s.ends_with("sh") || s.ends_with("ch") {
        format!("{s}es")
    } else if s.ends_with('y') && !s.ends_with("ay") && !s.ends_with("ey") && !s.ends_with("oy") {
        format!("{}ies", &s[..s.len() - 1])
    } else {
        format!("{s}s")
    }
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.chars().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

fn is_date(s: &str) -> bool {
    s.len() == 10
        && s.chars().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        })
}

fn is_datetime(s: &str) -> bool {
    s.len() >= 19
        && is_date(&s[..10])
        && matches!(s.as_bytes()[10], b'T' | b' ')
        && s.as_bytes()[13] == b':'
}

fn column_type(sql: &str) -> Option<&'static str> {
    Some(match sql {
        "uuid" => "UUID",
        "smallint" | "integer" => "Int",
        "bigint" | "numeric" | "real" | "double precision" => "Float",
        "boolean" => "Boolean",
        "date" => "Date",
        "timestamp with time zone" | "timestamp without time zone" => "DateTime",
        "jsonb" | "json" => "JSON",
        "text" | "character varying" => "String",
        "text[]" | "character varying[]" => "[String!]",
        _ => return None,
    })
}

/// Types inferred from sampled values: one object shape → one type.
struct Inference {
    /// Type name → fields (name, GraphQL type, key, comment).
    types: BTreeMap<String, Vec<(String, String, String, String)>>,
    /// Key sets of the view types, to reuse them for embedded objects of the same shape.
    shapes: Vec<(Vec<String>, String)>,
}

impl Inference {
    fn scalar(key: &str, values: &[&Json]) -> String {
        let strings: Vec<&str> = values.iter().filter_map(|v| v.as_str()).collect();
        if values.iter().all(|v| v.is_boolean()) {
            "Boolean".into()
        } else if values.iter().all(|v| v.is_i64()) {
            "Int".into()
        } else if values.iter().all(|v| v.is_number()) {
            "Float".into()
        } else if strings.len() == values.len() && strings.iter().all(|s| is_uuid(s)) {
            if key == "id" {
                "ID".into()
            } else {
                "UUID".into()
            }
        } else if strings.len() == values.len() && strings.iter().all(|s| is_datetime(s)) {
            "DateTime".into()
        } else if strings.len() == values.len() && strings.iter().all(|s| is_date(s)) {
            "Date".into()
        } else if strings.len() == values.len() {
            "String".into()
        } else {
            "JSON".into()
        }
    }

    /// The GraphQL type for the values of one key, creating nested types as needed.
    fn value_type(&mut self, owner: &str, key: &str, values: &[&Json]) -> String {
        let present: Vec<&Json> = values.iter().copied().filter(|v| !v.is_null()).collect();
        if present.is_empty() {
            return "String".into();
        }
        if present.iter().all(|v| v.is_object()) {
            return self.object_type(&format!("{owner}{}", pascal(key)), &present);
        }
        if present.iter().all(|v| v.is_array()) {
            let items: Vec<&Json> = present
                .iter()
                .flat_map(|v| v.as_array().into_iter().flatten())
                .collect();
            if items.is_empty() {
                return "[JSON!]".into();
            }
            let singular = key.strip_suffix('s').unwrap_or(key);
            let inner = if items.iter().all(|v| v.is_object()) {
                self.object_type(&format!("{owner}{}", pascal(singular)), &items)
            } else {
                Self::scalar(singular, &items)
            };
            return format!("[{inner}!]");
        }
        Self::scalar(key, &present)
    }

    fn object_type(&mut self, name: &str, docs: &[&Json]) -> String {
        let mut keys: Vec<String> = docs
            .iter()
            .flat_map(|d| d.as_object().into_iter().flat_map(|o| o.keys().cloned()))
            .collect();
        keys.sort();
        keys.dedup();
        if let Some((_, existing)) = self.shapes.iter().find(|(k, _)| *k == keys) {
            return existing.clone();
        }
        let fields = self.fields(name, docs, &keys, &BTreeMap::new());
        self.types.insert(name.to_string(), fields);
        name.to_string()
    }

    fn fields(
        &mut self,
        owner: &str,
        docs: &[&Json],
        keys: &[String],
        columns: &BTreeMap<String, String>,
    ) -> Vec<(String, String, String, String)> {
        keys.iter()
            .map(|key| {
                let values: Vec<&Json> = docs
                    .iter()
                    .map(|d| d.get(key).unwrap_or(&Json::Null))
                    .collect();
                let from_column = columns.get(key).and_then(|t| column_type(t));
                let mut ty = match from_column {
                    Some(t) if key == "id" && t == "UUID" => "ID".to_string(),
                    Some(t) => t.to_string(),
                    None => self.value_type(owner, key, &values),
                };
                let always = !values.is_empty() && values.iter().all(|v| !v.is_null());
                if always {
                    ty.push('!');
                }
                let name = camel(key);
                let comment = if values.iter().all(|v| v.is_null()) {
                    "only nulls sampled: check the type".to_string()
                } else {
                    String::new()
                };
                (name, ty, key.clone(), comment)
            })
            .collect()
    }
}

fn entity_of(name: &str) -> &str {
    name.strip_prefix("tv_")
        .or_else(|| name.strip_prefix("v_"))
        .unwrap_or(name)
}

/// SDL for the relations found: one type per entity (a `tv_` table that fraiseql maintains wins
/// over its `v_` view; one it does not maintain would serve stale documents, so the view wins and
/// the proposal says how to make the table a projection), embedded object types, and a Query type
/// with a list and a by-id field per entity.
pub fn scaffold(found: &[Found]) -> String {
    let mut by_entity: BTreeMap<String, &Found> = BTreeMap::new();
    let rank = |f: &Found| match (f.name.starts_with("tv_"), f.maintained) {
        (true, true) => 2,
        (false, _) => 1,
        (true, false) => 0,
    };
    for f in found {
        let entity = entity_of(&f.name).to_string();
        let better = by_entity
            .get(&entity)
            .is_none_or(|prev| rank(f) > rank(prev));
        if better {
            by_entity.insert(entity, f);
        }
    }
    let mut inf = Inference {
        types: BTreeMap::new(),
        shapes: Vec::new(),
    };
    for (entity, f) in &by_entity {
        let mut keys: Vec<String> = f
            .samples
            .iter()
            .flat_map(|d| d.as_object().into_iter().flat_map(|o| o.keys().cloned()))
            .collect();
        keys.sort();
        keys.dedup();
        inf.shapes.push((keys, pascal(entity)));
    }
    let mut out = String::from(
        "# Proposed by fraiseql.scaffold(): edit, then pass to fraiseql.load_schema().\n",
    );
    let mut query = Vec::new();
    for (entity, f) in &by_entity {
        let type_name = pascal(entity);
        let docs: Vec<&Json> = f.samples.iter().collect();
        let keys = inf
            .shapes
            .iter()
            .find(|(_, n)| *n == type_name)
            .map(|(k, _)| k.clone())
            .unwrap_or_default();
        let fields = inf.fields(&type_name, &docs, &keys, &f.columns);
        let _ = writeln!(out);
        if f.samples.is_empty() {
            let _ = writeln!(
                out,
                "# {}.{} has no rows to sample: add the fields of its data documents.",
                f.schema, f.name
            );
        }
        let prefix = if f.schema == "public" {
            String::new()
        } else {
            format!("{}.", f.schema)
        };
        let view_name = format!("{prefix}v_{entity}");
        let table_name = format!("{prefix}tv_{entity}");
        let has_view = found
            .iter()
            .any(|x| x.schema == f.schema && x.name == format!("v_{entity}"));
        let stale_table = found
            .iter()
            .any(|x| x.schema == f.schema && x.name == format!("tv_{entity}") && !x.maintained);
        if f.name.starts_with("tv_") && !f.maintained {
            let _ = writeln!(out, "# WARNING: fraiseql does not maintain {table_name}: nothing keeps its documents equal to their view.");
            let _ = writeln!(out, "#          SELECT * FROM fraiseql.create_projection('{table_name}', '<its v_ view>') adopts it.");
        } else if !f.name.starts_with("tv_") && has_view {
            if stale_table {
                let _ = writeln!(out, "# {table_name} exists, but fraiseql does not maintain it (its documents may be stale), so this reads {view_name}.");
                let _ = writeln!(out, "# SELECT * FROM fraiseql.create_projection('{table_name}', '{view_name}') adopts it; then bind the type to {table_name}.");
            } else {
                let _ = writeln!(out, "# Reads of {view_name} build each document; a projection that fraiseql keeps fresh makes them primary-key lookups:");
                let _ = writeln!(out, "# SELECT * FROM fraiseql.create_projection('{table_name}', '{view_name}'); then bind the type to {table_name}.");
            }
        }
        if f.owner_view {
            let _ = writeln!(out, "# WARNING: {} runs as its owner (no security_invoker): Row-Level Security of its tables is bypassed.", f.name);
            let _ = writeln!(
                out,
                "#          Recreate it WITH (security_invoker = true) if its tables use RLS."
            );
        }
        let qualified = if f.schema == "public" {
            f.name.clone()
        } else {
            format!("{}.{}", f.schema, f.name)
        };
        let _ = writeln!(out, "type {type_name} @view(name: \"{qualified}\") {{");
        write_fields(&mut out, &fields);
        let _ = writeln!(out, "}}");
        let single = camel(entity);
        query.push(format!("  {}: [{type_name}!]!", plural(&single)));
        if keys.iter().any(|k| k == "id") || f.columns.contains_key("id") {
            query.push(format!("  {single}(id: ID!): {type_name}"));
        }
    }
    for (name, fields) in &inf.types {
        let _ = writeln!(out, "\ntype {name} {{");
        write_fields(&mut out, fields);
        let _ = writeln!(out, "}}");
    }
    let _ = writeln!(out, "\ntype Query {{\n{}\n}}", query.join("\n"));
    out
}

fn write_fields(out: &mut String, fields: &[(String, String, String, String)]) {
    for (name, ty, key, comment) in fields {
        let directive = if crate::names::snake_case(name) != *key {
            format!(" @field(key: \"{key}\")")
        } else {
            String::new()
        };
        let comment = if comment.is_empty() {
            String::new()
        } else {
            format!("  # {comment}")
        };
        let _ = writeln!(out, "  {name}: {ty}{directive}{comment}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn proposes_types_from_documents_and_columns() {
        let user = json!({"id": "00000000-0000-0000-0000-00000000000a", "name": "Ada", "created_at": "2024-01-01T10:00:00+00:00", "karma": 3});
        let found = vec![
            Found {
                name: "v_user".into(),
                schema: "public".into(),
                columns: BTreeMap::from([("id".into(), "uuid".into())]),
                samples: vec![user.clone()],
                owner_view: false,
                maintained: false,
            },
            Found {
                name: "v_post".into(),
                schema: "public".into(),
                columns: BTreeMap::new(),
                samples: vec![
                    json!({"id": "00000000-0000-0000-0000-000000000101", "author": user, "tags": ["a"], "comments": [{"body": "x"}], "score": 1.5, "note": null}),
                ],
                owner_view: true,
                maintained: false,
            },
            Found {
                name: "tv_post".into(),
                schema: "public".into(),
                columns: BTreeMap::new(),
                samples: vec![],
                owner_view: false,
                maintained: false,
            },
        ];
        let stale = scaffold(&found);
        assert!(
            stale.contains("type Post @view(name: \"v_post\")")
                && stale.contains("# tv_post exists, but fraiseql does not maintain it")
                && stale.contains(
                    "SELECT * FROM fraiseql.create_projection('tv_post', 'v_post') adopts it"
                ),
            "an unmaintained tv_ table loses to its view: {stale}"
        );
        assert!(
            stale.contains(
                "SELECT * FROM fraiseql.create_projection('tv_user', 'v_user'); then bind"
            ),
            "a view without projection gets one proposed: {stale}"
        );
        let mut found = found;
        found[2].maintained = true;
        let sdl = scaffold(&found);
        assert!(sdl.contains("type User @view(name: \"v_user\") {\n  createdAt: DateTime!\n  id: ID!\n  karma: Int!\n  name: String!\n}"), "{sdl}");
        assert!(
            sdl.contains("type Post @view(name: \"tv_post\")"),
            "a maintained tv_ table wins: {sdl}"
        );
        assert!(
            sdl.contains("users: [User!]!") && sdl.contains("user(id: ID!): User"),
            "{sdl}"
        );
        assert!(sdl.contains("has no rows to sample"), "{sdl}");
        // v_post lost to tv_post, so its warning and fields are not in the proposal
        assert!(!sdl.contains("WARNING"), "{sdl}");
    }

    #[test]
    fn embedded_objects_reuse_view_types_and_lists_get_types() {
        let user = json!({"id": "00000000-0000-0000-0000-00000000000a", "name": "Ada"});
        let found = vec![
            Found {
                name: "v_user".into(),
                schema: "public".into(),
                columns: BTreeMap::new(),
                samples: vec![user.clone()],
                owner_view: false,
                maintained: false,
            },
            Found {
                name: "v_post".into(),
                schema: "app".into(),
                columns: BTreeMap::new(),
                samples: vec![
                    json!({"id": "00000000-0000-0000-0000-000000000101", "author": user, "tags": ["a"], "comments": [{"body": "x"}], "score": 1.5, "note": null}),
                ],
                owner_view: true,
                maintained: false,
            },
        ];
        let sdl = scaffold(&found);
        assert!(sdl.contains("  author: User!\n"), "{sdl}");
        assert!(sdl.contains("  comments: [PostComment!]!\n"), "{sdl}");
        assert!(
            sdl.contains("type PostComment {\n  body: String!\n}"),
            "{sdl}"
        );
        assert!(
            sdl.contains("  tags: [String!]!\n") && sdl.contains("  score: Float!\n"),
            "{sdl}"
        );
        assert!(sdl.contains("note: String  # only nulls sampled"), "{sdl}");
        assert!(
            sdl.contains("@view(name: \"app.v_post\")")
                && sdl.contains("WARNING: v_post runs as its owner"),
            "{sdl}"
        );
        // the proposal loads as a schema
        crate::schema::Schema::parse(&sdl).unwrap();
    }
}
