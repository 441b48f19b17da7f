//! Health, metrics and statistics: `health` (public: liveness and configuration), `metrics`
//! (Prometheus text, for `pg_monitor`), the `stat_operations` view, and this backend's caches
//! (`cache_stats`, `reset_cache`: admin).
use pgrx::prelude::*;
use pgrx::JsonB;

use crate::audit;
use crate::execute::plan_cache as cache;
use crate::observability::{metrics, stats};
use crate::{schema_store as store, settings as gucs};

/// Liveness and configuration at a glance: version, active schema, audit signing, the rules in force,
/// caches — and readiness: `ready` is true when this node can answer its clients (the session's
/// schema is loaded and the audit key, if configured, is readable); `role` says whether it is the
/// primary or a hot standby (which answers queries but refuses mutations and audited queries).
/// Liveness is that the call answers at all.
#[pg_extern(volatile, parallel_unsafe)]
fn health() -> JsonB {
    let name = gucs::schema_name();
    let (schema, schema_loaded) = match store::active(&name) {
        Ok((s, _)) => (
            serde_json::json!({ "name": name, "loaded": true, "types": s.types.len(), "mutations": s.mutation().map_or(0, |m| m.fields.len()) }),
            true,
        ),
        Err(_) => (serde_json::json!({ "name": name, "loaded": false }), false),
    };
    // An unreadable key file would fail every commit that appends an entry: say so instead of raising.
    let key_problem = audit::keys::key_file_problem();
    let key = match key_problem {
        None => audit::keys::signing_key_id(),
        Some(_) => None,
    };
    // SAFETY: reading the recovery state has no preconditions.
    let standby = unsafe { pg_sys::RecoveryInProgress() };
    let mut not_ready = Vec::new();
    if !schema_loaded {
        not_ready.push(format!(
            "no GraphQL schema named \"{name}\" is loaded (fraiseql.load_schema)"
        ));
    }
    not_ready.extend(key_problem.clone());
    let (documents, statements, hits, misses) = cache::stats();
    let rules = gucs::rules();
    let mut audit =
        serde_json::json!({ "signing": if key.is_some() { "on" } else { "off" }, "key_id": key });
    if let Some(problem) = key_problem {
        audit["problem"] = serde_json::Value::String(problem);
    }
    JsonB(serde_json::json!({
        "status": "ok",
        "ready": not_ready.is_empty(),
        "not_ready": not_ready,
        "role": if standby { "standby" } else { "primary" },
        "version": env!("CARGO_PKG_VERSION"),
        "schema": schema,
        "audit": audit,
        "security": {
            "profile": gucs::profile().name(),
            "introspection": rules.introspection,
            "max_depth": rules.limits.max_depth,
            "max_fields": rules.limits.max_fields,
            "max_aliases": rules.limits.max_aliases,
            "max_cost": rules.limits.max_cost,
            "mask_errors": rules.mask_errors,
            "audit_queries": rules.audit_queries,
            "persisted_queries_only": rules.persisted_only,
        },
        "statistics": stats::scope(),
        "cache": { "documents": documents, "statements": statements, "hits": hits, "misses": misses },
    }))
}

/// This backend's cache sizes and plan-cache hits and misses.
#[pg_extern(volatile, parallel_restricted)]
fn cache_stats() -> JsonB {
    let (documents, statements, hits, misses) = cache::stats();
    JsonB(
        serde_json::json!({ "documents": documents, "statements": statements, "hits": hits, "misses": misses }),
    )
}

/// Empties this backend's caches.
#[pg_extern(volatile, parallel_unsafe)]
fn reset_cache() {
    cache::reset();
}

/// Prometheus text: per-operation counters (cluster-wide when fraiseql is preloaded), audit signing,
/// the active schema, plan-cache hits and misses of this backend.
#[pg_extern(volatile, parallel_unsafe)]
fn metrics() -> String {
    metrics::text()
}

#[pg_extern(immutable, parallel_safe)]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// The statistics as rows; `fraiseql.stat_operations` is a view over this.
#[allow(clippy::type_complexity)] // the SQL result row, spelled out for pgrx
#[pg_extern(volatile, parallel_restricted)]
fn _stat_operations() -> TableIterator<
    'static,
    (
        name!(schema_name, String),
        name!(kind, String),
        name!(operation, String),
        name!(calls, i64),
        name!(errors, i64),
        name!(total_ms, f64),
        name!(mean_ms, f64),
        name!(max_ms, f64),
        name!(scope, String),
        name!(since, pgrx::datum::TimestampWithTimeZone),
    ),
> {
    let (entries, _, since) = stats::snapshot();
    let scope = stats::scope().to_string();
    TableIterator::new(entries.into_iter().map(move |e| {
        let mean = if e.calls > 0 {
            e.total_ms / e.calls as f64
        } else {
            0.0
        };
        (
            e.schema,
            e.kind.to_string(),
            e.operation,
            e.calls,
            e.errors,
            e.total_ms,
            mean,
            e.max_ms,
            scope.clone(),
            since,
        )
    }))
}

/// Forgets the statistics (cluster-wide when preloaded, else this backend's).
#[pg_extern(volatile, parallel_unsafe)]
fn stat_reset() {
    stats::reset();
}

extension_sql!(
    r#"
CREATE VIEW fraiseql.stat_operations AS SELECT * FROM fraiseql._stat_operations();
COMMENT ON VIEW fraiseql.stat_operations IS 'Calls, errors and time per GraphQL operation (cluster-wide when fraiseql is in shared_preload_libraries, else this backend''s).';
REVOKE ALL ON FUNCTION fraiseql._stat_operations() FROM PUBLIC;
REVOKE ALL ON FUNCTION fraiseql.stat_reset() FROM PUBLIC;
REVOKE ALL ON fraiseql.stat_operations FROM PUBLIC;
GRANT EXECUTE ON FUNCTION fraiseql._stat_operations() TO pg_monitor;
GRANT SELECT ON fraiseql.stat_operations TO pg_monitor;
"#,
    name = "stat_operations",
    requires = [_stat_operations, stat_reset],
);

extension_sql!(
    r#"
REVOKE ALL ON FUNCTION fraiseql.metrics() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION fraiseql.metrics() TO pg_monitor;
"#,
    name = "metrics_grants",
    requires = [metrics],
);

extension_sql!(
    r#"
REVOKE ALL ON FUNCTION fraiseql.cache_stats() FROM PUBLIC;
REVOKE ALL ON FUNCTION fraiseql.reset_cache() FROM PUBLIC;
"#,
    name = "cache_admin_surface",
    requires = [cache_stats, reset_cache],
);
