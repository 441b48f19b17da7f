//! The request pipeline, stage by stage: (1) parse → (2) limits → (3) validate → (4) coerce the
//! variables, collect the fields and plan → (5) bind. The extension runs these same functions in
//! this order (`src/request/prepare.rs`), keeping parsed documents and plans in its caches between
//! them; [`compile`] runs them all at once, without caches (tests, fuzzing).
use serde_json::Value as Json;

use crate::request::limits::{self, QueryLimits};
use crate::request::{collect, document, validate, variables};
use crate::{plan, GqlError, PageSizes, ParamValue, Plan, Schema};

/// A request ready to run: SQL, its parameter values, and field errors found while planning or binding.
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    pub plan: Plan,
    pub values: Vec<ParamValue>,
    pub field_errors: Vec<GqlError>,
}

/// Stages 1 and 3 together (parse, validate), for callers that check no limits. `Err` holds request errors (the response has no `data`).
pub fn prepare_document(schema: &Schema, query: &str) -> Result<document::Document, Vec<GqlError>> {
    let doc = parse_document(query)?;
    validate_document(schema, &doc)?;
    Ok(doc)
}

/// Stage 2: the request's limits (depth, fields, aliases, estimated cost), measured on the parsed
/// document before validation and before any SQL, so a huge document is refused by counting.
pub fn check_limits(
    schema: &Schema,
    doc: &document::Document,
    variables: Option<&Json>,
    pages: &PageSizes,
    limits: &QueryLimits,
) -> Result<(), GqlError> {
    let measure = limits::measure(schema, doc, variables, pages, limits.max_fields + 1);
    match limits::check(&measure, limits) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Stage 1: parses a request document and refuses what no schema could accept (NUL characters in strings,
/// repeated input fields). The extension measures the result against its limits
/// ([`limits::measure`]) before validating it, so a huge document is refused cheaply.
pub fn parse_document(query: &str) -> Result<document::Document, Vec<GqlError>> {
    let doc = document::parse(query).map_err(|e| vec![e])?;
    if let Some(e) = document::nul_in_strings(query, &doc) {
        return Err(vec![e]);
    }
    if let Some((field, at)) = document::duplicate_input_field(query) {
        return Err(vec![GqlError::new(
            crate::response::code::VALIDATION,
            format!("There can be only one input field named \"{field}\"."),
        )
        .at(at)]);
    }
    Ok(doc)
}

/// Stage 3: validates a parsed document against the schema; `Err` holds the request errors.
pub fn validate_document(schema: &Schema, doc: &document::Document) -> Result<(), Vec<GqlError>> {
    let errors = validate::validate(schema, doc);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// A planned operation: one statement for a query, ordered steps for a mutation.
#[derive(Debug, Clone, PartialEq)]
pub enum Planned {
    Query(Plan),
    Mutation(plan::mutation::MutationPlan),
}

/// Stage 4: plans the chosen operation of a validated document with the request's variables.
/// Returns the plan and the coerced variables (for [`plan::bind`]).
pub fn plan_request(
    schema: &Schema,
    doc: &document::Document,
    operation_name: Option<&str>,
    variables: Option<&Json>,
) -> Result<(Planned, variables::Variables), Vec<GqlError>> {
    let op = document::select_operation(doc, operation_name).map_err(|e| vec![e])?;
    let vars = variables::coerce(schema, &op, variables)?;
    if op.kind == document::OpKind::Mutation {
        let root_type = schema.mutation_type.clone().unwrap_or_default();
        let (root, directives_dynamic) =
            collect::collect(schema, doc, &root_type, op.selection_set, &vars);
        let name = op.name.map(str::to_string);
        let plan = plan::mutation::plan_mutation(schema, &root, &vars, name, directives_dynamic);
        return Ok((Planned::Mutation(plan), vars));
    }
    let (root, directives_dynamic) =
        collect::collect(schema, doc, &schema.query_type, op.selection_set, &vars);
    let plan = plan::plan_query(schema, &root, &vars, directives_dynamic);
    Ok((Planned::Query(plan), vars))
}

/// Plans a query operation (a mutation is a request error here).
pub fn plan_operation(
    schema: &Schema,
    doc: &document::Document,
    operation_name: Option<&str>,
    variables: Option<&Json>,
) -> Result<(Plan, variables::Variables), Vec<GqlError>> {
    match plan_request(schema, doc, operation_name, variables)? {
        (Planned::Query(p), vars) => Ok((p, vars)),
        (Planned::Mutation(_), _) => Err(vec![GqlError::new(
            crate::response::code::NOT_SUPPORTED,
            "This function is read-only: run mutations with fraiseql.execute.",
        )]),
    }
}

/// Coerces the variables of the chosen operation (for re-binding a cached plan).
pub fn coerce_variables(
    schema: &Schema,
    doc: &document::Document,
    operation_name: Option<&str>,
    variables: Option<&Json>,
) -> Result<variables::Variables, Vec<GqlError>> {
    let op = document::select_operation(doc, operation_name).map_err(|e| vec![e])?;
    variables::coerce(schema, &op, variables)
}

/// Stage 5: binds a query plan to coerced variables: the parameter values, and the field errors —
/// planning's and binding's.
pub fn bind_query(
    plan: &Plan,
    vars: &variables::Variables,
    pages: &PageSizes,
) -> (Vec<ParamValue>, Vec<GqlError>) {
    let (values, mut bind_errors) = plan::bind(plan, vars, pages);
    let mut field_errors = plan.errors.clone();
    field_errors.append(&mut bind_errors);
    (values, field_errors)
}

/// Stage 5 for a mutation: each step's parameter values, or its binding errors.
pub fn bind_mutation(
    plan: &plan::mutation::MutationPlan,
    vars: &variables::Variables,
    pages: &PageSizes,
) -> Vec<(Vec<ParamValue>, Vec<GqlError>)> {
    plan.steps
        .iter()
        .map(|s| plan::bind_params(&s.params, vars, pages))
        .collect()
}

/// [`bind_query`], with the plan, as one value.
pub fn bind(plan: &Plan, vars: &variables::Variables, pages: &PageSizes) -> Compiled {
    let (values, field_errors) = bind_query(plan, vars, pages);
    Compiled {
        plan: plan.clone(),
        values,
        field_errors,
    }
}

/// The whole pipeline for one query, without the extension's caches, under the default limits:
/// parse → limits → validate → plan → bind. `Err` holds request errors (the response has no `data`).
pub fn compile(
    schema: &Schema,
    query: &str,
    operation_name: Option<&str>,
    variables: Option<&Json>,
    pages: &PageSizes,
) -> Result<Compiled, Vec<GqlError>> {
    let doc = parse_document(query)?;
    check_limits(schema, &doc, variables, pages, &QueryLimits::default()).map_err(|e| vec![e])?;
    validate_document(schema, &doc)?;
    let (plan, vars) = plan_operation(schema, &doc, operation_name, variables)?;
    Ok(bind(&plan, &vars, pages))
}
