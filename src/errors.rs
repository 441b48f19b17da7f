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

/// Raises an ERROR with a specific SQLSTATE and nothing but the message (no Rust location or
/// backtrace in it). Never returns.
pub fn raise(code: PgSqlErrorCode, message: impl Into<String>) -> ! {
    ErrorReport::new(code, message.into(), "fraiseql").report(PgLogLevel::ERROR);
    unreachable!("ERROR does not return")
}

/// An internal failure (a bug, not a user's mistake): XX000 saying what failed. Never returns.
pub fn internal(what: &str) -> ! {
    raise(
        PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
        format!("fraiseql: {what}"),
    )
}

/// Keeps Rust internals out of every error a client can see: pgrx's panic hook records a backtrace
/// (when `RUST_BACKTRACE` is set in the server's environment) that it then appends to the DETAIL of
/// any ERROR passing through Rust — a Postgres error as much as a panic. This hook records nothing;
/// a panic's location goes to the server log only. Installed once per backend from `_PG_init`.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        // A Postgres ERROR crossing Rust frames is carried as a panic too: nothing to log for it.
        let carried = info
            .payload()
            .downcast_ref::<pgrx::pg_sys::panic::CaughtError>()
            .is_some()
            || info
                .payload()
                .downcast_ref::<pgrx::pg_sys::panic::ErrorReportWithLevel>()
                .is_some()
            || info.payload().downcast_ref::<ErrorReport>().is_some();
        if !carried {
            let at = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            eprintln!("fraiseql: internal panic at {at}");
        }
    }));
}
