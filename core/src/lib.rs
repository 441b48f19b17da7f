//! fraiseql-core: everything fraiseql does that needs no database — SDL → schema model, GraphQL
//! parsing, validation, variable coercion, field collection and planning into one SQL statement.
//! It must not depend on pgrx: `cargo test -p fraiseql-core` runs it in seconds.
pub mod collect;
pub mod document;
pub mod error;
pub mod names;
pub mod plan;
pub mod schema;
pub mod validate;
pub mod variables;

use serde_json::Value as Json;

pub use error::GqlError;
pub use plan::{ParamType, ParamValue, Plan};
pub use schema::{Catalog, Relation, Schema};

/// A request ready to run: SQL, its parameter types and values, and field errors found while binding.
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    pub plan: Plan,
    pub values: Vec<ParamValue>,
    pub field_errors: Vec<GqlError>,
}

/// The whole pure pipeline for one request. `Err` holds request errors (the response has no `data`).
pub fn compile(schema: &Schema, query: &str, operation_name: Option<&str>, variables: Option<&Json>) -> Result<Compiled, Vec<GqlError>> {
    let doc = document::parse(query).map_err(|e| vec![e])?;
    let errors = validate::validate(schema, &doc);
    if !errors.is_empty() {
        return Err(errors);
    }
    let op = document::select_operation(&doc, operation_name).map_err(|e| vec![e])?;
    let vars = variables::coerce(schema, &op, variables)?;
    let root = collect::collect(schema, &doc, &schema.query_type, op.selection_set, &vars);
    let plan = plan::plan_query(schema, &root);
    let (values, field_errors) = plan::bind(&plan, &vars);
    Ok(Compiled { plan, values, field_errors })
}
