//! The GraphQL entry points: `execute` (queries and mutations), `query` (read-only, STABLE: hot
//! standbys, PostgREST GET) and `explain` (admin). Public: what a web role needs.
use pgrx::prelude::*;
use pgrx::JsonB;

use crate::execute::json::RawJson;
use crate::execute::jsonb::RawJsonb;
use crate::request::{respond, Incoming};

/// Answers a GraphQL request; the argument names are the keys of a GraphQL POST body.
#[allow(non_snake_case)]
#[pg_extern(volatile, parallel_unsafe)]
fn execute(
    query: Option<&str>,
    variables: default!(Option<RawJsonb>, "NULL"),
    operationName: default!(Option<&str>, "NULL"),
    extensions: default!(Option<RawJsonb>, "NULL"),
) -> RawJson {
    let request = Incoming::from_args(query, variables, operationName, extensions);
    respond(&request, false)
}

/// The same as `execute`, read-only and STABLE: usable on hot standbys and with PostgREST GET.
/// (Parallel restricted: it may set transaction-local settings from JWT claims.)
#[allow(non_snake_case)]
#[pg_extern(stable, parallel_restricted)]
fn query(
    query: Option<&str>,
    variables: default!(Option<RawJsonb>, "NULL"),
    operationName: default!(Option<&str>, "NULL"),
    extensions: default!(Option<RawJsonb>, "NULL"),
) -> RawJson {
    let request = Incoming::from_args(query, variables, operationName, extensions);
    respond(&request, true)
}

/// The SQL a request compiles to, its parameters, and Postgres's plan for it (`analyze` runs it).
#[allow(non_snake_case)]
#[pg_extern(volatile, parallel_unsafe)]
fn explain(
    query: Option<&str>,
    variables: default!(Option<RawJsonb>, "NULL"),
    operationName: default!(Option<&str>, "NULL"),
    analyze: default!(bool, false),
) -> JsonB {
    let request = Incoming::from_args(query, variables, operationName, None);
    JsonB(crate::request::explain(&request, analyze))
}

extension_sql!(
    r#"
REVOKE ALL ON FUNCTION fraiseql.explain(text, jsonb, text, boolean) FROM PUBLIC;
"#,
    name = "explain_admin_surface",
    requires = [explain],
);
