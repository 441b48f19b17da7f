//! Preparing a request: the document (persisted or sent, within its size), the claims, the active
//! schema, then the core's pipeline — parse, limits, validate, plan — with the per-backend caches
//! around each stage, and the plan bound to the request's variables.
use std::rc::Rc;

use fraiseql_core::document::OpKind;
use fraiseql_core::response::{code, request_error_response, GqlError};
use pgrx::prelude::*;

use crate::execute::plan_cache as cache;
use crate::schema_store as store;
use crate::security::claims;
use crate::{audit, settings as gucs};

use super::{Incoming, Prepared, PreparedMutation, Request};

/// What an audited query's entry records. Entries are written when the transaction commits, so a
/// query can be audited only in a read-write transaction on the primary.
fn audited_query(
    doc: &fraiseql_core::document::Document,
    query: &str,
    operation: Option<&str>,
    vars: std::collections::BTreeMap<String, serde_json::Value>,
    read_only: bool,
) -> Result<(audit::Request, String), GqlError> {
    // SAFETY: reading the transaction's read-only flag and the recovery state has no preconditions.
    let read_only_tx = unsafe { pg_sys::XactReadOnly || pg_sys::RecoveryInProgress() };
    if read_only || read_only_tx {
        return Err(GqlError::new(
            code::NOT_SUPPORTED,
            "Queries are audited on this server (fraiseql.audit_queries, or security_profile regulated/restricted): run them with fraiseql.execute in a read-write transaction on the primary.",
        ));
    }
    let op = fraiseql_core::document::select_operation(doc, operation)?;
    let fields = fraiseql_core::document::root_fields(&op).join(",");
    let vars_json = serde_json::Value::Object(vars.into_iter().collect());
    Ok((audit::Request::new(query, op.name, vars_json), fields))
}

/// A read-only request's plan (for `explain`).
pub(super) fn prepare(request: &Incoming) -> Result<Prepared, serde_json::Value> {
    match prepare_request(request, true, &mut None)? {
        Request::Query(p) => Ok(p),
        Request::Mutation(_) => Err(request_error_response(&[GqlError::new(
            code::NOT_SUPPORTED,
            "explain shows queries only.",
        )])),
    }
}

/// Prepares a request; `label` learns which operation it runs as soon as the document is known (for
/// statistics, also when preparing fails later).
pub(super) fn prepare_request(
    request: &Incoming,
    read_only: bool,
    label: &mut Option<(OpKind, String)>,
) -> Result<Request, serde_json::Value> {
    let one = |e: GqlError| request_error_response(&[e]);
    if let Some(e) = &request.rejected {
        return Err(one(e.clone()));
    }
    let rules = gucs::rules();
    let (variables, operation) = (request.variables.as_ref(), request.operation);
    let query = document_text(request, rules.persisted_only).map_err(one)?;
    let query = query.as_str();
    claims::apply();
    let (schema, generation) = active_schema().map_err(one)?;
    let pages = gucs::page_sizes();
    // The core's pipeline (fraiseql_core::pipeline), stage by stage, with the caches between:
    // limits come before validation, so a document of thousands of bad fields is refused by counting,
    // not by validating (and suggesting names for) every one of them.
    let (doc, cached_plan, validated) = match cache::lookup(generation, query, operation) {
        Some((doc, plan)) => (doc, plan, true),
        None => {
            let doc =
                fraiseql_core::parse_document(query).map_err(|e| request_error_response(&e))?;
            (Rc::new(doc), None, false)
        }
    };
    *label = fraiseql_core::document::operation_label(&doc, operation);
    fraiseql_core::check_limits(&schema, &doc, variables, &pages, &rules.limits).map_err(one)?;
    if !validated {
        fraiseql_core::validate_document(&schema, &doc).map_err(|e| request_error_response(&e))?;
        cache::store_document(generation, query, doc.clone());
    }
    if !rules.introspection {
        introspection_refused(&doc).map_or(Ok(()), |e| Err(one(e)))?;
    }
    let (planned, vars) = plan(&schema, generation, query, &doc, cached_plan, request)?;
    let plan = match planned {
        cache::CachedPlan::Query(plan) => plan,
        cache::CachedPlan::Mutation(_) if read_only => {
            return Err(one(GqlError::new(
                code::NOT_SUPPORTED,
                "fraiseql.query is read-only: run mutations with fraiseql.execute.",
            )));
        }
        cache::CachedPlan::Mutation(plan) => {
            let bound = fraiseql_core::bind_mutation(&plan, &vars, &pages);
            let vars_json = serde_json::Value::Object(vars.into_iter().collect());
            let audit = audit::Request::new(query, plan.operation.as_deref(), vars_json);
            return Ok(Request::Mutation(PreparedMutation { plan, bound, audit }));
        }
    };
    let (values, field_errors) = fraiseql_core::bind_query(&plan, &vars, &pages);
    let audit = if rules.audit_queries {
        Some(audited_query(&doc, query, operation, vars, read_only).map_err(one)?)
    } else {
        None
    };
    Ok(Request::Query(Prepared {
        plan,
        values,
        field_errors,
        audit,
    }))
}

/// The document the request runs (sent, or named by its persisted-query hash), within
/// `fraiseql.max_query_size`.
fn document_text(request: &Incoming, persisted_only: bool) -> Result<String, GqlError> {
    if let Some(e) = &request.rejected {
        return Err(e.clone());
    }
    let query = crate::security::persisted::resolve(
        request.query,
        request.extensions.as_ref(),
        persisted_only,
    )?;
    if query.len() > gucs::max_query_size() {
        return Err(GqlError::new(
            code::VALIDATION,
            format!(
                "The query is {} bytes; the limit is {} (setting fraiseql.max_query_size).",
                query.len(),
                gucs::max_query_size()
            ),
        ));
    }
    Ok(query)
}

/// The active version of the schema `fraiseql.schema` names, and its generation.
fn active_schema() -> Result<(Rc<fraiseql_core::Schema>, u64), GqlError> {
    let name = gucs::schema_name();
    store::active(&name).map_err(|e| match e {
        store::StoreError::NotLoaded(name) => GqlError::new(code::NO_SCHEMA, format!("No GraphQL schema named \"{name}\" is loaded: call fraiseql.load_schema(sdl) first.")),
        store::StoreError::Broken(why) => GqlError::new(code::INTERNAL, why),
    })
}

/// The request error for a document that selects `__schema` or `__type` where introspection is off.
fn introspection_refused(doc: &fraiseql_core::document::Document) -> Option<GqlError> {
    let at = fraiseql_core::document::introspection_used(doc)?;
    let why = match gucs::profile() {
        fraiseql_core::profile::Profile::Standard => "fraiseql.introspection = off".to_string(),
        p => format!("fraiseql.security_profile = {}", p.name()),
    };
    Some(
        GqlError::new(
            code::VALIDATION,
            format!("Introspection is disabled on this server ({why})."),
        )
        .at(at),
    )
}

/// Stage 4 with the plan cache: the cached plan with freshly coerced variables, or a new plan
/// (stored when it can be reused: it read no variable values and found no field errors).
fn plan(
    schema: &fraiseql_core::Schema,
    generation: u64,
    query: &str,
    doc: &fraiseql_core::document::Document,
    cached: Option<cache::CachedPlan>,
    request: &Incoming,
) -> Result<
    (
        cache::CachedPlan,
        fraiseql_core::request::variables::Variables,
    ),
    serde_json::Value,
> {
    let (operation, variables) = (request.operation, request.variables.as_ref());
    if let Some(plan) = cached {
        let vars = fraiseql_core::coerce_variables(schema, doc, operation, variables)
            .map_err(|e| request_error_response(&e))?;
        return Ok((plan, vars));
    }
    let (planned, vars) = fraiseql_core::plan_request(schema, doc, operation, variables)
        .map_err(|e| request_error_response(&e))?;
    let (plan, reusable) = match planned {
        fraiseql_core::Planned::Query(plan) => {
            let reusable = !plan.dynamic && plan.errors.is_empty();
            (cache::CachedPlan::Query(Rc::new(plan)), reusable)
        }
        fraiseql_core::Planned::Mutation(plan) => {
            let reusable = !plan.dynamic;
            (cache::CachedPlan::Mutation(Rc::new(plan)), reusable)
        }
    };
    if reusable {
        cache::store_plan(generation, query, operation, plan.clone());
    }
    Ok((plan, vars))
}
