//! The persisted-query allow-list: `persist_query` (admin) registers a document; a trigger tells
//! every backend when the list changes.
use pgrx::prelude::*;

use crate::security::persisted;

/// Registers a document in the allow-list and returns its SHA-256 (the hash clients send). The
/// document must parse; `name` is a note for people. Superusers, or whom they grant EXECUTE.
#[pg_extern(volatile, parallel_unsafe)]
fn persist_query(query: &str, name: default!(Option<&str>, "NULL")) -> String {
    persisted::persist(query, name)
}

/// Any change to the allow-list reaches every backend's cache (at its next transaction).
#[pg_trigger]
fn _persisted_query_changed<'a>(
    _trigger: &'a PgTrigger<'a>,
) -> Result<Option<PgHeapTuple<'a, AllocatedByPostgres>>, PgHeapTupleError> {
    persisted::forget();
    Ok(None)
}

extension_sql!(
    r#"
CREATE TRIGGER persisted_query_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON fraiseql.persisted_query
    FOR EACH STATEMENT EXECUTE FUNCTION fraiseql._persisted_query_changed();
REVOKE ALL ON FUNCTION fraiseql.persist_query(text, text) FROM PUBLIC;
"#,
    name = "persisted_query_trigger",
    requires = [persist_query, _persisted_query_changed],
);
