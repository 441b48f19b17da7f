//! Per-backend caches keyed on an extension table: finding the table's oid once, registering a
//! relcache callback, and telling every backend (at its next transaction) that the table changed.
use std::cell::Cell;
use std::ffi::CStr;
use std::thread::LocalKey;

use pgrx::prelude::*;

/// The oid of fraiseql's table `table` (e.g. `c"audit_key"`), looked up once per backend in the
/// system caches (no SQL: nothing that could need a transaction id on a standby) and kept in `cell`.
pub fn cached_oid(cell: &'static LocalKey<Cell<pg_sys::Oid>>, table: &CStr) -> pg_sys::Oid {
    let cached = cell.with(Cell::get);
    if cached != pg_sys::InvalidOid {
        return cached;
    }
    // SAFETY: catalog lookups by name inside a transaction; both return InvalidOid when missing.
    let oid = unsafe {
        let namespace = pg_sys::get_namespace_oid(c"fraiseql".as_ptr(), true);
        if namespace == pg_sys::InvalidOid {
            pg_sys::InvalidOid
        } else {
            pg_sys::get_relname_relid(table.as_ptr(), namespace)
        }
    };
    cell.with(|c| c.set(oid));
    oid
}

/// Whether a relcache invalidation for `relid` concerns the table whose oid `cell` holds
/// (`InvalidOid` means "everything"). If so, the oid is forgotten too and looked up again at next
/// use: the table may have been dropped and created again (`DROP EXTENSION`, `CREATE EXTENSION`).
pub fn concerns(relid: pg_sys::Oid, cell: &'static LocalKey<Cell<pg_sys::Oid>>) -> bool {
    let hit = relid == pg_sys::InvalidOid || relid == cell.with(Cell::get);
    if hit {
        cell.with(|c| c.set(pg_sys::InvalidOid));
    }
    hit
}

/// Registers `callback` for relcache invalidations; called once per backend from `_PG_init`.
pub fn register(callback: unsafe extern "C-unwind" fn(pg_sys::Datum, pg_sys::Oid)) {
    // SAFETY: a static function pointer Postgres keeps for the backend's lifetime; callbacks only
    // touch thread-local state (they must not access the catalogs).
    unsafe { pg_sys::CacheRegisterRelcacheCallback(Some(callback), pg_sys::Datum::from(0usize)) };
}

/// Queues an invalidation of `oid`, delivered to every backend when the transaction commits (and
/// replayed locally if it aborts).
pub fn invalidate(oid: pg_sys::Oid) {
    // SAFETY: queuing an invalidation message has no preconditions beyond a valid oid.
    unsafe { pg_sys::CacheInvalidateRelcacheByRelid(oid) };
}
