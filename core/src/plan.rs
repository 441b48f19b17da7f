//! The planner: collected fields → ONE SQL statement in which Postgres builds the whole response
//! JSONB. Identifiers come only from the bound schema and are quoted; values only travel as `$n`.
use std::fmt::Write;

use serde_json::Value as Json;

use crate::collect::Selected;
use crate::document::Value;
use crate::error::{code, GqlError};
use crate::names::quote_literal;
use crate::schema::{Kind, ObjectType, Relation, RootKind, Schema, TypeRef};
use crate::variables::{literal_to_json, Variables};

/// `jsonb_build_object` takes at most 100 arguments; larger objects are concatenated with `||`.
const MAX_PAIRS_PER_CALL: usize = 50;

/// The SQL type a parameter is sent as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    Int8,
    Text,
}

/// What a parameter value must satisfy before it reaches SQL (else: a field error, value NULL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    None,
    NonNegative,
    Uuid,
    Integer,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub ty: ParamType,
    /// The argument's value in the document (a literal or a variable).
    pub value: Value,
    pub check: Check,
    /// The argument, for error messages: (response path, argument name).
    pub path: Vec<String>,
    pub argument: String,
}

/// A compiled operation: deterministic SQL text and the parameters it expects.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub sql: String,
    pub params: Vec<Param>,
}

/// A parameter's runtime value: SQL NULL, an integer, or text.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    Null,
    Int8(i64),
    Text(String),
}

struct Planner<'s> {
    schema: &'s Schema,
    params: Vec<Param>,
    depth: usize,
}

/// Compiles the root selection of a query operation.
pub fn plan_query(schema: &Schema, root: &[Selected]) -> Plan {
    let mut p = Planner { schema, params: Vec::new(), depth: 0 };
    let mut pairs = Vec::with_capacity(root.len());
    for sel in root {
        let expr = if sel.name == "__typename" {
            quote_literal(&schema.query_type)
        } else {
            let def = schema.query().field(&sel.name).expect("validated root field");
            let target = &schema.types[def.ty.named()];
            let rel = def
                .source
                .as_ref()
                .and_then(|s| s.relation.as_ref())
                .or_else(|| target.relation())
                .expect("bound schema: root fields read a relation");
            match def.root.expect("root fields have a kind") {
                RootKind::List => p.root_list(sel, target, rel),
                RootKind::ById => p.root_by_id(sel, target, rel),
            }
        };
        pairs.push((sel.key.clone(), expr));
    }
    let sql = format!("SELECT jsonb_build_object('data', {})", build_object(&pairs));
    Plan { sql, params: p.params }
}

/// `jsonb_build_object('k', v, …)`, chunked to respect the function-argument limit.
fn build_object(pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return "'{}'::jsonb".to_string();
    }
    let chunks: Vec<String> = pairs
        .chunks(MAX_PAIRS_PER_CALL)
        .map(|chunk| {
            let mut s = String::from("jsonb_build_object(");
            for (i, (k, v)) in chunk.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                let _ = write!(s, "{}, {v}", quote_literal(k));
            }
            s.push(')');
            s
        })
        .collect();
    chunks.join(" || ")
}

impl Planner<'_> {
    fn param(&mut self, sel: &Selected, arg: &str, ty: ParamType, check: Check) -> String {
        let value = sel.arguments.iter().find(|(n, _)| n == arg).map(|(_, v)| v.clone()).unwrap_or(Value::Null);
        self.params.push(Param { ty, value, check, path: vec![sel.key.clone()], argument: arg.to_string() });
        format!("${}", self.params.len())
    }

    fn alias(&self) -> String {
        format!("t{}", self.depth)
    }

    fn order_key(rel: &Relation, alias: &str) -> String {
        if rel.columns.contains_key("id") {
            format!("{alias}.\"id\"")
        } else {
            format!("{alias}.data->'id'")
        }
    }

    fn root_list(&mut self, sel: &Selected, target: &ObjectType, rel: &Relation) -> String {
        let limit = self.param(sel, "limit", ParamType::Int8, Check::NonNegative);
        let offset = self.param(sel, "offset", ParamType::Int8, Check::NonNegative);
        let t = self.alias();
        let ord = Self::order_key(rel, &t);
        let inner_ord = Self::order_key(rel, "v");
        self.depth += 1;
        let proj = self.project(target, &format!("{t}.data"), &sel.children);
        self.depth -= 1;
        format!(
            "(SELECT coalesce(jsonb_agg({proj} ORDER BY {ord}), '[]'::jsonb) FROM (SELECT * FROM {rel} v ORDER BY {inner_ord} LIMIT {limit} OFFSET {offset}) {t})",
            rel = rel.qualified()
        )
    }

    fn root_by_id(&mut self, sel: &Selected, target: &ObjectType, rel: &Relation) -> String {
        let t = self.alias();
        let cond = match rel.column_type("id") {
            Some(col_ty) => {
                let check = match col_ty {
                    "uuid" => Check::Uuid,
                    "integer" | "bigint" | "smallint" => Check::Integer,
                    _ => Check::None,
                };
                let p = self.param(sel, "id", ParamType::Text, check);
                format!("{t}.\"id\" = {p}::{col_ty}")
            }
            None => {
                let p = self.param(sel, "id", ParamType::Text, Check::None);
                format!("{t}.data->>'id' = {p}")
            }
        };
        self.depth += 1;
        let proj = self.project(target, &format!("{t}.data"), &sel.children);
        self.depth -= 1;
        format!("(SELECT {proj} FROM {} {t} WHERE {cond} LIMIT 1)", rel.qualified())
    }

    /// `jsonb_build_object` of exactly the selected fields of `ty`, read from the JSONB `src`.
    fn project(&mut self, ty: &ObjectType, src: &str, selection: &[Selected]) -> String {
        let mut pairs = Vec::with_capacity(selection.len());
        for sel in selection {
            if sel.name == "__typename" {
                pairs.push((sel.key.clone(), quote_literal(&ty.name)));
                continue;
            }
            let def = ty.field(&sel.name).expect("validated field");
            let value = format!("{src}->{}", quote_literal(&def.key));
            let expr = match self.schema.kind(def.ty.named()) {
                Some(Kind::Object(child)) => self.embedded(child, &def.ty, &value, &sel.children),
                _ => value,
            };
            pairs.push((sel.key.clone(), expr));
        }
        build_object(&pairs)
    }

    /// An object or list of objects embedded in the parent's JSONB.
    fn embedded(&mut self, child: &ObjectType, ty: &TypeRef, value: &str, selection: &[Selected]) -> String {
        match ty.nullable() {
            TypeRef::List(inner) => {
                self.depth += 1;
                let (e, o) = (format!("e{}", self.depth), format!("o{}", self.depth));
                let item = self.embedded(child, inner, &e, selection);
                self.depth -= 1;
                format!(
                    "CASE WHEN jsonb_typeof({value}) = 'array' THEN coalesce((SELECT jsonb_agg({item} ORDER BY {o}) FROM jsonb_array_elements({value}) WITH ORDINALITY AS a{d}({e}, {o})), '[]'::jsonb) END",
                    d = self.depth + 1
                )
            }
            _ => {
                let proj = self.project(child, value, selection);
                format!("CASE WHEN jsonb_typeof({value}) = 'object' THEN {proj} END")
            }
        }
    }
}

fn is_uuid(s: &str) -> bool {
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    let dashes_ok = s.len() == 32 || (s.len() == 36 && [8, 13, 18, 23].iter().all(|&i| s.as_bytes()[i] == b'-'));
    dashes_ok && hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit())
}

/// Resolves the plan's parameters from the coerced variables. A value that SQL would reject
/// (a malformed UUID, a negative limit) becomes NULL plus a field error at its path.
pub fn bind(plan: &Plan, vars: &Variables) -> (Vec<ParamValue>, Vec<GqlError>) {
    let mut values = Vec::with_capacity(plan.params.len());
    let mut errors = Vec::new();
    for p in &plan.params {
        let json = literal_to_json(&p.value, vars);
        let value = match (&json, p.ty) {
            (Json::Null, _) => ParamValue::Null,
            (Json::Number(n), ParamType::Int8) => n.as_i64().map(ParamValue::Int8).unwrap_or(ParamValue::Null),
            (Json::String(s), _) => ParamValue::Text(s.clone()),
            (other, _) => ParamValue::Text(other.to_string()),
        };
        let problem = match (&value, p.check) {
            (ParamValue::Int8(n), Check::NonNegative) if *n < 0 => Some(format!("must not be negative, got {n}")),
            (ParamValue::Text(s), Check::Uuid) if !is_uuid(s) => Some(format!("is not a valid UUID: {}", Json::String(s.clone()))),
            (ParamValue::Text(s), Check::Integer) if s.parse::<i64>().is_err() => Some(format!("is not a valid integer id: {}", Json::String(s.clone()))),
            _ => None,
        };
        match problem {
            Some(why) => {
                let path = p.path.iter().map(|k| Json::String(k.clone())).collect();
                errors.push(GqlError::new(code::BAD_INPUT, format!("Argument \"{}\" {why}.", p.argument)).with_path(path));
                values.push(ParamValue::Null);
            }
            None => values.push(value),
        }
    }
    (values, errors)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::schema::Catalog;

    fn blog() -> Schema {
        let mut s = Schema::parse(
            r#"type User @view(name: "v_user") { id: ID! name: String! }
               type Post @view(name: "v_post") { title: String! author: User tags: [Tag!]! }
               type Tag { label: String! }
               type Query { users: [User!]! post(id: ID!): Post }"#,
        )
        .unwrap();
        let mut cat = Catalog::default();
        for v in ["v_user", "v_post"] {
            let cols = BTreeMap::from([("id".to_string(), "uuid".to_string()), ("data".to_string(), "jsonb".to_string())]);
            cat.relations.insert(v.into(), Some(Relation { schema: "public".into(), name: v.into(), columns: cols }));
        }
        s.bind(&cat).unwrap();
        s
    }

    #[test]
    fn list_field_sql_is_one_statement_with_parameters() {
        let c = crate::compile(&blog(), "{ users(limit: 2) { id who: name } }", None, None).unwrap();
        assert_eq!(
            c.plan.sql,
            "SELECT jsonb_build_object('data', jsonb_build_object('users', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', t0.data->'id', 'who', t0.data->'name') ORDER BY t0.\"id\"), '[]'::jsonb) FROM (SELECT * FROM \"public\".\"v_user\" v ORDER BY v.\"id\" LIMIT $1 OFFSET $2) t0)))"
        );
        assert_eq!(c.values, vec![ParamValue::Int8(2), ParamValue::Null]);
    }

    #[test]
    fn by_id_with_embedded_object_and_list() {
        let c = crate::compile(&blog(), "query ($id: ID!) { post(id: $id) { author { name } tags { label } } }", None, Some(&serde_json::json!({"id": "00000000-0000-0000-0000-000000000001"}))).unwrap();
        assert_eq!(
            c.plan.sql,
            "SELECT jsonb_build_object('data', jsonb_build_object('post', (SELECT jsonb_build_object('author', CASE WHEN jsonb_typeof(t0.data->'author') = 'object' THEN jsonb_build_object('name', t0.data->'author'->'name') END, 'tags', CASE WHEN jsonb_typeof(t0.data->'tags') = 'array' THEN coalesce((SELECT jsonb_agg(CASE WHEN jsonb_typeof(e2) = 'object' THEN jsonb_build_object('label', e2->'label') END ORDER BY o2) FROM jsonb_array_elements(t0.data->'tags') WITH ORDINALITY AS a2(e2, o2)), '[]'::jsonb) END) FROM \"public\".\"v_post\" t0 WHERE t0.\"id\" = $1::uuid LIMIT 1)))"
        );
        assert_eq!(c.values, vec![ParamValue::Text("00000000-0000-0000-0000-000000000001".into())]);
    }

    #[test]
    fn sql_text_does_not_depend_on_values() {
        let s = blog();
        let a = crate::compile(&s, "query ($n: Int) { users(limit: $n) { name } }", None, Some(&serde_json::json!({"n": 1}))).unwrap();
        let b = crate::compile(&s, "query ($n: Int) { users(limit: $n) { name } }", None, Some(&serde_json::json!({"n": 7}))).unwrap();
        assert_eq!(a.plan.sql, b.plan.sql);
        assert_ne!(a.values, b.values);
    }

    #[test]
    fn malformed_uuid_becomes_a_field_error() {
        let c = crate::compile(&blog(), "{ post(id: \"x' OR 1=1\") { title } }", None, None).unwrap();
        assert_eq!(c.values, vec![ParamValue::Null]);
        assert_eq!(c.field_errors[0].path, vec![serde_json::json!("post")]);
    }

    #[test]
    fn many_fields_are_chunked_under_the_argument_limit() {
        let pairs: Vec<(String, String)> = (0..120).map(|i| (format!("k{i}"), "1".to_string())).collect();
        let sql = build_object(&pairs);
        assert_eq!(sql.matches("jsonb_build_object(").count(), 3);
        assert_eq!(sql.matches(" || ").count(), 2);
    }
}
