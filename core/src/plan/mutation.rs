//! Mutations: each root field of a mutation operation becomes one statement that calls its SQL
//! function with the coerced input as jsonb and projects the selected fields of the result —
//! `Success | Error` unions chosen from `status`. The extension runs the steps in order, each in its
//! own subtransaction, and appends each to the audit chain.
use super::{Check, ParamSource, ParamType, Planner, Src};
use crate::names::quote_literal;
use crate::request::collect::Selected;
use crate::request::document::Value;
use crate::schema::{FieldDef, Kind, Schema, TypeRef};
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// Statuses that select a result union's success member; anything else (`noop:*`, `failed:*`,
/// `not_found:*`, `conflict:*`, `validation:*`, …) selects the error member.
pub const SUCCESS_STATUSES: [&str; 4] = ["success", "created", "updated", "deleted"];

/// One mutation field to run.
#[derive(Debug, Clone, PartialEq)]
pub struct MutationStep {
    /// The response key.
    pub key: String,
    pub field: String,
    /// `"schema"."fn"`; `None` for `__typename`.
    pub function: Option<String>,
    /// Returns one row: `result` (the projected jsonb), `status`, `entity_id`.
    pub sql: String,
    pub params: Vec<super::Param>,
}

fn success_test(doc: &str) -> String {
    let list = SUCCESS_STATUSES
        .iter()
        .map(|s| quote_literal(s))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "(coalesce({doc}->>'status', 'success') IN ({list}) OR {doc}->>'status' LIKE 'success:%')"
    )
}

/// The error member reads `code` from the document, or else the status's kind (`not_found:user` → `not_found`).
fn error_doc(doc: &str) -> String {
    format!("({doc} || jsonb_build_object('code', coalesce({doc}->'code', to_jsonb(split_part({doc}->>'status', ':', 1)))))")
}

/// A mutation operation, planned: its steps in order.
#[derive(Debug, Clone, PartialEq)]
pub struct MutationPlan {
    pub steps: Vec<MutationStep>,
    /// The operation's name, for the audit chain.
    pub operation: Option<String>,
    /// True when planning read variable values: the plan must then not be reused (see `Plan`).
    pub dynamic: bool,
}

/// How a mutation input becomes the function's jsonb argument, by GraphQL input type: input-object
/// field names become snake_case keys, enum values are sent under their stored names
/// (`@stored(value:)`), and everything else — scalars, and a `JSON` scalar's whole value, keys
/// included — passes through unchanged. Kept by type name, so recursive input types need no depth.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InputShape {
    /// The fields at the top (the `input` argument's type, or the field's arguments).
    root: InputFields,
    /// Every input type reachable from the root, by name.
    types: BTreeMap<String, InputFields>,
}

/// GraphQL field name → (jsonb key, what its value is).
type InputFields = BTreeMap<String, (String, FieldShape)>;

#[derive(Debug, Clone, PartialEq)]
enum FieldShape {
    /// An input object (or a list of them), by type name.
    Input(String),
    /// An enum with values stored under other names: GraphQL name → stored name.
    Enum(BTreeMap<String, String>),
    /// Sent as given.
    Opaque,
}

impl InputShape {
    /// The shape of input fields `fields` (an input type's, or an argument list).
    fn of(schema: &Schema, fields: &[(&str, &TypeRef)]) -> InputShape {
        let mut shape = InputShape::default();
        shape.root = shape.fields(schema, fields);
        shape
    }

    fn fields(&mut self, schema: &Schema, fields: &[(&str, &TypeRef)]) -> InputFields {
        let mut out = BTreeMap::new();
        for &(name, ty) in fields {
            let named = ty.named();
            let what = if let Some(input) = schema.inputs.get(named) {
                if !self.types.contains_key(named) {
                    // Reserved before descending: a recursive type refers to itself by name.
                    self.types.insert(named.to_string(), BTreeMap::new());
                    let inner: Vec<_> = input
                        .fields
                        .iter()
                        .map(|f| (f.name.as_str(), &f.ty))
                        .collect();
                    let shaped = self.fields(schema, &inner);
                    self.types.insert(named.to_string(), shaped);
                }
                FieldShape::Input(named.to_string())
            } else if let Some(e) = schema.enums.get(named).filter(|e| !e.stored.is_empty()) {
                FieldShape::Enum(e.stored.clone())
            } else {
                FieldShape::Opaque
            };
            out.insert(name.to_string(), (crate::names::snake_case(name), what));
        }
        out
    }

    /// The shape of input type `name`'s fields (none when it is not an input type).
    fn of_input(schema: &Schema, name: &str) -> InputShape {
        let fields: Vec<_> = schema
            .inputs
            .get(name)
            .map(|input| {
                input
                    .fields
                    .iter()
                    .map(|f| (f.name.as_str(), &f.ty))
                    .collect()
            })
            .unwrap_or_default();
        InputShape::of(schema, &fields)
    }

    /// `input` (as coerced, GraphQL names) as the function receives it.
    pub fn apply(&self, input: Json) -> Json {
        self.apply_fields(&self.root, input)
    }

    fn apply_fields(&self, fields: &InputFields, value: Json) -> Json {
        match value {
            Json::Object(m) => Json::Object(
                m.into_iter()
                    .map(|(k, v)| match fields.get(&k) {
                        Some((key, what)) => (key.clone(), self.apply_field(what, v)),
                        // Not a declared field (validation refuses those): sent as given.
                        None => (k, v),
                    })
                    .collect(),
            ),
            Json::Array(items) => Json::Array(
                items
                    .into_iter()
                    .map(|i| self.apply_fields(fields, i))
                    .collect(),
            ),
            other => other,
        }
    }

    fn apply_field(&self, what: &FieldShape, value: Json) -> Json {
        match (what, value) {
            (FieldShape::Opaque, v) => v,
            (_, Json::Array(items)) => Json::Array(
                items
                    .into_iter()
                    .map(|i| self.apply_field(what, i))
                    .collect(),
            ),
            (FieldShape::Enum(map), Json::String(s)) => {
                Json::String(map.get(&s).cloned().unwrap_or(s))
            }
            (FieldShape::Input(name), v) => match self.types.get(name) {
                Some(fields) => self.apply_fields(fields, v),
                None => v,
            },
            (_, v) => v,
        }
    }
}

/// Plans every root field of a mutation operation.
pub fn plan_mutation(
    schema: &Schema,
    root: &[Selected],
    vars: &crate::request::variables::Variables,
    operation: Option<String>,
    directives_dynamic: bool,
) -> MutationPlan {
    let mutation = schema
        .mutation()
        .expect("validated: the schema has a mutation type");
    let mut steps = Vec::new();
    let mut dynamic = directives_dynamic;
    for sel in root {
        let mut p = Planner::new(schema, vars, &sel.key);
        if sel.name == "__typename" {
            steps.push(MutationStep { key: sel.key.clone(), field: sel.name.clone(), function: None, sql: format!("SELECT to_jsonb({}::text) AS result, NULL::text AS status, NULL::text AS entity_id", quote_literal(&mutation.name)), params: vec![] });
            continue;
        }
        let def = mutation.field(&sel.name).expect("validated mutation field");
        let function = def
            .function
            .as_ref()
            .and_then(|f| schema.bound_functions.get(f))
            .expect("bound schema: mutation fields have a function");
        let input = match def.arg("input") {
            Some(_) => sel
                .arguments
                .iter()
                .find(|(n, _)| n == "input")
                .map(|(_, v)| v.clone())
                .unwrap_or(Value::Null),
            None => Value::Object(sel.arguments.iter().cloned().collect()),
        };
        let param = p.param(
            ParamSource::Ast(input),
            ParamType::Text,
            Check::None,
            "argument \"input\"",
        );
        let shape = match def.arg("input") {
            Some(arg) => InputShape::of_input(schema, arg.ty.named()),
            None => {
                let args: Vec<_> = def.args.iter().map(|a| (a.name.as_str(), &a.ty)).collect();
                InputShape::of(schema, &args)
            }
        };
        if let Some(param) = p.params.last_mut() {
            param.input = Some(shape);
        }
        let doc = "d.doc";
        let result = result_projection(&mut p, def, sel, doc);
        let sql = format!(
            "SELECT {result} AS result, {doc}->>'status' AS status, coalesce({doc}->>'entity_id', {doc}->'entity'->>'id', {doc}->>'id') AS entity_id FROM (SELECT to_jsonb({}({param}::jsonb)) AS doc OFFSET 0) d",
            function.qualified
        );
        dynamic |= p.dynamic;
        steps.push(MutationStep {
            key: sel.key.clone(),
            field: sel.name.clone(),
            function: Some(function.qualified.clone()),
            sql,
            params: p.params,
        });
    }
    MutationPlan {
        steps,
        operation,
        dynamic,
    }
}

/// The projection of a mutation function's result `doc` for the field's selection: a success or
/// error member of a result union, an object, or the JSON as it is.
fn result_projection(p: &mut Planner<'_>, def: &FieldDef, sel: &Selected, doc: &str) -> String {
    let schema = p.schema;
    match schema.kind(def.ty.named()) {
        Some(Kind::Union(u)) => {
            let (ok, err) = schema
                .result_members(&u.name)
                .expect("checked by load_schema");
            let members = |name: &str| {
                sel.by_type
                    .iter()
                    .find(|(m, _)| m == name)
                    .map(|(_, c)| c.clone())
                    .unwrap_or_default()
            };
            let ok_proj = p.project(&schema.types[ok], &Src::Doc(doc.into()), &members(ok));
            let err_proj = p.project(&schema.types[err], &Src::Doc(error_doc(doc)), &members(err));
            format!(
                "CASE WHEN {doc} IS NULL THEN NULL WHEN {} THEN {ok_proj} ELSE {err_proj} END",
                success_test(doc)
            )
        }
        Some(Kind::Object(o)) => {
            let proj = p.project(o, &Src::Doc(doc.into()), &sel.children);
            format!("CASE WHEN {doc} IS NULL THEN NULL ELSE {proj} END")
        }
        _ => doc.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Catalog, Function};

    #[test]
    fn inputs_send_enums_under_their_stored_names() {
        let mut schema = Schema::parse(
            r#"enum Visibility { PUBLIC @stored(value: "pub") PRIVATE }
               input Tagging { label: String! visibility: Visibility }
               input PostInput { title: String! visibility: Visibility! tags: [Tagging!] extraInfo: JSON parent: PostInput }
               type Post @view(name: "v_post") { title: String! }
               type Query { posts: [Post!]! }
               type Mutation {
                 createPost(input: PostInput!): JSON @function(name: "fn_post")
                 hide(id: ID!, visibility: Visibility): JSON @function(name: "fn_hide")
               }"#,
        )
        .unwrap();
        let mut catalog = Catalog::of_views(&["v_post"]);
        for f in ["fn_post", "fn_hide"] {
            let function = Function {
                qualified: format!("\"public\".\"{f}\""),
                returns: "jsonb".into(),
            };
            catalog.functions.insert(f.into(), Some(function));
        }
        schema.bind(&catalog).unwrap();
        let query = r#"mutation ($v: Visibility!) {
            createPost(input: {title: "t", visibility: $v, tags: [{label: "a", visibility: PUBLIC}, {label: "b", visibility: PRIVATE}],
                               extraInfo: {Book10: 1, NaN: 2, camelCase: {innerKey: PUBLIC}},
                               parent: {title: "p", visibility: PUBLIC, extraInfo: {keepMe: true}}})
            hide(id: "1", visibility: PUBLIC) }"#;
        let doc = crate::prepare_document(&schema, query).unwrap();
        let vars = serde_json::json!({"v": "PUBLIC"});
        let (planned, vars) = crate::plan_request(&schema, &doc, None, Some(&vars)).unwrap();
        let crate::Planned::Mutation(plan) = planned else {
            panic!("a mutation")
        };
        let limits = crate::PageSizes::default();
        let inputs: Vec<Json> = plan
            .steps
            .iter()
            .map(
                |s| match &super::super::bind_params(&s.params, &vars, &limits).0[0] {
                    crate::ParamValue::Text(t) => serde_json::from_str(t).unwrap(),
                    other => panic!("{other:?}"),
                },
            )
            .collect();
        assert_eq!(
            inputs[0],
            serde_json::json!({"title": "t", "visibility": "pub",
                "tags": [{"label": "a", "visibility": "pub"}, {"label": "b", "visibility": "PRIVATE"}],
                // A JSON scalar is opaque: its keys and values arrive as sent.
                "extra_info": {"Book10": 1, "NaN": 2, "camelCase": {"innerKey": "PUBLIC"}},
                // A recursive input type is shaped at any depth.
                "parent": {"title": "p", "visibility": "pub", "extra_info": {"keepMe": true}}})
        );
        assert_eq!(
            inputs[1],
            serde_json::json!({"id": "1", "visibility": "pub"})
        );
    }
}
