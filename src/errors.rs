//! The one place where fraiseql's errors become Postgres ERRORs (with SQLSTATE, detail and hint).
use fraiseql_core::schema::SchemaError;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::{PgLogLevel, PgSqlErrorCode};

/// Rejects a schema: the first problem is the message, all of them the detail. Never returns.
pub fn schema_rejected(errors: &[SchemaError]) -> ! {
    let first = errors
        .first()
        .map(ToString::to_string)
        .unwrap_or_else(|| "invalid schema".into());
    let detail = if errors.len() > 1 {
        errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        String::new()
    };
    let report = ErrorReport::new(PgSqlErrorCode::ERRCODE_INVALID_SCHEMA_DEFINITION, format!("fraiseql schema rejected: {first}"), "fraiseql::load_schema")
        .set_hint("Fix the SDL and call fraiseql.load_schema again; the previously loaded schema stays active.");
    let report = if detail.is_empty() {
        report
    } else {
        report.set_detail(detail)
    };
    report.report(PgLogLevel::ERROR);
    unreachable!("ERROR does not return")
}

/// Writes a masked database error to the server log (never to the client) under a fresh reference,
/// and returns the reference for the client's error (`fraiseql.mask_errors`, security profiles).
pub fn log_reference(sqlstate: &str, message: &str) -> String {
    // SAFETY: no preconditions; MyProcPid is set for the backend's lifetime.
    let (now, pid) = unsafe { (pgrx::pg_sys::GetCurrentTimestamp(), pgrx::pg_sys::MyProcPid) };
    let reference = format!("fq-{now:x}-{pid:x}");
    ErrorReport::new(
        PgSqlErrorCode::ERRCODE_SUCCESSFUL_COMPLETION,
        format!("fraiseql: masked error {reference}: {message} (SQLSTATE {sqlstate})"),
        "fraiseql::errors",
    )
    .report(PgLogLevel::LOG);
    reference
}
