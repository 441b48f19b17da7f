//! fraiseql-core: everything fraiseql does that needs no database — SDL → schema model, GraphQL
//! parsing, validation, variable coercion, field collection and planning into one SQL statement.
//! It must not depend on pgrx: `cargo test -p fraiseql-core` runs it in seconds.
//!
//! `schema/` reads SDL into the model; `request/` parses, measures, validates, coerces and collects a
//! request; `plan/` turns it into one SQL statement; `pipeline` chains those stages, and the extension
//! calls exactly those stages, in that order, with its caches between them.
pub mod audit;
pub mod names;
pub mod pipeline;
pub mod plan;
pub mod profile;
pub mod projection;
pub mod request;
pub mod response;
pub mod scalars;
pub mod schema;

pub use plan::{ParamType, ParamValue, Plan};
pub use request::document;
pub use request::limits::PageSizes;
pub use response::GqlError;
pub use schema::{Catalog, Relation, Schema};

pub use pipeline::{
    bind, bind_mutation, bind_query, check_limits, coerce_variables, compile, parse_document,
    plan_operation, plan_request, prepare_document, validate_document, Compiled, Planned,
};
