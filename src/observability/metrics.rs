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
    histogram(&mut out, &entries);
    status(&mut out, dropped);
    out
}

/// The one-sample families: statistics coverage, audit signing, security profile, schema, caches.
fn status(out: &mut String, dropped: i64) {
    let one =
        |out: &mut String, name: &str, kind: &str, help: &str, labels: String, value: String| {
            family(out, name, kind, help);
            let _ = writeln!(out, "{name}{labels} {value}");
        };
    one(
        out,
        "fraiseql_stats_dropped_total",
        "counter",
        "Requests not counted per operation because the statistics table was full.",
        String::new(),
        dropped.to_string(),
    );
    one(out, "fraiseql_stats_cluster_wide", "gauge", "1 when the statistics cover the cluster (fraiseql in shared_preload_libraries), 0 when they cover this backend only.", String::new(), u8::from(stats::scope() == "cluster").to_string());
    let signing = crate::audit::keys::signing_key_id().is_some();
    one(
        out,
        "fraiseql_audit_signing",
        "gauge",
        "1 when audit entries are signed (a key is installed), 0 when they are only hashed.",
        String::new(),
        u8::from(signing).to_string(),
    );
    one(
        out,
        "fraiseql_security_profile",
        "gauge",
        "The security profile in force (fraiseql.security_profile), as a label.",
        format!("{{profile=\"{}\"}}", gucs::profile().name()),
        "1".into(),
    );
    let name = gucs::schema_name();
    one(
        out,
        "fraiseql_schema_loaded",
        "gauge",
        "1 when the session's GraphQL schema (fraiseql.schema) is loaded.",
        format!("{{schema=\"{}\"}}", label(&name)),
        u8::from(store::active(&name).is_ok()).to_string(),
    );
    let (documents, statements, hits, misses) = cache::stats();
    one(
        out,
        "fraiseql_backend_plan_cache_hits_total",
        "counter",
        "This backend's plan-cache hits.",
        String::new(),
        hits.to_string(),
    );
    one(
        out,
        "fraiseql_backend_plan_cache_misses_total",
        "counter",
        "This backend's plan-cache misses.",
        String::new(),
        misses.to_string(),
    );
    one(
        out,
        "fraiseql_backend_cached_documents",
        "gauge",
        "Parsed documents this backend keeps.",
        String::new(),
        documents.to_string(),
    );
    one(
        out,
        "fraiseql_backend_cached_statements",
        "gauge",
        "Prepared statements this backend keeps.",
        String::new(),
        statements.to_string(),
    );
}

/// `fraiseql_operation_duration_seconds`: a Prometheus histogram per operation (cumulative
/// `_bucket{le=…}` counts, `_sum`, `_count`), so percentiles can be computed with `histogram_quantile`.
fn histogram(out: &mut String, entries: &[stats::Entry]) {
    let name = "fraiseql_operation_duration_seconds";
    family(
        out,
        name,
        "histogram",
        "Time to answer a request, per operation.",
    );
    for e in entries {
        let labels = format!(
            "schema=\"{}\",kind=\"{}\",operation=\"{}\"",
            label(&e.schema),
            e.kind,
            label(&e.operation)
        );
        let mut cumulative = 0;
        for (bound, n) in stats::BUCKETS_US.iter().zip(e.buckets) {
            cumulative += n;
            let le = *bound as f64 / 1_000_000.0;
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{le}\"}} {cumulative}");
        }
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {}", e.calls);
        let _ = writeln!(out, "{name}_sum{{{labels}}} {}", e.total_ms / 1000.0);
        let _ = writeln!(out, "{name}_count{{{labels}}} {}", e.calls);
    }
}
