//! The one place where fraiseql's errors become Postgres ERRORs: one error type, each variant with
//! its SQLSTATE (and for a rejected schema, a detail and a hint), raised through `ErrorReport` with
//! nothing of Rust in it. Also the masked-error log line and the panic hook that keep Rust internals
//! out of what clients see. (GraphQL errors inside a response are `fraiseql_core::response`'s.)
use fraiseql_core::schema::SchemaError;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::{PgLogLevel, PgSqlErrorCode};

/// Every ERROR fraiseql raises.
#[derive(Debug)]
pub enum Error {
    /// SDL that `load_schema` refused (42P15): the first problem is the message, all of them the detail.
    SchemaRejected(Vec<SchemaError>),
    /// The caller may not do this (42501).
    InsufficientPrivilege(String),
    /// An argument's value is unusable (22023).
    InvalidParameter(String),
    /// A document that does not parse where one must (42601).
    Syntax(String),
    /// `fraiseql.audit_key_file` cannot be read (F0000).
    ConfigFile(String),
    /// One of fraiseql's own tables is missing (42P01).
    MissingTable(String),
    /// The `fraiseql` schema is missing (3F000).
    MissingSchema(String),
    /// A table does not have the shape this version of fraiseql writes (55000).
    NotInPrerequisiteState(String),
    /// A value beyond what Postgres can hold (54000).
    LimitExceeded(String),
    /// A trigger function called other than as a trigger (39P01).
    TriggerProtocol(String),
    /// A failure that is a bug, not a user's mistake (XX000), saying what failed.
    Internal(String),
}

impl Error {
    pub fn sqlstate(&self) -> PgSqlErrorCode {
        match self {
            Error::SchemaRejected(_) => PgSqlErrorCode::ERRCODE_INVALID_SCHEMA_DEFINITION,
            Error::InsufficientPrivilege(_) => PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
            Error::InvalidParameter(_) => PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            Error::Syntax(_) => PgSqlErrorCode::ERRCODE_SYNTAX_ERROR,
            Error::ConfigFile(_) => PgSqlErrorCode::ERRCODE_CONFIG_FILE_ERROR,
            Error::MissingTable(_) => PgSqlErrorCode::ERRCODE_UNDEFINED_TABLE,
            Error::MissingSchema(_) => PgSqlErrorCode::ERRCODE_INVALID_SCHEMA_NAME,
            Error::NotInPrerequisiteState(_) => {
                PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE
            }
            Error::LimitExceeded(_) => PgSqlErrorCode::ERRCODE_PROGRAM_LIMIT_EXCEEDED,
            Error::TriggerProtocol(_) => PgSqlErrorCode::ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED,
            Error::Internal(_) => PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
        }
    }

    /// Raises the error as a Postgres ERROR. Never returns.
    pub fn raise(self) -> ! {
        ErrorReport::from(self).report(PgLogLevel::ERROR);
        unreachable!("ERROR does not return")
    }
}

impl From<Error> for ErrorReport {
    fn from(e: Error) -> ErrorReport {
        let code = e.sqlstate();
        match e {
            Error::SchemaRejected(errors) => {
                let first = errors
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_else(|| "invalid schema".into());
                let report = ErrorReport::new(code, format!("fraiseql schema rejected: {first}"), "fraiseql::load_schema")
                    .set_hint("Fix the SDL and call fraiseql.load_schema again; the previously loaded schema stays active.");
                if errors.len() > 1 {
                    let all: Vec<String> = errors.iter().map(ToString::to_string).collect();
                    report.set_detail(all.join("\n"))
                } else {
                    report
                }
            }
            Error::Internal(what) => {
                ErrorReport::new(code, format!("fraiseql: {what}"), "fraiseql")
            }
            Error::InsufficientPrivilege(m)
            | Error::InvalidParameter(m)
            | Error::Syntax(m)
            | Error::ConfigFile(m)
            | Error::MissingTable(m)
            | Error::MissingSchema(m)
            | Error::NotInPrerequisiteState(m)
            | Error::LimitExceeded(m)
            | Error::TriggerProtocol(m) => ErrorReport::new(code, m, "fraiseql"),
        }
    }
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

/// Shorthand for raising [`Error::Internal`]. Never returns.
pub fn internal(what: &str) -> ! {
    Error::Internal(what.to_string()).raise()
}
