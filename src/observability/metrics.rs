//! `fraiseql.metrics()`: the operation statistics, the audit chain's signing status, the active schema
//! and this backend's caches in Prometheus's text exposition format (for a scraper through PostgREST
//! or any SQL client).
use std::fmt::Write;

use crate::execute::plan_cache as cache;
use crate::observability::stats;
use crate::{schema_store as store, settings as gucs};

/// A label value escaped as the exposition format wants (`\`, `"` and newlines).
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// Prometheus text: per-operation counters (cluster-wide when fraiseql is preloaded), audit signing,
/// the active schema, plan-cache hits and misses of this backend.
pub fn text() -> String {
    let (entries, dropped, _) = stats::snapshot();
    let mut out = String::new();
    // The four per-operation families: (name, type, help, value of an entry).
    type Value = fn(&stats::Entry) -> String;
    let families: [(&str, &str, &str, Value); 4] = [
        (
            "fraiseql_operations_total",
            "counter",
            "GraphQL requests answered, per operation.",
            |e| e.calls.to_string(),
        ),
        (
            "fraiseql_operation_errors_total",
            "counter",
            "Requests whose response carried errors, per operation.",
            |e| e.errors.to_string(),
        ),
        (
            "fraiseql_operation_seconds_total",
            "counter",
            "Time spent answering, per operation.",
            |e| (e.total_ms / 1000.0).to_string(),
        ),
        (
            "fraiseql_operation_seconds_max",
            "gauge",
            "Slowest request, per operation, since the statistics were reset.",
            |e| (e.max_ms / 1000.0).to_string(),
        ),
    ];
    for (name, kind, help, value) in families {
        family(&mut out, name, kind, help);
        for e in &entries {
            let _ = writeln!(
                out,
                "{name}{{schema=\"{}\",kind=\"{}\",operation=\"{}\"}} {}",
                label(&e.schema),
                e.kind,
                label(&e.operation),
                value(e)
            );
        }
    }
    family(
        &mut out,
        "fraiseql_stats_dropped_total",
        "counter",
        "Requests not counted per operation because the statistics table was full.",
    );
    let _ = writeln!(out, "fraiseql_stats_dropped_total {dropped}");
    family(&mut out, "fraiseql_stats_cluster_wide", "gauge", "1 when the statistics cover the cluster (fraiseql in shared_preload_libraries), 0 when they cover this backend only.");
    let _ = writeln!(
        out,
        "fraiseql_stats_cluster_wide {}",
        u8::from(stats::scope() == "cluster")
    );
    let signing = crate::audit::keys::signing_key_id().is_some();
    family(
        &mut out,
        "fraiseql_audit_signing",
        "gauge",
        "1 when audit entries are signed (a key is installed), 0 when they are only hashed.",
    );
    let _ = writeln!(out, "fraiseql_audit_signing {}", u8::from(signing));
    family(
        &mut out,
        "fraiseql_security_profile",
        "gauge",
        "The security profile in force (fraiseql.security_profile), as a label.",
    );
    let _ = writeln!(
        out,
        "fraiseql_security_profile{{profile=\"{}\"}} 1",
        gucs::profile().name()
    );
    let name = gucs::schema_name();
    family(
        &mut out,
        "fraiseql_schema_loaded",
        "gauge",
        "1 when the session's GraphQL schema (fraiseql.schema) is loaded.",
    );
    let _ = writeln!(
        out,
        "fraiseql_schema_loaded{{schema=\"{}\"}} {}",
        label(&name),
        u8::from(store::active(&name).is_ok())
    );
    let (documents, statements, hits, misses) = cache::stats();
    family(
        &mut out,
        "fraiseql_backend_plan_cache_hits_total",
        "counter",
        "This backend's plan-cache hits.",
    );
    let _ = writeln!(out, "fraiseql_backend_plan_cache_hits_total {hits}");
    family(
        &mut out,
        "fraiseql_backend_plan_cache_misses_total",
        "counter",
        "This backend's plan-cache misses.",
    );
    let _ = writeln!(out, "fraiseql_backend_plan_cache_misses_total {misses}");
    family(
        &mut out,
        "fraiseql_backend_cached_documents",
        "gauge",
        "Parsed documents this backend keeps.",
    );
    let _ = writeln!(out, "fraiseql_backend_cached_documents {documents}");
    family(
        &mut out,
        "fraiseql_backend_cached_statements",
        "gauge",
        "Prepared statements this backend keeps.",
    );
    let _ = writeln!(out, "fraiseql_backend_cached_statements {statements}");
    out
}
