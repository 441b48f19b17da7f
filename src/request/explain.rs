//! `fraiseql.explain`: the SQL a request compiles to, its parameters, and Postgres's plan for it —
//! with the row counts of rows the caller cannot see removed.
use pgrx::prelude::*;

use super::prepare::prepare;
use super::Incoming;
use crate::execute::statement as executor;

/// The SQL a request compiles to, its parameters, and Postgres's plan (`analyze` runs it).
pub fn explain(request: &Incoming, analyze: bool) -> serde_json::Value {
    match prepare(request) {
        Err(response) => response,
        Ok(p) => {
            let params: Vec<serde_json::Value> = p
                .values
                .iter()
                .map(|v| match v {
                    fraiseql_core::ParamValue::Null => serde_json::Value::Null,
                    fraiseql_core::ParamValue::Int8(n) => serde_json::json!(n),
                    fraiseql_core::ParamValue::Text(s) => serde_json::json!(s),
                    fraiseql_core::ParamValue::TextArray(a) => serde_json::json!(a),
                })
                .collect();
            let mut plan = executor::explain(&p.plan, &p.values, analyze);
            if analyze && !bypasses_rls() {
                hide_row_counts(&mut plan);
            }
            serde_json::json!({ "sql": p.plan.sql, "parameters": params, "plan": plan })
        }
    }
}

/// Whether Row-Level Security does not apply to the caller (superuser or BYPASSRLS).
fn bypasses_rls() -> bool {
    // SAFETY: privilege checks of the current user; no preconditions.
    unsafe { pg_sys::superuser() || pg_sys::has_bypassrls_privilege(pg_sys::GetUserId()) }
}

/// Removes what EXPLAIN ANALYZE counts of rows the caller cannot see: rows a filter (RLS policies
/// are filters) removed, and the buffers and heap pages read, which grow with them. Tenant A's
/// plan otherwise reports tenant B's row count as "Rows Removed by Filter".
fn hide_row_counts(plan: &mut serde_json::Value) {
    match plan {
        serde_json::Value::Object(m) => {
            m.retain(|k, _| {
                !(k.starts_with("Rows Removed by")
                    || k.ends_with(" Blocks")
                    || k == "Heap Fetches"
                    || k.starts_with("I/O "))
            });
            m.values_mut().for_each(hide_row_counts);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(hide_row_counts),
        _ => {}
    }
}
