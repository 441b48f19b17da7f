//! The SQL surface: every `#[pg_extern]` of fraiseql, with its volatility stated.
use fraiseql_core::error::{code, request_error_response, with_field_errors, GqlError};
use fraiseql_core::Schema;
use pgrx::prelude::*;
use pgrx::JsonB;

use crate::jsonb::RawJsonb;
use crate::{catalog, executor, store};

const DEFAULT_SCHEMA: &str = "default";

/// Checks SDL against the database and stores it as the new active version of schema `name`.
#[pg_extern(volatile, parallel_unsafe)]
fn load_schema(sdl: &str, name: default!(&str, "'default'")) -> i64 {
    let mut schema = match Schema::parse(sdl) {
        Ok(s) => s,
        Err(errors) => crate::errors::schema_rejected(&errors),
    };
    let cat = catalog::describe(&schema.views());
    if let Err(errors) = schema.bind(&cat) {
        crate::errors::schema_rejected(&errors);
    }
    store::save(name, schema, &cat)
}

/// The SDL of the active version of schema `name`.
#[pg_extern(stable, parallel_safe)]
fn sdl(name: default!(&str, "'default'")) -> Option<String> {
    store::sdl(name)
}

/// Answers a GraphQL request; the argument names are the keys of a GraphQL POST body.
#[allow(non_snake_case)]
#[pg_extern(volatile, parallel_unsafe)]
fn execute(
    query: Option<&str>,
    variables: default!(Option<JsonB>, "NULL"),
    operationName: default!(Option<&str>, "NULL"),
    extensions: default!(Option<JsonB>, "NULL"),
) -> RawJsonb {
    let _ = extensions;
    respond(query, variables.as_ref().map(|v| &v.0), operationName)
}

/// The same as `execute`, read-only and STABLE: usable on hot standbys and with PostgREST GET.
#[allow(non_snake_case)]
#[pg_extern(stable, parallel_safe)]
fn query(
    query: Option<&str>,
    variables: default!(Option<JsonB>, "NULL"),
    operationName: default!(Option<&str>, "NULL"),
    extensions: default!(Option<JsonB>, "NULL"),
) -> RawJsonb {
    let _ = extensions;
    respond(query, variables.as_ref().map(|v| &v.0), operationName)
}

fn request_error(e: GqlError) -> RawJsonb {
    RawJsonb::from_json(request_error_response(&[e]))
}

/// The statement failed as a whole: `data` is null and the error names the SQLSTATE.
fn database_error_response(e: &executor::DbError) -> serde_json::Value {
    let code = if e.sqlstate == "42501" { code::FORBIDDEN } else { code::DATABASE };
    let err = GqlError::new(code, e.message.clone()).with_extension("sqlstate", serde_json::Value::String(e.sqlstate.clone()));
    with_field_errors(serde_json::json!({ "data": null }), &[err])
}

fn respond(query: Option<&str>, variables: Option<&serde_json::Value>, operation: Option<&str>) -> RawJsonb {
    let Some(query) = query.filter(|q| !q.trim().is_empty()) else {
        return request_error(GqlError::new(code::BAD_INPUT, "No query document supplied: pass the GraphQL text as \"query\"."));
    };
    let schema = match store::active(DEFAULT_SCHEMA) {
        Ok(s) => s,
        Err(store::StoreError::NotLoaded(name)) => {
            return request_error(GqlError::new(code::NO_SCHEMA, format!("No GraphQL schema named \"{name}\" is loaded: call fraiseql.load_schema(sdl) first.")))
        }
        Err(store::StoreError::Broken(why)) => return request_error(GqlError::new(code::INTERNAL, why)),
    };
    let compiled = match fraiseql_core::compile(&schema, query, operation, variables) {
        Ok(c) => c,
        Err(errors) => return RawJsonb::from_json(request_error_response(&errors)),
    };
    let response = match executor::run_isolated(&compiled.plan, &compiled.values) {
        Ok(r) => r,
        Err(e) => return RawJsonb::from_json(database_error_response(&e)),
    };
    if compiled.field_errors.is_empty() {
        response
    } else {
        RawJsonb::from_json(with_field_errors(response.to_json(), &compiled.field_errors))
    }
}

/// Quotes an identifier with fraiseql's own rules (exposed so tests compare it with Postgres's).
#[pg_extern(immutable, strict, parallel_safe)]
fn _quote_ident(ident: &str) -> String {
    fraiseql_core::names::quote_ident(ident)
}

#[pg_extern(immutable, parallel_safe)]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}
