//! Answering: the prepared statement run (or the mutation), field errors merged into the response,
//! panics turned into a referenced internal error, the HTTP status under PostgREST, and the request
//! counted in the statistics and the request log.

use fraiseql_core::document::OpKind;
use fraiseql_core::response::{code, request_error_response, with_field_errors, GqlError};
use pgrx::prelude::*;

use crate::execute::json::RawJson;
use crate::execute::statement as executor;
use crate::observability::stats;
use crate::{audit, error as errors, settings as gucs};

use super::mutation::{database_error_response, read_only_server, run_mutation};
use super::prepare::prepare_request;
use super::{Incoming, Request};

/// A Rust panic while answering (a bug in fraiseql, never the client's fault) as a GraphQL error
/// with a reference; the server log gets the panic's message. A Postgres error travelling as a panic
/// (statement_timeout, a cancel, an error outside the statement's subtransaction) goes on unchanged.
fn internal_error_response(payload: Box<dyn std::any::Any + Send>) -> serde_json::Value {
    use pgrx::pg_sys::panic::{CaughtError, ErrorReportWithLevel};
    if payload.is::<CaughtError>()
        || payload.is::<ErrorReportWithLevel>()
        || payload.is::<pgrx::pg_sys::panic::ErrorReport>()
    {
        std::panic::resume_unwind(payload);
    }
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_string());
    let reference = errors::log_reference("XX000", &format!("internal error: {message}"));
    request_error_response(&[GqlError::new(
        code::INTERNAL,
        format!("fraiseql failed internally while answering this request; the server log has the details under reference {reference}."),
    )
    .with_extension("reference", serde_json::Value::String(reference))])
}

/// Under PostgREST (its `request.method` setting is present), the HTTP status of the GraphQL-over-HTTP
/// draft for `application/graphql-response+json`: a request error — a response without `data`
/// (unparseable or invalid document, bad variables, unknown operation, a refused limit) — is 400,
/// through PostgREST's transaction-local `response.status`; anything else stays 200.
fn http_status(outcome: Outcome) {
    if outcome != Outcome::RequestError || gucs::setting(c"request.method").is_none() {
        return;
    }
    // SAFETY: sets a placeholder setting for the transaction (GUC_ACTION_LOCAL), as set_config(…,
    // true) does; any role may set a custom placeholder.
    unsafe {
        pg_sys::set_config_option(
            c"response.status".as_ptr(),
            c"400".as_ptr(),
            pg_sys::GucContext::PGC_USERSET,
            pg_sys::GucSource::PGC_S_SESSION,
            pg_sys::GucAction::GUC_ACTION_LOCAL,
            true,
            0,
            false,
        );
    }
}

/// How a request ended, known where its response is made (never read back from the response).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// `data`, no errors.
    Data,
    /// `data` (possibly null) with errors: field errors, a failed statement or mutation field.
    Errors,
    /// Errors and no `data`: the request was refused before anything ran, or fraiseql failed.
    RequestError,
}

/// Answers a request and counts it in the operation statistics (src/stats.rs).
pub fn respond(request: &Incoming, read_only: bool) -> RawJson {
    let started = std::time::Instant::now();
    let mut label = None;
    let (response, outcome) = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        answer(request, read_only, &mut label)
    })) {
        Ok(answered) => answered,
        Err(payload) => (
            RawJson::from_json(&internal_error_response(payload)),
            Outcome::RequestError,
        ),
    };
    let failed = outcome != Outcome::Data;
    let (kind, name) = match label {
        Some((OpKind::Query, name)) => (stats::Kind::Query, name),
        Some((OpKind::Mutation, name)) => (stats::Kind::Mutation, name),
        Some((OpKind::Subscription, name)) => (stats::Kind::Invalid, name),
        None => (stats::Kind::Invalid, String::new()),
    };
    http_status(outcome);
    let elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    stats::record(&gucs::schema_name(), kind, &name, failed, elapsed_us);
    crate::observability::request_log::write(&crate::observability::request_log::Finished {
        kind: kind.as_str(),
        operation: &name,
        failed,
        elapsed_us,
    });
    response
}

/// The response, and how the request ended.
fn answer(
    request: &Incoming,
    read_only: bool,
    label: &mut Option<(OpKind, String)>,
) -> (RawJson, Outcome) {
    let prepared = match prepare_request(request, read_only, label) {
        Ok(Request::Query(p)) => p,
        Ok(Request::Mutation(m)) => {
            if let Some(e) = read_only_server() {
                return (
                    RawJson::from_json(&request_error_response(&[e])),
                    Outcome::RequestError,
                );
            }
            let response = run_mutation(m);
            let outcome = if response.get("errors").is_some() {
                Outcome::Errors
            } else {
                Outcome::Data
            };
            return (RawJson::from_json(&response), outcome);
        }
        Err(response) => return (RawJson::from_json(&response), Outcome::RequestError),
    };
    let outcome = executor::run_isolated(&prepared.plan, &prepared.values);
    if let Some((req, fields)) = &prepared.audit {
        let status = match &outcome {
            Ok(_) if prepared.field_errors.is_empty() => "read".to_string(),
            Ok(_) => "read:field_errors".to_string(),
            Err(e) => format!("exception:{}", e.sqlstate),
        };
        audit::record(req, fields, "", &status, None);
    }
    let response = match outcome {
        Ok(r) => r,
        Err(e) => {
            return (
                RawJson::from_json(&database_error_response(&e)),
                Outcome::Errors,
            )
        }
    };
    if prepared.field_errors.is_empty() {
        (response, Outcome::Data)
    } else {
        let with_errors = with_field_errors(response.to_json(), &prepared.field_errors);
        (RawJson::from_json(&with_errors), Outcome::Errors)
    }
}
