//! fraiseql-core: everything fraiseql does that needs no database — SDL → schema model, GraphQL
//! parsing, validation, variable coercion, field collection and planning into one SQL statement.
//! It must not depend on pgrx: `cargo test -p fraiseql-core` runs it in seconds.
pub mod audit;
pub mod names;
pub mod plan;
pub mod profile;
pub mod request;
pub mod response;
pub mod scalars;
pub mod schema;

use serde_json::Value as Json;

pub use plan::{PageSizes, ParamType, ParamValue, Plan};
pub use request::document;
use request::{collect, validate, variables};
pub use response::GqlError;
pub use schema::{Catalog, Relation, Schema};

/// A request ready to run: SQL, its parameter values, and field errors found while planning or binding.
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    pub plan: Plan,
    pub values: Vec<ParamValue>,
    pub field_errors: Vec<GqlError>,
}

/// Parses and validates a request document. `Err` holds request errors (the response has no `data`).
pub fn prepare_document(schema: &Schema, query: &str) -> Result<document::Document, Vec<GqlError>> {
    let doc = parse_document(query)?;
    validate_document(schema, &doc)?;
    Ok(doc)
}

/// Parses a request document and refuses what no schema could accept (NUL characters in strings,
/// repeated input fields). The extension measures the result against its limits
/// ([`limits::measure`]) before validating it, so a huge document is refused cheaply.
pub fn parse_document(query: &str) -> Result<document::Document, Vec<GqlError>> {
    let doc = document::parse(query).map_err(|e| vec![e])?;
    if let Some(e) = document::nul_in_strings(query, &doc) {
        return Err(vec![e]);
    }
    if let Some((field, at)) = document::duplicate_input_field(query) {
        return Err(vec![GqlError::new(
            response::code::VALIDATION,
            format!("There can be only one input field named \"{field}\"."),
        )
        .at(at)]);
    }
    Ok(doc)
}

/// Validates a parsed document against the schema; `Err` holds the request errors.
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

/// Plans the chosen operation of a validated document with the request's variables.
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
            response::code::NOT_SUPPORTED,
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

/// Binds a plan to coerced variables; planning errors and binding errors are both field errors.
pub fn bind(plan: &Plan, vars: &variables::Variables, limits: &PageSizes) -> Compiled {
    let (values, mut field_errors) = plan::bind(plan, vars, limits);
    let mut all = plan.errors.clone();
    all.append(&mut field_errors);
    Compiled {
        plan: plan.clone(),
        values,
        field_errors: all,
    }
}

/// The whole pure pipeline for one request. `Err` holds request errors (the response has no `data`).
pub fn compile(
    schema: &Schema,
    query: &str,
    operation_name: Option<&str>,
    variables: Option<&Json>,
    limits: &PageSizes,
) -> Result<Compiled, Vec<GqlError>> {
    let doc = prepare_document(schema, query)?;
    let (plan, vars) = plan_operation(schema, &doc, operation_name, variables)?;
    Ok(bind(&plan, &vars, limits))
}
