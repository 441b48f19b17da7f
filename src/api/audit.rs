//! The audit chain's SQL functions: keys, verification, checkpoints (all `SECURITY DEFINER`, revoked
//! from PUBLIC), and the guard trigger that keeps the audit tables append-only.
use pgrx::prelude::*;
use pgrx::JsonB;

use crate::audit::{keys, verify};
use crate::error::Error;

/// Refuses UPDATE, DELETE and TRUNCATE on the audit tables, for everyone: appends bypass SQL (see
/// `audit_append`), so no statement ever needs to change them. Statement-level: it decides from the
/// statement alone. (A superuser can still disable triggers: that is what verification is for.)
#[pg_trigger]
fn _audit_guard<'a>(
    trigger: &'a PgTrigger<'a>,
) -> Result<Option<PgHeapTuple<'a, AllocatedByPostgres>>, PgHeapTupleError> {
    let table = trigger.table_name().unwrap_or_default();
    crate::error::Error::InsufficientPrivilege(format!("fraiseql.{table} is append-only: entries are only added by fraiseql.execute, never updated or deleted")).raise();
}

fn superuser_only(what: &str) {
    // SAFETY: superuser() reads the session's role; no preconditions.
    if !unsafe { pg_sys::superuser() } {
        Error::InsufficientPrivilege(format!("only a superuser may {what}")).raise();
    }
}

/// Installs a signing key (superuser only). The newest unretired key signs; older ones still verify.
#[pg_extern(volatile, parallel_unsafe, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn audit_set_key(key_id: &str, secret: &[u8]) {
    superuser_only("install audit keys");
    keys::install(key_id, secret);
}

/// Stops a key from signing; it still verifies the entries it signed.
#[pg_extern(volatile, parallel_unsafe, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn audit_retire_key(key_id: &str) {
    superuser_only("retire audit keys");
    keys::retire(key_id);
}

/// The key that signs appends now (NULL: signing is off). Reads keys, so it runs as the owner.
#[pg_extern(volatile, parallel_unsafe, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn _audit_signing_key_id() -> Option<String> {
    keys::active_key().map(|(id, _)| id)
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
    TableIterator::new(verify::verify(chain, from_seq, to_seq))
}

/// The chain head (seq, hash) and its signature, to anchor elsewhere (a ticket, a transparency log).
#[pg_extern(volatile, parallel_unsafe, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn audit_checkpoint(chain: default!(Option<&str>, "NULL")) -> JsonB {
    JsonB(verify::checkpoint(chain))
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
