//! Runs a compiled statement through SPI (read-only, so it works on hot standbys) and hands the
//! response jsonb Datum to the caller's memory context without copying it through Rust.
use std::ffi::CString;

use fraiseql_core::{ParamType, ParamValue, Plan};
use pgrx::pg_sys::panic::CaughtError;
use pgrx::prelude::*;

use crate::error::internal;
use crate::execute::json::RawJson;

fn oid(ty: ParamType) -> pg_sys::Oid {
    match ty {
        ParamType::Int8 => pg_sys::INT8OID,
        ParamType::Text => pg_sys::TEXTOID,
        ParamType::TextArray => pg_sys::TEXTARRAYOID,
    }
}

/// A statement's text for SPI. Generated SQL quotes identifiers from the schema and sends every
/// value as a parameter, so a NUL byte cannot reach it; refusing one is a bug report, not a panic.
pub(super) fn c_text(sql: &str) -> CString {
    CString::new(sql).unwrap_or_else(|_| internal("a generated statement contains a NUL byte"))
}

/// The statement's parameters as Datums and SPI null flags.
fn datums(values: &[ParamValue]) -> (Vec<pg_sys::Datum>, Vec<std::ffi::c_char>) {
    values
        .iter()
        .map(|v| {
            let d = match v {
                ParamValue::Null => None,
                ParamValue::Int8(n) => n.into_datum(),
                ParamValue::Text(s) => s.as_str().into_datum(),
                ParamValue::TextArray(items) => items.clone().into_datum(),
            };
            match d {
                Some(d) => (d, b' ' as std::ffi::c_char),
                None => (pg_sys::Datum::from(0usize), b'n' as std::ffi::c_char),
            }
        })
        .unzip()
}

/// Executes `sql` through its cached prepared statement (or directly, when caching is off).
///
/// # Safety
/// Must be called while connected to SPI; `types`, `datums` and `nulls` have one entry per parameter.
unsafe fn execute_cached(
    sql: &str,
    types: &mut [pg_sys::Oid],
    datums: &mut [pg_sys::Datum],
    nulls: &[std::ffi::c_char],
    read_only: bool,
    count: i64,
) -> i32 {
    // SAFETY: the caller's contract.
    unsafe {
        match crate::execute::plan_cache::statement(sql, types) {
            Some(prepared) if pg_sys::SPI_getargcount(prepared) != datums.len() as i32 => {
                // Never reached while statements are keyed by text and parameter types; executing
                // a plan with a different argument list would read past the arguments' end.
                crate::error::Error::Internal(format!(
                    "a cached statement expects {} parameters, {} were bound",
                    pg_sys::SPI_getargcount(prepared),
                    datums.len()
                ))
                .raise()
            }
            Some(prepared) => pg_sys::SPI_execute_plan(
                prepared,
                datums.as_mut_ptr(),
                nulls.as_ptr(),
                read_only,
                count,
            ),
            None => pg_sys::SPI_execute_with_args(
                c_text(sql).as_ptr(),
                types.len() as i32,
                types.as_mut_ptr(),
                datums.as_mut_ptr(),
                nulls.as_ptr(),
                read_only,
                count,
            ),
        }
    }
}

/// Runs `f` with `jit = off`, as a function's `SET jit = off` clause would (restored after it, and
/// by the subtransaction's abort on error). Generated statements grow with the document, and LLVM
/// compiling a large one does not check for interrupts: 2,000 aliased lists ran 140 s past a 5 s
/// statement_timeout. They are primary-key lookups and small pages, which JIT never speeds up.
fn without_jit<T>(f: impl FnOnce() -> T) -> T {
    // SAFETY: reading a GUC's C variable; no preconditions.
    if !unsafe { pg_sys::jit_enabled } {
        return f();
    }
    with_settings(&[(c"jit", c"off")], f)
}

/// Runs `f` with the given settings, as a function's `SET` clauses would: saved at a new GUC nest
/// level and restored after it (and by the (sub)transaction's abort on error). Only settings any
/// role may change (PGC_USERSET) belong here.
pub fn with_settings<T>(
    settings: &[(&std::ffi::CStr, &std::ffi::CStr)],
    f: impl FnOnce() -> T,
) -> T {
    // SAFETY: the GUC nest-level protocol of fmgr's SET clauses: a new level, the settings saved at
    // it, and the level closed after the call.
    let level = unsafe {
        let level = pg_sys::NewGUCNestLevel();
        for (name, value) in settings {
            pg_sys::set_config_option(
                name.as_ptr(),
                value.as_ptr(),
                pg_sys::GucContext::PGC_USERSET,
                pg_sys::GucSource::PGC_S_SESSION,
                pg_sys::GucAction::GUC_ACTION_SAVE,
                true,
                0,
                false,
            );
        }
        level
    };
    let out = f();
    // SAFETY: closes the level opened above.
    unsafe { pg_sys::AtEOXact_GUC(true, level) };
    out
}

/// Executes `plan` with `values`; the statement returns one row with one json column.
fn run(plan: &Plan, values: &[ParamValue]) -> RawJson {
    without_jit(|| run_statement(plan, values))
}

fn run_statement(plan: &Plan, values: &[ParamValue]) -> RawJson {
    let sql = plan.sql.as_str();
    let mut types: Vec<pg_sys::Oid> = plan.params.iter().map(|p| oid(p.ty)).collect();
    let (mut datums, nulls) = datums(values);
    // SAFETY: SPI is connected and finished around the call; argument arrays have `nargs` entries;
    // the result is copied into the upper (caller's) memory context before SPI_finish frees SPI memory.
    unsafe {
        if pg_sys::SPI_connect() != pg_sys::SPI_OK_CONNECT as i32 {
            internal("SPI_connect failed");
        }
        let rc = execute_cached(&sql, &mut types, &mut datums, &nulls, true, 1);
        if rc != pg_sys::SPI_OK_SELECT as i32 || pg_sys::SPI_processed != 1 {
            internal(&format!(
                "the generated statement did not return one row (SPI code {rc})"
            ));
        }
        let table = pg_sys::SPI_tuptable;
        let mut is_null = false;
        let datum = pg_sys::SPI_getbinval(*(*table).vals, (*table).tupdesc, 1, &mut is_null);
        if is_null {
            internal("the generated statement returned NULL");
        }
        let out = pg_sys::SPI_datumTransfer(datum, false, -1);
        pg_sys::SPI_finish();
        RawJson::from_datum(out)
    }
}

/// A database error raised while the statement ran (permission denied, a failed cast, …).
pub struct DbError {
    pub message: String,
    pub sqlstate: String,
}

/// Five-character SQLSTATE from Postgres's packed six-bit encoding.
fn sqlstate(code: PgSqlErrorCode) -> String {
    let mut packed = code as i32;
    (0..5)
        .map(|_| {
            let c = ((packed & 0x3F) as u8 + b'0') as char;
            packed >>= 6;
            c
        })
        .collect()
}

/// Runs the statement inside a subtransaction, so a database error becomes a GraphQL error for the
/// caller instead of aborting its transaction. Cancellation and shutdown are re-raised.
pub fn run_isolated(plan: &Plan, values: &[ParamValue]) -> Result<RawJson, DbError> {
    // What this transaction wrote is re-projected first, so it reads its own writes.
    if crate::projection::flush_pending() {
        return with_own_writes(|| isolated(|| run(plan, values)));
    }
    isolated(|| run(plan, values))
}

/// Runs `f` on the caller's snapshot with a new command id: it sees what was just written in this
/// transaction (a re-projection), and nothing more than the caller's statement would otherwise.
fn with_own_writes<T>(f: impl FnOnce() -> T) -> T {
    // SAFETY: the snapshot pushed here is popped after `f`; on an error the (sub)transaction's abort
    // clears the active snapshot stack.
    unsafe {
        pg_sys::CommandCounterIncrement();
        if !pg_sys::ActiveSnapshotSet() {
            return f();
        }
        pg_sys::PushCopiedSnapshot(pg_sys::GetActiveSnapshot());
        pg_sys::UpdateActiveSnapshotCommandId();
    }
    let out = f();
    // SAFETY: pops the snapshot pushed above.
    unsafe { pg_sys::PopActiveSnapshot() };
    out
}

/// Runs `f` in a subtransaction: its effects stay if it succeeds and are rolled back, as an `Err`,
/// if it raises.
pub fn isolated<T>(f: impl FnOnce() -> T) -> Result<T, DbError> {
    // SAFETY: the standard internal-subtransaction protocol (as PL/pgSQL's exception blocks use):
    // remember the memory context and resource owner, begin, and on either exit release or roll
    // back the subtransaction and restore both. The result Datum lives in `caller_cx`.
    unsafe {
        let caller_cx = pg_sys::CurrentMemoryContext;
        let owner = pg_sys::CurrentResourceOwner;
        pg_sys::BeginInternalSubTransaction(std::ptr::null());
        pg_sys::MemoryContextSwitchTo(caller_cx);
        let outcome = PgTryBuilder::new(std::panic::AssertUnwindSafe(move || Ok(f())))
            .catch_others(|e| Err(Box::new(e)))
            .execute();
        match outcome {
            Ok(result) => {
                pg_sys::ReleaseCurrentSubTransaction();
                pg_sys::MemoryContextSwitchTo(caller_cx);
                pg_sys::CurrentResourceOwner = owner;
                Ok(result)
            }
            Err(caught) => {
                pg_sys::RollbackAndReleaseCurrentSubTransaction();
                pg_sys::MemoryContextSwitchTo(caller_cx);
                pg_sys::CurrentResourceOwner = owner;
                let report = match caught.as_ref() {
                    CaughtError::PostgresError(r) | CaughtError::ErrorReport(r) => r,
                    CaughtError::RustPanic { ereport, .. } => ereport,
                };
                let state = sqlstate(report.sql_error_code());
                // Never swallow a cancel (statement_timeout, pg_cancel_backend) or a shutdown.
                if state == "57014" || state.starts_with("57P") {
                    (*caught).rethrow();
                }
                let message = match caught.as_ref() {
                    // A bug in fraiseql, not a database error: its text stays in the server log.
                    CaughtError::RustPanic { .. } => {
                        let reference = crate::error::log_reference(&state, report.message());
                        format!("fraiseql failed internally; the server log has the details under reference {reference}.")
                    }
                    _ => report.message().to_string(),
                };
                Err(DbError {
                    message,
                    sqlstate: state,
                })
            }
        }
    }
}

/// `EXPLAIN (FORMAT JSON[, ANALYZE]) <sql>` with the same parameters, as jsonb.
pub fn explain(plan: &Plan, values: &[ParamValue], analyze: bool) -> serde_json::Value {
    let options = if analyze {
        "FORMAT JSON, ANALYZE, BUFFERS"
    } else {
        "FORMAT JSON"
    };
    let sql = c_text(&format!("EXPLAIN ({options}) {}", plan.sql));
    let mut types: Vec<pg_sys::Oid> = plan.params.iter().map(|p| oid(p.ty)).collect();
    let (mut datums, nulls) = datums(values);
    // Planned as execute() plans it: without JIT.
    without_jit(|| {
        Spi::connect(|_client| {
            // SAFETY: connected to SPI by Spi::connect; arrays have one entry per parameter.
            unsafe {
                let rc = pg_sys::SPI_execute_with_args(
                    sql.as_ptr(),
                    types.len() as i32,
                    types.as_mut_ptr(),
                    datums.as_mut_ptr(),
                    nulls.as_ptr(),
                    false,
                    0,
                );
                if rc < 0 || pg_sys::SPI_processed < 1 {
                    internal(&format!("EXPLAIN failed (SPI code {rc})"));
                }
                let table = pg_sys::SPI_tuptable;
                let text = pg_sys::SPI_getvalue(*(*table).vals, (*table).tupdesc, 1);
                let text = std::ffi::CStr::from_ptr(text)
                    .to_string_lossy()
                    .into_owned();
                serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
            }
        })
    })
}

/// Runs one mutation step (read-write): returns the projected result, the status and the entity id.
/// Values beyond the step's own parameters (an extended statement's) are sent as text.
pub fn run_step(
    sql: &str,
    params: &[fraiseql_core::plan::Param],
    values: &[ParamValue],
) -> (serde_json::Value, Option<String>, Option<String>) {
    crate::projection::flush_pending();
    let mut types: Vec<pg_sys::Oid> = params.iter().map(|p| oid(p.ty)).collect();
    types.resize(values.len(), pg_sys::TEXTOID);
    let (mut datums, nulls) = datums(values);
    without_jit(|| {
        Spi::connect_mut(|_client| {
            // SAFETY: connected to SPI by Spi::connect_mut; arrays have one entry per parameter; values
            // are read with SPI_getvalue (copied to palloc'd C strings) before SPI is left.
            unsafe {
                let rc = execute_cached(&sql, &mut types, &mut datums, &nulls, false, 0);
                if rc != pg_sys::SPI_OK_SELECT as i32 || pg_sys::SPI_processed < 1 {
                    internal(&format!(
                        "the mutation statement did not return a row (SPI code {rc})"
                    ));
                }
                let table = pg_sys::SPI_tuptable;
                let text = |col: i32| {
                    let p = pg_sys::SPI_getvalue(*(*table).vals, (*table).tupdesc, col);
                    (!p.is_null())
                        .then(|| std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned())
                };
                let result = text(1)
                    .and_then(|t| serde_json::from_str(&t).ok())
                    .unwrap_or(serde_json::Value::Null);
                (result, text(2), text(3))
            }
        })
    })
}
