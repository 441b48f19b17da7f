//! Persisted queries: the allow-list `fraiseql.persisted_query` (documents an administrator
//! registered with `fraiseql.persist_query`), automatic persisted queries (APQ: a client sends
//! `extensions.persistedQuery.sha256Hash` and the document only when the server does not know it
//! yet), and `fraiseql.persisted_queries_only`, under which nothing but the allow-list runs.
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use fraiseql_core::audit::{hex, sha256};
use fraiseql_core::response::{code, GqlError};
use pgrx::prelude::*;
use serde_json::Value as Json;

/// Documents a backend remembers from APQ registrations (beyond that, the oldest are forgotten).
const APQ_ENTRIES: usize = 1000;

thread_local! {
    /// The allow-list by hash, read once per backend; dropped when the table changes.
    static ALLOWED: RefCell<Option<HashMap<String, String>>> = const { RefCell::new(None) };
    /// Documents clients registered through APQ, by hash, with their registration order.
    static APQ: RefCell<(HashMap<String, String>, std::collections::VecDeque<String>)> =
        RefCell::new((HashMap::new(), std::collections::VecDeque::new()));
    static TABLE_OID: Cell<pg_sys::Oid> = const { Cell::new(pg_sys::InvalidOid) };
}

#[pg_guard]
unsafe extern "C-unwind" fn on_relcache_invalidation(_arg: pg_sys::Datum, relid: pg_sys::Oid) {
    if crate::schema_store::relcache::concerns(relid, &TABLE_OID) {
        ALLOWED.with(|a| a.borrow_mut().take());
    }
}

/// Registers the allow-list's cache invalidation; called once per backend from `_PG_init`.
pub fn init() {
    crate::schema_store::relcache::register(on_relcache_invalidation);
}

fn table_oid() -> pg_sys::Oid {
    crate::schema_store::relcache::cached_oid(&TABLE_OID, c"persisted_query")
}

fn allowed(hash: &str) -> Option<String> {
    table_oid();
    ALLOWED.with(|a| {
        let mut a = a.borrow_mut();
        let map = a.get_or_insert_with(|| {
            // With the extension's rights: web roles run persisted queries but cannot read (or
            // enumerate) the allow-list. Read-only, so a standby answers too.
            crate::execute::spi_read::as_extension_owner(|| {
                crate::execute::spi_read::select(
                    "SELECT sha256, query FROM fraiseql.persisted_query",
                    &[],
                    None,
                    |rows| {
                        (0..rows.len())
                            .filter_map(|i| {
                                Some((rows.get::<String>(i, 1)?, rows.get::<String>(i, 2)?))
                            })
                            .collect::<HashMap<_, _>>()
                    },
                )
            })
        });
        map.get(hash).cloned()
    })
}

fn remember(hash: &str, query: &str) {
    APQ.with(|apq| {
        let (map, order) = &mut *apq.borrow_mut();
        if map.insert(hash.to_string(), query.to_string()).is_none() {
            order.push_back(hash.to_string());
            while order.len() > APQ_ENTRIES {
                if let Some(old) = order.pop_front() {
                    map.remove(&old);
                }
            }
        }
    });
}

fn recalled(hash: &str) -> Option<String> {
    APQ.with(|apq| apq.borrow().0.get(hash).cloned())
}

/// The SHA-256 a client names in `extensions.persistedQuery`, if any.
fn requested_hash(extensions: Option<&Json>) -> Result<Option<String>, GqlError> {
    let Some(pq) = extensions.and_then(|e| e.get("persistedQuery")) else {
        return Ok(None);
    };
    if let Some(v) = pq.get("version") {
        if v != &Json::from(1) {
            return Err(GqlError::new(
                code::BAD_INPUT,
                format!("Unsupported persistedQuery version {v}: fraiseql implements version 1."),
            ));
        }
    }
    match pq.get("sha256Hash").and_then(Json::as_str) {
        Some(h) => Ok(Some(h.to_ascii_lowercase())),
        None => Err(GqlError::new(
            code::BAD_INPUT,
            "extensions.persistedQuery needs a \"sha256Hash\" string.",
        )),
    }
}

/// The document a request runs: its query text, or the document its persisted-query hash names.
/// Enforces the allow-list when `persisted_only`; remembers APQ registrations otherwise.
pub fn resolve(
    query: Option<&str>,
    extensions: Option<&Json>,
    persisted_only: bool,
) -> Result<String, GqlError> {
    let hash = requested_hash(extensions)?;
    let query = query.filter(|q| !q.trim().is_empty());
    match (query, hash) {
        (Some(q), hash) => {
            if hash.is_none() && !persisted_only {
                return Ok(q.to_string());
            }
            let actual = hex(&sha256(q.as_bytes()));
            if hash.as_deref().is_some_and(|h| h != actual) {
                return Err(GqlError::new(code::BAD_INPUT, "provided sha does not match query: extensions.persistedQuery.sha256Hash must be the SHA-256 (lowercase hex) of the query text."));
            }
            if persisted_only {
                if allowed(&actual).is_none() {
                    return Err(not_allowed(&actual));
                }
            } else {
                remember(&actual, q);
            }
            Ok(q.to_string())
        }
        (None, Some(h)) => {
            if let Some(q) = allowed(&h) {
                return Ok(q);
            }
            if persisted_only {
                return Err(not_allowed(&h));
            }
            recalled(&h).ok_or_else(|| GqlError::new(code::PERSISTED_QUERY_NOT_FOUND, "PersistedQueryNotFound"))
        }
        (None, None) => Err(GqlError::new(
            code::BAD_INPUT,
            "No query document supplied: pass the GraphQL text as \"query\" (or a persisted query's hash in extensions.persistedQuery.sha256Hash).",
        )),
    }
}

fn not_allowed(hash: &str) -> GqlError {
    GqlError::new(
        code::PERSISTED_QUERY_NOT_ALLOWED,
        format!("This server runs only persisted queries (fraiseql.persisted_queries_only, or security_profile = restricted), and the document with SHA-256 {hash} is not one: an administrator registers it with fraiseql.persist_query(query)."),
    )
}

/// Registers a document in the allow-list and returns its SHA-256 (the hash clients send). The
/// document must parse; `name` is a note for people. Superusers, or whom they grant EXECUTE.
pub fn persist(query: &str, name: Option<&str>) -> String {
    if let Err(e) = fraiseql_core::document::parse(query) {
        crate::error::Error::Syntax(format!(
            "fraiseql.persist_query: the document does not parse: {}",
            e.message
        ))
        .raise();
    }
    let hash = hex(&sha256(query.as_bytes()));
    Spi::run_with_args(
        "INSERT INTO fraiseql.persisted_query (sha256, query, name) VALUES ($1, $2, $3)
         ON CONFLICT (sha256) DO UPDATE SET name = coalesce(EXCLUDED.name, fraiseql.persisted_query.name)",
        &[hash.as_str().into(), query.into(), name.into()],
    )
    .unwrap_or_else(|e| crate::error::Error::Internal(format!("persist_query: {e}")).raise());
    hash
}

/// Drops this backend's allow-list and tells every other backend to (at its next transaction).
pub fn forget() {
    crate::schema_store::relcache::invalidate(table_oid());
    ALLOWED.with(|a| a.borrow_mut().take());
}
