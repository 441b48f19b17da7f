//! Optional JSON request logs (`fraiseql.log_requests = errors | all`): one server-log line per
//! request, carrying the `x-request-id` PostgREST passes in `request.headers`, so a request can be
//! followed from the proxy's log to the database's.
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::{PgLogLevel, PgSqlErrorCode};

use crate::settings::{self as gucs, LogRequests};

/// What is known of a finished request.
pub struct Finished<'a> {
    pub kind: &'a str,
    pub operation: &'a str,
    pub failed: bool,
    pub elapsed_us: u64,
}

/// Writes the request's line when the setting asks for it (never to the client: LOG level).
pub fn write(request: &Finished) {
    match gucs::log_requests() {
        LogRequests::Off => return,
        LogRequests::Errors if !request.failed => return,
        _ => {}
    }
    let request_id = gucs::setting(c"request.headers")
        .and_then(|h| serde_json::from_str::<serde_json::Value>(&h).ok())
        .and_then(|h| {
            h.get("x-request-id")
                .and_then(|v| v.as_str())
                .map(str::to_string)
        });
    let role = gucs::current_role();
    let line = serde_json::json!({
        "request_id": request_id,
        "schema": gucs::schema_name(),
        "kind": request.kind,
        "operation": request.operation,
        "ok": !request.failed,
        "duration_ms": request.elapsed_us as f64 / 1000.0,
        "role": role,
        "tenant": gucs::setting(c"app.tenant_id"),
    });
    ErrorReport::new(
        PgSqlErrorCode::ERRCODE_SUCCESSFUL_COMPLETION,
        format!("fraiseql request {line}"),
        "fraiseql::request_log",
    )
    .report(PgLogLevel::LOG);
}
