//! The audit signing keys: the newest unretired row of `fraiseql.audit_key` (installed by a
//! superuser), or the last line of the server-side `fraiseql.audit_key_file` (for a KMS or Vault agent
//! to write). The active key is cached per backend until the table changes or the file's mtime does.
use std::cell::{Cell, RefCell};

use pgrx::prelude::*;

thread_local! {
    /// The signing key, read once per backend; dropped by `forget` (relcache invalidation of
    /// fraiseql.audit_key, sent by install / retire) and when the key file changes.
    static ACTIVE_KEY: RefCell<Option<(KeySource, Option<Key>)>> = const { RefCell::new(None) };
    static KEY_TABLE_OID: Cell<pg_sys::Oid> = const { Cell::new(pg_sys::InvalidOid) };
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
    match crate::settings::audit_key_file() {
        Some(path) => {
            let mtime = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
            KeySource::File(path, mtime)
        }
        None => KeySource::Table,
    }
}

/// Drops the cached key when the relcache entry of fraiseql.audit_key is invalidated.
pub(super) fn on_invalidation(relid: pg_sys::Oid) {
    if crate::schema_store::relcache::concerns(relid, &KEY_TABLE_OID) {
        ACTIVE_KEY.with(|k| k.borrow_mut().take());
    }
}

fn key_table_oid() -> pg_sys::Oid {
    crate::schema_store::relcache::cached_oid(&KEY_TABLE_OID, c"audit_key")
}

/// Tells every backend to re-read the keys (at its next transaction).
pub fn forget() {
    crate::schema_store::relcache::invalidate(key_table_oid());
    ACTIVE_KEY.with(|k| k.borrow_mut().take());
}

/// Keys from `fraiseql.audit_key_file` (`key_id:hexsecret` per line, the last one signs), if set.
fn file_keys() -> Option<Vec<(String, Vec<u8>)>> {
    read_file_keys().unwrap_or_else(|why| crate::error::Error::ConfigFile(why).raise())
}

/// Why `fraiseql.audit_key_file` cannot be read, if it is set and cannot (for `health`: every commit
/// that appends an entry would fail the same way).
pub fn key_file_problem() -> Option<String> {
    read_file_keys().err()
}

/// The key file's keys (`None` when no file is set), or why it cannot be read.
fn read_file_keys() -> Result<Option<Vec<(String, Vec<u8>)>>, String> {
    let Some(path) = crate::settings::audit_key_file() else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("fraiseql: cannot read fraiseql.audit_key_file {path}: {e}"))?;
    let keys = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(':'))
        .filter_map(|(id, hex)| unhex(hex.trim()).map(|k| (id.trim().to_string(), k)))
        .collect();
    Ok(Some(keys))
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    s.len().is_multiple_of(2).then_some(())?;
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

/// The signing key: the file's last key, or the newest unretired key in fraiseql.audit_key (cached).
pub fn active_key() -> Option<(String, Vec<u8>)> {
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
    crate::execute::spi_read::as_extension_owner(|| {
        crate::execute::spi_read::select(
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
pub fn key_by_id(id: &str) -> Option<Vec<u8>> {
    if let Some(secret) = file_keys().and_then(|keys| keys.into_iter().find(|(k, _)| k == id)) {
        return Some(secret.1);
    }
    crate::execute::spi_read::as_extension_owner(|| {
        crate::execute::spi_read::select(
            "SELECT secret FROM fraiseql.audit_key WHERE key_id = $1",
            &[crate::execute::spi_read::arg(id)],
            None,
            |rows| rows.get::<Vec<u8>>(0, 1),
        )
    })
}

/// Installs a signing key (the caller was checked to be a superuser). The newest unretired key
/// signs; older ones still verify.
pub fn install(key_id: &str, secret: &[u8]) {
    if secret.len() < 16 {
        crate::error::Error::InvalidParameter(
            "an audit key must be at least 16 bytes (32 random bytes recommended)".into(),
        )
        .raise();
    }
    Spi::run_with_args(
        "INSERT INTO fraiseql.audit_key (key_id, secret) VALUES ($1, $2)",
        &[key_id.into(), secret.into()],
    )
    .unwrap_or_else(|e| {
        crate::error::Error::Internal(format!("installing audit key {key_id}: {e}")).raise()
    });
    forget();
}

/// Stops a key from signing; it still verifies the entries it signed.
pub fn retire(key_id: &str) {
    Spi::run_with_args(
        "UPDATE fraiseql.audit_key SET retired_at = now() WHERE key_id = $1 AND retired_at IS NULL",
        &[key_id.into()],
    )
    .unwrap_or_else(|e| {
        crate::error::Error::Internal(format!("retiring audit key {key_id}: {e}")).raise()
    });
    forget();
}

/// The signing key's id for any caller (`health`, `metrics`): the key is read with the extension's
/// rights, and without SQL that could need a transaction id (so it works on a standby).
pub fn signing_key_id() -> Option<String> {
    active_key().map(|(id, _)| id)
}
