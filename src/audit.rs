//! The audit chain in the database: queueing an entry for each executed mutation and handing the
//! queue to `audit_append` when the transaction commits, the signing keys (a superuser function or a
//! server-side key file), verification and checkpoints. Hashing and verification logic live in
//! `fraiseql_core::audit`.
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use fraiseql_core::audit::{self as chain, Entry, Stored};
use pgrx::prelude::*;
use pgrx::JsonB;

thread_local! {
    /// Entries of the current transaction, written when it commits (see [`on_xact`]).
    static QUEUE: RefCell<Vec<Queued>> = const { RefCell::new(Vec::new()) };
    /// The signing key, read once per backend; dropped by `forget_keys` (relcache invalidation of
    /// fraiseql.audit_key, sent by audit_set_key / audit_retire_key) and when the key file changes.
    static ACTIVE_KEY: RefCell<Option<(KeySource, Option<Key>)>> = const { RefCell::new(None) };
    static KEY_TABLE_OID: Cell<pg_sys::Oid> = const { Cell::new(pg_sys::InvalidOid) };
    static LOG_TABLE_OID: Cell<pg_sys::Oid> = const { Cell::new(pg_sys::InvalidOid) };
    static HEAD_TABLE_OID: Cell<pg_sys::Oid> = const { Cell::new(pg_sys::InvalidOid) };
}

/// A signing key: its id and secret.
type Key = (String, Vec<u8>);

/// Where the cached key came from: the table, or the key file as of its modification time.
#[derive(Clone, PartialEq)]
enum KeySource {
    Table,
    File(String, Option<std::time::SystemTime>),
}

fn key_source() -> KeySource {
    match crate::gucs::audit_key_file() {
        Some(path) => {
            let mtime = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
            KeySource::File(path, mtime)
        }
        None => KeySource::Table,
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn on_relcache_invalidation(_arg: pg_sys::Datum, relid: pg_sys::Oid) {
    if crate::relcache::concerns(relid, &KEY_TABLE_OID) {
        ACTIVE_KEY.with(|k| k.borrow_mut().take());
    }
    // Forgotten oids are looked up again at the next append (the extension may have been re-created).
    crate::relcache::concerns(relid, &LOG_TABLE_OID);
    crate::relcache::concerns(relid, &HEAD_TABLE_OID);
}

/// Registers the key-cache invalidation and the transaction callbacks that write queued entries;
/// called once per backend from `_PG_init`.
pub fn init() {
    crate::relcache::register(on_relcache_invalidation);
    // SAFETY: static functions Postgres keeps for the backend's lifetime.
    unsafe {
        pg_sys::RegisterXactCallback(Some(on_xact), std::ptr::null_mut());
        pg_sys::RegisterSubXactCallback(Some(on_subxact), std::ptr::null_mut());
    }
}

/// The audit tables' oids (looked up once per backend, again after their relcache invalidation).
fn tables() -> crate::audit_append::Tables {
    let log = crate::relcache::cached_oid(&LOG_TABLE_OID, c"audit_log");
    let head = crate::relcache::cached_oid(&HEAD_TABLE_OID, c"audit_head");
    if log == pg_sys::InvalidOid || head == pg_sys::InvalidOid {
        crate::errors::raise(pgrx::PgSqlErrorCode::ERRCODE_UNDEFINED_TABLE, "fraiseql: the audit tables fraiseql.audit_log and fraiseql.audit_head are missing (was the extension dropped in this transaction?)");
    }
    crate::audit_append::Tables { log, head }
}

fn key_table_oid() -> pg_sys::Oid {
    crate::relcache::cached_oid(&KEY_TABLE_OID, c"audit_key")
}

/// Tells every backend to re-read the keys (at its next transaction).
fn forget_keys() {
    crate::relcache::invalidate(key_table_oid());
    ACTIVE_KEY.with(|k| k.borrow_mut().take());
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
        let role = crate::gucs::current_role();
        let claims: Option<serde_json::Value> =
            crate::gucs::setting(c"request.jwt.claims").and_then(|c| serde_json::from_str(&c).ok());
        let subject = claims.as_ref().and_then(|c| c.get("sub")).and_then(|s| {
            s.as_str()
                .map(str::to_string)
                .or_else(|| Some(s.to_string()))
        });
        let tenant = crate::gucs::setting(c"app.tenant_id");
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
    let variables = crate::gucs::audit_variables_full().then(|| req.variables.clone());
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
                    crate::audit_append::lock_key(&q.entry.chain),
                    q.entry.chain.clone(),
                )
            });
            // Portals are closed by now: looking up the tables and the key, TOAST and index checks
            // want an active snapshot.
            // SAFETY: pushed and popped around the writes; an error aborts the transaction, which
            // clears the active snapshot stack.
            unsafe { pg_sys::PushActiveSnapshot(pg_sys::GetTransactionSnapshot()) };
            let tables = tables();
            let key = active_key();
            for group in queued.chunk_by(|a, b| a.entry.chain == b.entry.chain) {
                let entries: Vec<_> = group
                    .iter()
                    .map(|q| crate::audit_append::Append {
                        entry: &q.entry,
                        variables: q.variables.as_ref(),
                    })
                    .collect();
                crate::audit_append::append(&tables, &group[0].entry.chain, &entries, key.as_ref());
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

/// Keys from `fraiseql.audit_key_file` (`key_id:hexsecret` per line, the last one signs), if set.
fn file_keys() -> Option<Vec<(String, Vec<u8>)>> {
    let path = crate::gucs::audit_key_file()?;
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        crate::errors::raise(
            pgrx::PgSqlErrorCode::ERRCODE_CONFIG_FILE_ERROR,
            format!("fraiseql: cannot read fraiseql.audit_key_file {path}: {e}"),
        )
    });
    let keys = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(':'))
        .filter_map(|(id, hex)| unhex(hex.trim()).map(|k| (id.trim().to_string(), k)))
        .collect();
    Some(keys)
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    s.len().is_multiple_of(2).then_some(())?;
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

/// The signing key: the file's last key, or the newest unretired key in fraiseql.audit_key (cached).
fn active_key() -> Option<(String, Vec<u8>)> {
    let source = key_source();
    if let Some(key) = ACTIVE_KEY.with(|k| {
        k.borrow()
            .as_ref()
            .filter(|(s, _)| *s == source)
            .map(|(_, key)| key.clone())
    }) {
        return key;
    }
    key_table_oid();
    let key = read_active_key();
    ACTIVE_KEY.with(|k| *k.borrow_mut() = Some((source, key.clone())));
    key
}

fn read_active_key() -> Option<(String, Vec<u8>)> {
    if let Some(keys) = file_keys() {
        return keys.into_iter().last();
    }
    // Read once per backend (the key is cached until it changes), with the extension's rights: the
    // calling role (PostgREST's web role, say) cannot read the key table, and must not need to.
    crate::spi_read::as_extension_owner(|| {
        crate::spi_read::select(
            "SELECT key_id, secret FROM fraiseql.audit_key WHERE retired_at IS NULL ORDER BY created_at DESC, key_id DESC LIMIT 1",
            &[],
            None,
            |rows| match (rows.get::<String>(0, 1), rows.get::<Vec<u8>>(0, 2)) {
                (Some(id), Some(secret)) => Some((id, secret)),
                _ => None,
            },
        )
    })
}

/// The secret of key `id`, wherever it lives: the key file first, then the key table, so entries
/// signed before a move to the key file (or back) still verify.
fn key_by_id(id: &str) -> Option<Vec<u8>> {
    if let Some(secret) = file_keys().and_then(|keys| keys.into_iter().find(|(k, _)| k == id)) {
        return Some(secret.1);
    }
    crate::spi_read::as_extension_owner(|| {
        crate::spi_read::select(
            "SELECT secret FROM fraiseql.audit_key WHERE key_id = $1",
            &[crate::spi_read::arg(id)],
            None,
            |rows| rows.get::<Vec<u8>>(0, 1),
        )
    })
}

/// Refuses UPDATE, DELETE and TRUNCATE on the audit tables, for everyone: appends bypass SQL (see
/// `audit_append`), so no statement ever needs to change them. Statement-level: it decides from the
/// statement alone. (A superuser can still disable triggers: that is what verification is for.)
#[pg_trigger]
fn _audit_guard<'a>(
    trigger: &'a PgTrigger<'a>,
) -> Result<Option<PgHeapTuple<'a, AllocatedByPostgres>>, PgHeapTupleError> {
    let table = trigger.table_name().unwrap_or_default();
    crate::errors::raise(pgrx::PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE, format!("fraiseql.{table} is append-only: entries are only added by fraiseql.execute, never updated or deleted"));
}

/// Installs a signing key (superuser only). The newest unretired key signs; older ones still verify.
#[pg_extern(volatile, parallel_unsafe, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn audit_set_key(key_id: &str, secret: &[u8]) {
    // SAFETY: superuser() reads the session's role; no preconditions.
    if !unsafe { pg_sys::superuser() } {
        crate::errors::raise(
            pgrx::PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
            "only a superuser may install audit keys",
        );
    }
    if secret.len() < 16 {
        crate::errors::raise(
            pgrx::PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            "an audit key must be at least 16 bytes (32 random bytes recommended)",
        );
    }
    Spi::run_with_args(
        "INSERT INTO fraiseql.audit_key (key_id, secret) VALUES ($1, $2)",
        &[key_id.into(), secret.into()],
    )
    .unwrap_or_else(|e| crate::errors::internal(&format!("installing audit key {key_id}: {e}")));
    forget_keys();
}

/// Stops a key from signing; it still verifies the entries it signed.
#[pg_extern(volatile, parallel_unsafe, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn audit_retire_key(key_id: &str) {
    // SAFETY: as above.
    if !unsafe { pg_sys::superuser() } {
        crate::errors::raise(
            pgrx::PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
            "only a superuser may retire audit keys",
        );
    }
    Spi::run_with_args(
        "UPDATE fraiseql.audit_key SET retired_at = now() WHERE key_id = $1 AND retired_at IS NULL",
        &[key_id.into()],
    )
    .unwrap_or_else(|e| crate::errors::internal(&format!("retiring audit key {key_id}: {e}")));
    forget_keys();
}

/// The key that signs appends now (NULL: signing is off). Reads keys, so it runs as the owner.
#[pg_extern(volatile, parallel_unsafe, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn _audit_signing_key_id() -> Option<String> {
    active_key().map(|(id, _)| id)
}

/// The signing key's id for any caller (`health`, `metrics`): the key is read with the extension's
/// rights, and without SQL that could need a transaction id (so it works on a standby).
pub fn signing_key_id() -> Option<String> {
    active_key().map(|(id, _)| id)
}

/// Entries `from..=to` of one chain, as `snapshot` sees them.
fn load(snapshot: &crate::spi_read::Snapshot, chain_name: &str, from: i64, to: i64) -> Vec<Stored> {
    use crate::spi_read::arg;
    crate::spi_read::select(
        "SELECT seq, (extract(epoch FROM logged_at) * 1000000)::bigint, role::text, subject, tenant, operation, field, function,
                query_sha256, variables_sha256, outcome, entity_id, prev_hash, entry_hash, signature, key_id
           FROM fraiseql.audit_log WHERE chain = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq",
        &[arg(chain_name), arg(from), arg(to)],
        Some(snapshot),
        |rows| {
            (0..rows.len())
                .map(|i| Stored {
                    entry: Entry {
                        chain: chain_name.to_string(),
                        seq: rows.get(i, 1).unwrap_or(0),
                        logged_at_us: rows.get(i, 2).unwrap_or(0),
                        role: rows.get(i, 3).unwrap_or_default(),
                        subject: rows.get(i, 4),
                        tenant: rows.get(i, 5),
                        operation: rows.get(i, 6),
                        field: rows.get(i, 7).unwrap_or_default(),
                        function: rows.get(i, 8).unwrap_or_default(),
                        query_sha256: rows.get(i, 9).unwrap_or_default(),
                        variables_sha256: rows.get(i, 10).unwrap_or_default(),
                        outcome: rows.get(i, 11).unwrap_or_default(),
                        entity_id: rows.get(i, 12),
                    },
                    prev_hash: rows.get(i, 13).unwrap_or_default(),
                    entry_hash: rows.get(i, 14).unwrap_or_default(),
                    signature: rows.get(i, 15),
                    key_id: rows.get(i, 16),
                })
                .collect()
        },
    )
}

/// Checks hashes, links and signatures of one chain or all, optionally a seq range; names the first
/// bad entry and why (edited, deleted, inserted, reordered, bad signature, unknown key).
#[allow(clippy::type_complexity)] // the SQL result row, spelled out for pgrx
#[pg_extern(volatile, parallel_unsafe, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn verify_audit_chain(
    chain: default!(Option<&str>, "NULL"),
    from_seq: default!(Option<i64>, "NULL"),
    to_seq: default!(Option<i64>, "NULL"),
) -> TableIterator<
    'static,
    (
        name!(chain, String),
        name!(ok, bool),
        name!(checked, i64),
        name!(signed, i64),
        name!(first_bad_seq, Option<i64>),
        name!(problem, Option<String>),
        name!(detail, Option<String>),
    ),
> {
    // One snapshot for the heads and every chain's entries, whatever the caller's isolation level:
    // with writers appending, statements with fresh snapshots would see entries beyond the heads
    // they read earlier and report tampering that is not there.
    let snapshot = crate::spi_read::Snapshot::take();
    let chains: Vec<(String, i64, Vec<u8>)> = crate::spi_read::select(
        "SELECT c.chain, coalesce(h.seq, 0), coalesce(h.hash, '\\x'::bytea)
           FROM (SELECT chain FROM fraiseql.audit_head UNION SELECT DISTINCT chain FROM fraiseql.audit_log) c
           LEFT JOIN fraiseql.audit_head h USING (chain)
          WHERE $1::text IS NULL OR c.chain = $1 ORDER BY 1",
        &[crate::spi_read::arg(chain)],
        Some(&snapshot),
        |rows| {
            (0..rows.len())
                .map(|i| {
                    (
                        rows.get::<String>(i, 1).unwrap_or_default(),
                        rows.get::<i64>(i, 2).unwrap_or(0),
                        rows.get::<Vec<u8>>(i, 3).unwrap_or_default(),
                    )
                })
                .collect()
        },
    );
    let keys: RefCell<HashMap<String, Option<Vec<u8>>>> = RefCell::new(HashMap::new());
    let mut results = Vec::new();
    for (name, head_seq, head_hash) in chains {
        let from = from_seq.unwrap_or(1).max(1);
        let to = to_seq.unwrap_or(i64::MAX);
        let (anchor, first_seq) = if from > 1 {
            let before = load(&snapshot, &name, from - 1, from - 1);
            (
                before
                    .first()
                    .map(|s| s.entry_hash.clone())
                    .unwrap_or_default(),
                from,
            )
        } else {
            (chain::GENESIS.to_vec(), 1)
        };
        let entries = load(&snapshot, &name, from, to);
        let head = (to >= head_seq).then_some((head_seq, head_hash.as_slice()));
        let report = chain::verify(&entries, first_seq, &anchor, head, &|id: &str| {
            keys.borrow_mut()
                .entry(id.to_string())
                .or_insert_with(|| key_by_id(id))
                .clone()
        });
        let bad = report.first_bad;
        results.push((
            name,
            bad.is_none(),
            report.checked as i64,
            report.signed as i64,
            bad.as_ref().map(|b| b.seq),
            bad.as_ref().map(|b| b.problem.as_str().to_string()),
            bad.map(|b| b.detail),
        ));
    }
    TableIterator::new(results)
}

/// The chain head (seq, hash) and its signature, to anchor elsewhere (a ticket, a transparency log).
#[pg_extern(volatile, parallel_unsafe, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn audit_checkpoint(chain: default!(Option<&str>, "NULL")) -> JsonB {
    let name = chain.unwrap_or("global");
    let head = crate::spi_read::select(
        "SELECT seq, hash FROM fraiseql.audit_head WHERE chain = $1",
        &[crate::spi_read::arg(name)],
        None,
        |rows| (rows.get::<i64>(0, 1), rows.get::<Vec<u8>>(0, 2)),
    );
    let (seq, hash) = match head {
        (Some(seq), Some(hash)) => (seq, hash),
        _ => (0, chain::GENESIS.to_vec()),
    };
    let (signature, key_id) = match active_key() {
        Some((id, key)) => (Some(chain::hex(&chain::sign(&key, &hash))), Some(id)),
        None => (None, None),
    };
    JsonB(
        serde_json::json!({ "chain": name, "seq": seq, "head_hash": chain::hex(&hash), "signature": signature, "key_id": key_id }),
    )
}

extension_sql!(
    r#"
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON fraiseql.audit_log FOR EACH STATEMENT EXECUTE FUNCTION fraiseql._audit_guard();
CREATE TRIGGER audit_head_guard BEFORE UPDATE OR DELETE OR TRUNCATE ON fraiseql.audit_head FOR EACH STATEMENT EXECUTE FUNCTION fraiseql._audit_guard();
REVOKE ALL ON FUNCTION fraiseql.audit_set_key(text, bytea) FROM PUBLIC;
REVOKE ALL ON FUNCTION fraiseql.audit_retire_key(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION fraiseql.verify_audit_chain(text, bigint, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION fraiseql.audit_checkpoint(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION fraiseql._audit_signing_key_id() FROM PUBLIC;
"#,
    name = "audit_triggers",
    requires = [
        _audit_guard,
        audit_set_key,
        audit_retire_key,
        verify_audit_chain,
        audit_checkpoint,
        _audit_signing_key_id
    ],
);
