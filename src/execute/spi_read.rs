//! Read-only SPI for the read paths: statements that never assign a transaction id (so they run on
//! a hot standby, where pgrx's `Spi::get_one_with_args` and friends fail with "cannot assign
//! TransactionIds during recovery"), optionally all reading one registered snapshot, whatever the
//! caller's isolation level (the audit verifier must judge one consistent state of the chain).
use std::ffi::CString;

use pgrx::prelude::*;
use pgrx::{FromDatum, IntoDatum};

/// One statement argument: its type and its value (`None` is SQL NULL).
pub struct Arg(pg_sys::Oid, Option<pg_sys::Datum>);

/// An argument from any Rust value pgrx can turn into a Datum.
pub fn arg<T: IntoDatum>(value: T) -> Arg {
    Arg(T::type_oid(), value.into_datum())
}

/// The rows a statement returned, readable while SPI is connected.
pub struct Rows {
    table: *mut pg_sys::SPITupleTable,
    count: usize,
}

impl Rows {
    pub fn len(&self) -> usize {
        self.count
    }

    /// Column `col` (1-based) of row `row` (0-based), copied into Rust (`None`: NULL or out of range).
    pub fn get<T: FromDatum>(&self, row: usize, col: i32) -> Option<T> {
        if row >= self.count {
            return None;
        }
        // SAFETY: `table` is the tuple table of the statement just executed, SPI is still connected
        // (Rows never outlives `select`), and `row` is below the processed count. FromDatum copies
        // the value out of SPI memory.
        unsafe {
            let desc = (*self.table).tupdesc;
            if col < 1 || col > (*desc).natts {
                return None;
            }
            let tuple = *(*self.table).vals.add(row);
            let mut is_null = false;
            let datum = pg_sys::SPI_getbinval(tuple, desc, col, &mut is_null);
            T::from_polymorphic_datum(datum, is_null, pg_sys::SPI_gettypeid(desc, col))
        }
    }
}

/// A snapshot registered for the duration of a set of reads (see [`select`]).
pub struct Snapshot(pg_sys::Snapshot);

impl Snapshot {
    /// The transaction's snapshot as of now (a fresh one under READ COMMITTED, the transaction's
    /// own under REPEATABLE READ and SERIALIZABLE), kept until this value is dropped.
    pub fn take() -> Snapshot {
        // SAFETY: called inside a transaction; the snapshot is registered with the current resource
        // owner and unregistered exactly once in Drop (or released with the owner on error).
        Snapshot(unsafe { pg_sys::RegisterSnapshot(pg_sys::GetTransactionSnapshot()) })
    }
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        // SAFETY: registered in `take`, unregistered once here.
        unsafe { pg_sys::UnregisterSnapshot(self.0) };
    }
}

/// Runs a read-only statement and hands its rows to `f`. With `snapshot`, the statement reads that
/// snapshot; without, the caller's active snapshot. Never assigns a transaction id.
pub fn select<R>(
    sql: &str,
    args: &[Arg],
    snapshot: Option<&Snapshot>,
    f: impl FnOnce(&Rows) -> R,
) -> R {
    let text = CString::new(sql).unwrap_or_else(|_| {
        crate::error::Error::Internal("an internal statement contains a NUL byte".into()).raise()
    });
    let mut types: Vec<pg_sys::Oid> = args.iter().map(|a| a.0).collect();
    let mut values: Vec<pg_sys::Datum> = args
        .iter()
        .map(|a| a.1.unwrap_or(pg_sys::Datum::from(0usize)))
        .collect();
    let nulls: Vec<std::ffi::c_char> = args
        .iter()
        .map(|a| if a.1.is_some() { b' ' } else { b'n' } as std::ffi::c_char)
        .collect();
    // SAFETY: SPI is connected and finished around the statement; the argument arrays have one
    // entry per argument; `Rows` only lives inside `f`, before SPI_finish frees the tuple table. An
    // ERROR unwinds past SPI_finish, and the (sub)transaction's abort cleans SPI up.
    unsafe {
        pg_sys::SPI_connect();
        let rc = match snapshot {
            Some(snap) => {
                let plan =
                    pg_sys::SPI_prepare(text.as_ptr(), types.len() as i32, types.as_mut_ptr());
                if plan.is_null() {
                    let code = pg_sys::SPI_result;
                    crate::error::Error::Internal(format!(
                        "preparing an internal statement failed (SPI code {code})"
                    ))
                    .raise();
                }
                pg_sys::SPI_execute_snapshot(
                    plan,
                    values.as_mut_ptr(),
                    nulls.as_ptr(),
                    snap.0,
                    std::ptr::null_mut(),
                    true,
                    false,
                    0,
                )
            }
            None => pg_sys::SPI_execute_with_args(
                text.as_ptr(),
                types.len() as i32,
                types.as_mut_ptr(),
                values.as_mut_ptr(),
                nulls.as_ptr(),
                true,
                0,
            ),
        };
        if rc != pg_sys::SPI_OK_SELECT as i32 {
            crate::error::Error::Internal(format!("an internal read failed (SPI code {rc})"))
                .raise();
        }
        let rows = Rows {
            table: pg_sys::SPI_tuptable,
            count: pg_sys::SPI_processed as usize,
        };
        let out = f(&rows);
        pg_sys::SPI_finish();
        out
    }
}

/// Runs `f` with the rights of the role that owns fraiseql's schema (the role that created the
/// extension), as a SECURITY DEFINER function would: for the per-backend caches of extension tables
/// that the calling role may not read (signing keys, the persisted-query allow-list). The caller's
/// role is restored afterwards, and on error by the (sub)transaction's abort as well.
pub fn as_extension_owner<R>(f: impl FnOnce() -> R) -> R {
    let owner = select(
        "SELECT nspowner FROM pg_catalog.pg_namespace WHERE nspname = 'fraiseql'",
        &[],
        None,
        |rows| rows.get::<pg_sys::Oid>(0, 1),
    )
    .unwrap_or_else(|| {
        crate::error::Error::MissingSchema(
            "fraiseql: the schema fraiseql is missing (was the extension dropped?)".into(),
        )
        .raise()
    });
    as_role(owner, f)
}

/// Runs `f` with the rights of role `role` (as a SECURITY DEFINER function owned by it would); the
/// caller's role is restored afterwards, and on error by the (sub)transaction's abort as well.
pub fn as_role<R>(role: pg_sys::Oid, f: impl FnOnce() -> R) -> R {
    let (mut user, mut context) = (pg_sys::InvalidOid, 0i32);
    // SAFETY: reading and setting the current user id is what SECURITY DEFINER calls do; the
    // previous values are restored in `finally` (and by abort processing on error).
    unsafe {
        pg_sys::GetUserIdAndSecContext(&mut user, &mut context);
        pg_sys::SetUserIdAndSecContext(role, context | pg_sys::SECURITY_LOCAL_USERID_CHANGE as i32);
    }
    PgTryBuilder::new(std::panic::AssertUnwindSafe(f))
        .finally(|| {
            // SAFETY: restores the values read above.
            unsafe { pg_sys::SetUserIdAndSecContext(user, context) }
        })
        .execute()
}
