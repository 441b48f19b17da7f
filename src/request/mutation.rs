//! Running a mutation: each field's step in its own subtransaction, in order; each executed step
//! queues its audit entry; a failed step is null with its error while the others keep effect.

use fraiseql_core::response::{code, with_field_errors, GqlError};
use pgrx::prelude::*;

use crate::execute::statement as executor;
use crate::{audit, error as errors, settings as gucs};

use super::PreparedMutation;

/// Why mutations cannot run here: a hot standby, or a read-only transaction (`SET TRANSACTION READ
/// ONLY`, `default_transaction_read_only`). Said before anything runs, as a request error.
pub(super) fn read_only_server() -> Option<GqlError> {
    // SAFETY: reading the recovery state and the transaction's read-only flag has no preconditions.
    let (standby, read_only) = unsafe { (pg_sys::RecoveryInProgress(), pg_sys::XactReadOnly) };
    if standby {
        return Some(GqlError::new(
            code::NOT_SUPPORTED,
            "This server is a hot standby (read-only replica): run mutations on the primary.",
        ));
    }
    read_only.then(|| {
        GqlError::new(
            code::NOT_SUPPORTED,
            "This transaction is read-only: run mutations in a read-write transaction.",
        )
    })
}

/// Runs mutation fields in order, each in its own subtransaction; each executed field is appended to
/// the audit chain in the caller's transaction. A failed field is null with its error; others keep effect.
pub(super) fn run_mutation(m: PreparedMutation) -> serde_json::Value {
    let mut data = serde_json::Map::new();
    let mut errors: Vec<GqlError> = Vec::new();
    for (step, (values, bind_errors)) in m.plan.steps.iter().zip(m.bound) {
        if !bind_errors.is_empty() {
            data.insert(step.key.clone(), serde_json::Value::Null);
            errors.extend(bind_errors);
            continue;
        }
        let Some(function) = step.function.clone() else {
            let (value, _, _) = executor::run_step(&step.sql, &step.params, &values);
            data.insert(step.key.clone(), value);
            continue;
        };
        let outcome = executor::isolated(|| executor::run_step(&step.sql, &step.params, &values));
        match outcome {
            Ok((value, status, entity_id)) => {
                let status = status.unwrap_or_else(|| "success".to_string());
                audit::record(
                    &m.audit,
                    &step.field,
                    &function,
                    &status,
                    entity_id.as_deref(),
                );
                data.insert(step.key.clone(), value);
            }
            Err(e) => {
                audit::record(
                    &m.audit,
                    &step.field,
                    &function,
                    &format!("exception:{}", e.sqlstate),
                    None,
                );
                let err =
                    database_error(&e).with_path(vec![serde_json::Value::String(step.key.clone())]);
                errors.push(err);
                data.insert(step.key.clone(), serde_json::Value::Null);
            }
        }
    }
    with_field_errors(serde_json::json!({ "data": data }), &errors)
}

/// A database error as a GraphQL error: its message and SQLSTATE, or — when errors are masked
/// (`fraiseql.mask_errors`, regulated and restricted profiles) — a reference to the server log, where
/// the message is written instead (it can name tables, columns, constraints and values).
pub(super) fn database_error(e: &executor::DbError) -> GqlError {
    let code = if e.sqlstate == "42501" {
        code::FORBIDDEN
    } else {
        code::DATABASE
    };
    if gucs::rules().mask_errors {
        let reference = errors::log_reference(&e.sqlstate, &e.message);
        return GqlError::new(
            code,
            format!("The request failed in the database; the server log has the details under reference {reference}."),
        )
        .with_extension("reference", serde_json::Value::String(reference));
    }
    GqlError::new(code, e.message.clone())
        .with_extension("sqlstate", serde_json::Value::String(e.sqlstate.clone()))
}

/// The statement failed as a whole: `data` is null and the error says why.
pub(super) fn database_error_response(e: &executor::DbError) -> serde_json::Value {
    with_field_errors(serde_json::json!({ "data": null }), &[database_error(e)])
}
