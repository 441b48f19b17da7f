//! Mutations: each root field of a mutation operation becomes one statement that calls its SQL
//! function with the coerced input as jsonb and projects the selected fields of the result —
//! `Success | Error` unions chosen from `status`. The extension runs the steps in order, each in its
//! own subtransaction, and appends each to the audit chain.
use super::{Check, ParamSource, ParamType, Planner, Src};
use crate::collect::Selected;
use crate::document::Value;
use crate::names::quote_literal;
use crate::schema::{Kind, Schema};

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

/// Plans every root field of a mutation operation.
pub fn plan_mutation(
    schema: &Schema,
    root: &[Selected],
    vars: &crate::variables::Variables,
    operation: Option<String>,
    directives_dynamic: bool,
) -> MutationPlan {
    let mutation = schema
        .mutation()
        .expect("validated: the schema has a mutation type");
    let mut steps = Vec::new();
    let mut dynamic = directives_dynamic;
    for sel in root {
        let mut p = Planner {
            schema,
            vars,
            params: Vec::new(),
            depth: 0,
            dynamic: false,
            errors: Vec::new(),
            root_key: sel.key.clone(),
        };
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
            Check::SnakeCaseKeys,
            "argument \"input\"",
        );
        let doc = "d.doc";
        let result = match schema.kind(def.ty.named()) {
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
                let err_proj =
                    p.project(&schema.types[err], &Src::Doc(error_doc(doc)), &members(err));
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
        };
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
