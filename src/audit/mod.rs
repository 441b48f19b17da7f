//! The audit chain in the database: an entry queued for each executed mutation (and audited query),
//! handed to `append` when the transaction commits, dropped when it or its savepoint rolls back.
//! Also `keys` (signing keys) and `verify` (verification, checkpoints); hashing and the checks
//! themselves live in `fraiseql_core::audit`.
use std::cell::{Cell, RefCell};

use fraiseql_core::audit::{self as chain, Entry};
use pgrx::prelude::*;

pub mod append;
pub mod keys;
pub mod verify;

thread_local! {
    /// Entries of the current transaction, written when it commits (see [`on_xact`]).
    static QUEUE: RefCell<Vec<Queued>> = const { RefCell::new(Vec::new()) };
    static LOG_TABLE_OID: Cell<pg_sys::Oid> = const { Cell::new(pg_sys::InvalidOid) };
    static HEAD_TABLE_OID: Cell<pg_sys::Oid> = const { Cell::new(pg_sys::InvalidOid) };
}

#[pg_guard]
unsafe extern "C-unwind" fn on_relcache_invalidation(_arg: pg_sys::Datum, relid: pg_sys::Oid) {
    keys::on_invalidation(relid);
    // Forgotten oids are looked up again at the next append (the extension may have been re-created).
    crate::schema_store::relcache::concerns(relid, &LOG_TABLE_OID);
    crate::schema_store::relcache::concerns(relid, &HEAD_TABLE_OID);
}

/// Registers the key-cache invalidation and the transaction callbacks that write queued entries;
/// called once per backend from `_PG_init`.
pub fn init() {
    crate::schema_store::relcache::register(on_relcache_invalidation);
    // SAFETY: static functions Postgres keeps for the backend's lifetime.
    unsafe {
        pg_sys::RegisterXactCallback(Some(on_xact), std::ptr::null_mut());
        pg_sys::RegisterSubXactCallback(Some(on_subxact), std::ptr::null_mut());
    }
}

/// The audit tables' oids (looked up once per backend, again after their relcache invalidation).
fn tables() -> crate::audit::append::Tables {
    let log = crate::schema_store::relcache::cached_oid(&LOG_TABLE_OID, c"audit_log");
    let head = crate::schema_store::relcache::cached_oid(&HEAD_TABLE_OID, c"audit_head");
    if log == pg_sys::InvalidOid || head == pg_sys::InvalidOid {
        crate::error::Error::MissingTable("fraiseql: the audit tables fraiseql.audit_log and fraiseql.audit_head are missing (was the extension dropped in this transaction?)".into()).raise();
    }
    crate::audit::append::Tables { log, head }
}

/// Unix epoch minus Postgres epoch (2000-01-01), in microseconds.
pub const PG_EPOCH_US: i64 = 946_684_800_000_000;

/// What `execute` knows about the request, for every entry it appends.
pub struct Request {
    pub query_sha256: String,
    pub operation: Option<String>,
    pub variables: serde_json::Value,
    pub variables_sha256: String,
    pub role: String,
    pub subject: Option<String>,
    pub tenant: Option<String>,
}

impl Request {
    pub fn new(query: &str, operation: Option<&str>, variables: serde_json::Value) -> Request {
        let role = crate::settings::current_role();
        let claims: Option<serde_json::Value> = crate::settings::setting(c"request.jwt.claims")
            .and_then(|c| serde_json::from_str(&c).ok());
        let subject = claims.as_ref().and_then(|c| c.get("sub")).and_then(|s| {
            s.as_str()
                .map(str::to_string)
                .or_else(|| Some(s.to_string()))
        });
        let tenant = crate::settings::setting(c"app.tenant_id");
        Request {
            query_sha256: chain::hex(&chain::sha256(query.as_bytes())),
            operation: operation.map(str::to_string),
            variables_sha256: chain::json_sha256(&variables),
            variables,
            role,
            subject,
            tenant,
        }
    }
}

/// An entry queued until its transaction commits, with the subtransaction that made it.
struct Queued {
    subid: pg_sys::SubTransactionId,
    entry: Entry,
    variables: Option<serde_json::Value>,
}

/// Queues the entry of one executed mutation field. It is written when the transaction commits
/// (just before: `XACT_EVENT_PRE_COMMIT`), so a chain's head is locked only for the commit itself,
/// not across the client's round trips; a rolled-back transaction or savepoint drops it.
pub fn record(req: &Request, field: &str, function: &str, outcome: &str, entity_id: Option<&str>) {
    // Looked up now, not at commit.
    tables();
    // SAFETY: GetCurrentTimestamp and GetCurrentSubTransactionId have no preconditions.
    let (now_pg, subid) = unsafe {
        (
            pg_sys::GetCurrentTimestamp(),
            pg_sys::GetCurrentSubTransactionId(),
        )
    };
    let entry = Entry {
        chain: req.tenant.clone().unwrap_or_else(|| "global".to_string()),
        seq: 0,
        logged_at_us: now_pg + PG_EPOCH_US,
        role: req.role.clone(),
        subject: req.subject.clone(),
        tenant: req.tenant.clone(),
        operation: req.operation.clone(),
        field: field.to_string(),
        function: function.to_string(),
        query_sha256: req.query_sha256.clone(),
        variables_sha256: req.variables_sha256.clone(),
        outcome: outcome.to_string(),
        entity_id: entity_id.map(str::to_string),
    };
    let variables = crate::settings::audit_variables_full().then(|| req.variables.clone());
    QUEUE.with(|q| {
        q.borrow_mut().push(Queued {
            subid,
            entry,
            variables,
        })
    });
}

/// Writes the queued entries before the transaction commits (or is prepared); forgets them when it
/// aborts. An error while writing aborts the transaction: no commit without its entries.
#[pg_guard]
unsafe extern "C-unwind" fn on_xact(event: pg_sys::XactEvent::Type, _arg: *mut std::ffi::c_void) {
    use pg_sys::XactEvent::*;
    match event {
        XACT_EVENT_PRE_COMMIT | XACT_EVENT_PRE_PREPARE => {
            let mut queued = QUEUE.with(|q| std::mem::take(&mut *q.borrow_mut()));
            if queued.is_empty() {
                return;
            }
            // Chains are locked in the order of their lock keys (a stable sort keeps each chain's
            // own order), so two transactions that touch the same chains cannot deadlock on them.
            queued.sort_by_cached_key(|q| {
                (
                    crate::audit::append::lock_key(&q.entry.chain),
                    q.entry.chain.clone(),
                )
            });
            // Portals are closed by now: looking up the tables and the key, TOAST and index checks
            // want an active snapshot.
            // SAFETY: pushed and popped around the writes; an error aborts the transaction, which
            // clears the active snapshot stack.
            unsafe { pg_sys::PushActiveSnapshot(pg_sys::GetTransactionSnapshot()) };
            let tables = tables();
            let key = keys::active_key();
            for group in queued.chunk_by(|a, b| a.entry.chain == b.entry.chain) {
                let entries: Vec<_> = group
                    .iter()
                    .map(|q| crate::audit::append::Append {
                        entry: &q.entry,
                        variables: q.variables.as_ref(),
                    })
                    .collect();
                crate::audit::append::append(
                    &tables,
                    &group[0].entry.chain,
                    &entries,
                    key.as_ref(),
                );
            }
            // SAFETY: pops the snapshot pushed above.
            unsafe { pg_sys::PopActiveSnapshot() };
        }
        XACT_EVENT_ABORT | XACT_EVENT_PARALLEL_ABORT => {
            QUEUE.with(|q| q.borrow_mut().clear());
        }
        _ => {}
    }
}

/// A rolled-back subtransaction (a savepoint, a failed mutation step) drops the entries queued in
/// it and in the subtransactions inside it — exactly those with its id or a later one.
#[pg_guard]
unsafe extern "C-unwind" fn on_subxact(
    event: pg_sys::SubXactEvent::Type,
    my_subid: pg_sys::SubTransactionId,
    _parent: pg_sys::SubTransactionId,
    _arg: *mut std::ffi::c_void,
) {
    if event == pg_sys::SubXactEvent::SUBXACT_EVENT_ABORT_SUB {
        QUEUE.with(|q| q.borrow_mut().retain(|e| e.subid < my_subid));
    }
}
