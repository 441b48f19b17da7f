//! The SQL surface: every `#[pg_extern]` of fraiseql, with its volatility stated.
use fraiseql_core::error::{code, request_error_response, with_field_errors, GqlError};
use fraiseql_core::Schema;
use pgrx::prelude::*;
use pgrx::JsonB;

use std::rc::Rc;

use fraiseql_core::document::OpKind;
use fraiseql_core::Plan;

use crate::jsonb::RawJsonb;
use crate::{audit, cache, catalog, claims, errors, executor, gucs, stats, store};

/// Checks SDL against the database and stores it as the new active version of schema `name`.
#[pg_extern(volatile, parallel_unsafe)]
fn load_schema(sdl: &str, name: default!(&str, "'default'")) -> i64 {
    let mut schema = match Schema::parse(sdl) {
        Ok(s) => s,
        Err(errors) => crate::errors::schema_rejected(&errors),
    };
    let cat = catalog::describe(&schema.views(), &schema.functions());
    if let Err(errors) = schema.bind(&cat) {
        crate::errors::schema_rejected(&errors);
    }
    for w in catalog::rls_warnings(&cat) {
        warning!("fraiseql: {w}");
    }
    store::save(name, schema, &cat)
}

/// Proposed SDL for the `v_`/`tv_` relations of a database schema, from their columns and documents.
#[pg_extern(volatile, parallel_unsafe)]
fn scaffold(schema: default!(&str, "'public'")) -> String {
    fraiseql_core::scaffold::scaffold(&catalog::found(schema))
}

/// The SDL of the active version of schema `name`: as loaded, or (`effective`) the whole schema
/// clients see — with generated arguments and types, without fraiseql's directives.
#[pg_extern(stable, parallel_restricted)]
fn sdl(name: default!(&str, "'default'"), effective: default!(bool, false)) -> Option<String> {
    if !effective {
        return store::sdl(name);
    }
    store::active(name)
        .ok()
        .map(|(schema, _)| fraiseql_core::print::effective_sdl(&schema))
}

/// Answers a GraphQL request; the argument names are the keys of a GraphQL POST body.
#[allow(non_snake_case)]
#[pg_extern(volatile, parallel_unsafe)]
fn execute(
    query: Option<&str>,
    variables: default!(Option<RawJsonb>, "NULL"),
    operationName: default!(Option<&str>, "NULL"),
    extensions: default!(Option<RawJsonb>, "NULL"),
) -> RawJsonb {
    let request = Incoming::from_args(query, variables, operationName, extensions);
    respond(&request, false)
}

/// The same as `execute`, read-only and STABLE: usable on hot standbys and with PostgREST GET.
/// (Parallel restricted: it may set transaction-local settings from JWT claims.)
#[allow(non_snake_case)]
#[pg_extern(stable, parallel_restricted)]
fn query(
    query: Option<&str>,
    variables: default!(Option<RawJsonb>, "NULL"),
    operationName: default!(Option<&str>, "NULL"),
    extensions: default!(Option<RawJsonb>, "NULL"),
) -> RawJsonb {
    let request = Incoming::from_args(query, variables, operationName, extensions);
    respond(&request, true)
}

/// A database error as a GraphQL error: its message and SQLSTATE, or — when errors are masked
/// (`fraiseql.mask_errors`, regulated and restricted profiles) — a reference to the server log, where
/// the message is written instead (it can name tables, columns, constraints and values).
fn database_error(e: &executor::DbError) -> GqlError {
    let code = if e.sqlstate == "42501" {
        code::FORBIDDEN
    } else {
        code::DATABASE
    };
    if gucs::rules().mask_errors {
        let reference = errors::log_reference(&e.sqlstate, &e.message);
        return GqlError::new(
            code,
            format!("The request failed in the database; the server log has the details under reference {reference}."),
        )
        .with_extension("reference", serde_json::Value::String(reference));
    }
    GqlError::new(code, e.message.clone())
        .with_extension("sqlstate", serde_json::Value::String(e.sqlstate.clone()))
}

/// The statement failed as a whole: `data` is null and the error says why.
fn database_error_response(e: &executor::DbError) -> serde_json::Value {
    with_field_errors(serde_json::json!({ "data": null }), &[database_error(e)])
}

/// A plan and its bound values for a request, using and filling the per-backend caches.
struct Prepared {
    plan: Rc<Plan>,
    values: Vec<fraiseql_core::ParamValue>,
    field_errors: Vec<GqlError>,
    /// When queries are audited: what the entry records, and the root fields it names.
    audit: Option<(audit::Request, String)>,
}

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

/// A mutation's steps, each step's bound values (or binding errors), and what the audit chain
/// records about the request.
struct PreparedMutation {
    plan: Rc<fraiseql_core::plan::mutation::MutationPlan>,
    bound: Vec<(Vec<fraiseql_core::ParamValue>, Vec<GqlError>)>,
    audit: audit::Request,
}

enum Request {
    Query(Prepared),
    Mutation(PreparedMutation),
}

/// A GraphQL request as received: the keys of a GraphQL POST body.
struct Incoming<'a> {
    query: Option<&'a str>,
    variables: Option<serde_json::Value>,
    operation: Option<&'a str>,
    extensions: Option<serde_json::Value>,
    /// Why `variables` or `extensions` cannot be used (too large, not representable): a request
    /// error, answered before anything else is looked at.
    rejected: Option<GqlError>,
}

impl<'a> Incoming<'a> {
    fn from_args(
        query: Option<&'a str>,
        variables: Option<RawJsonb>,
        operation: Option<&'a str>,
        extensions: Option<RawJsonb>,
    ) -> Self {
        let mut rejected = None;
        let mut read = |what: &str, value: Option<RawJsonb>| -> Option<serde_json::Value> {
            let value = value?;
            let limit = gucs::max_variables_size();
            let why = if value.size() > limit {
                Err(format!(
                    "they are {} bytes; the limit is {limit} (setting fraiseql.max_variables_size)",
                    value.size()
                ))
            } else {
                value.parse()
            };
            match why {
                Ok(v) => Some(v),
                Err(why) => {
                    rejected.get_or_insert_with(|| {
                        GqlError::new(
                            code::BAD_INPUT,
                            format!("The request's {what} cannot be used: {why}."),
                        )
                    });
                    None
                }
            }
        };
        let variables = read("variables", variables);
        let extensions = read("extensions", extensions);
        Incoming {
            query,
            variables,
            operation,
            extensions,
            rejected,
        }
    }
}

/// A read-only request's plan (for `explain`).
fn prepare(request: &Incoming) -> Result<Prepared, serde_json::Value> {
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
fn prepare_request(
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
    let query = crate::persisted::resolve(
        request.query,
        request.extensions.as_ref(),
        rules.persisted_only,
    )
    .map_err(one)?;
    let query = query.as_str();
    if query.len() > gucs::max_query_size() {
        return Err(one(GqlError::new(
            code::VALIDATION,
            format!(
                "The query is {} bytes; the limit is {} (setting fraiseql.max_query_size).",
                query.len(),
                gucs::max_query_size()
            ),
        )));
    }
    claims::apply();
    let name = gucs::schema_name();
    let (schema, generation) = match store::active(&name) {
        Ok(s) => s,
        Err(store::StoreError::NotLoaded(name)) => {
            return Err(one(GqlError::new(code::NO_SCHEMA, format!("No GraphQL schema named \"{name}\" is loaded: call fraiseql.load_schema(sdl) first."))))
        }
        Err(store::StoreError::Broken(why)) => return Err(one(GqlError::new(code::INTERNAL, why))),
    };
    let limits = gucs::limits();
    // Limits come before validation: a document of thousands of bad fields is refused by counting,
    // not by validating (and suggesting names for) every one of them.
    let (doc, cached_plan, validated) = match cache::lookup(generation, query, operation) {
        Some((doc, plan)) => (doc, plan, true),
        None => {
            let doc = fraiseql_core::parse_document(query).map_err(|e| request_error_response(&e))?;
            (Rc::new(doc), None, false)
        }
    };
    *label = fraiseql_core::document::operation_label(&doc, operation);
    let measure = fraiseql_core::limits::measure(
        &schema,
        &doc,
        variables,
        &limits,
        rules.limits.max_fields + 1,
    );
    if let Some(e) = fraiseql_core::limits::check(&measure, &rules.limits) {
        return Err(one(e));
    }
    if !validated {
        fraiseql_core::validate_document(&schema, &doc).map_err(|e| request_error_response(&e))?;
        cache::store_document(generation, query, doc.clone());
    }
    if !rules.introspection {
        if let Some(at) = fraiseql_core::introspection::used_in(&doc) {
            let why = match gucs::profile() {
                fraiseql_core::profile::Profile::Standard => {
                    "fraiseql.introspection = off".to_string()
                }
                p => format!("fraiseql.security_profile = {}", p.name()),
            };
            return Err(one(GqlError::new(
                code::VALIDATION,
                format!("Introspection is disabled on this server ({why})."),
            )
            .at(at)));
        }
    }
    let (planned, vars) = match cached_plan {
        Some(plan) => {
            let vars = fraiseql_core::coerce_variables(&schema, &doc, operation, variables)
                .map_err(|e| request_error_response(&e))?;
            (plan, vars)
        }
        None => {
            let (planned, vars) = fraiseql_core::plan_request(&schema, &doc, operation, variables)
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
            (plan, vars)
        }
    };
    let plan = match planned {
        cache::CachedPlan::Query(plan) => plan,
        cache::CachedPlan::Mutation(_) if read_only => {
            return Err(one(GqlError::new(
                code::NOT_SUPPORTED,
                "fraiseql.query is read-only: run mutations with fraiseql.execute.",
            )));
        }
        cache::CachedPlan::Mutation(plan) => {
            let bound = plan
                .steps
                .iter()
                .map(|s| fraiseql_core::plan::bind_params(&s.params, &vars, &limits))
                .collect();
            let vars_json = serde_json::Value::Object(vars.into_iter().collect());
            let audit = audit::Request::new(query, plan.operation.as_deref(), vars_json);
            return Ok(Request::Mutation(PreparedMutation { plan, bound, audit }));
        }
    };
    let (values, mut bind_errors) = fraiseql_core::plan::bind(&plan, &vars, &limits);
    let mut field_errors = plan.errors.clone();
    field_errors.append(&mut bind_errors);
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

/// Why mutations cannot run here: a hot standby, or a read-only transaction (`SET TRANSACTION READ
/// ONLY`, `default_transaction_read_only`). Said before anything runs, as a request error.
fn read_only_server() -> Option<GqlError> {
    // SAFETY: reading the recovery state and the transaction's read-only flag has no preconditions.
    let (standby, read_only) = unsafe { (pg_sys::RecoveryInProgress(), pg_sys::XactReadOnly) };
    if standby {
        return Some(GqlError::new(
            code::NOT_SUPPORTED,
            "This server is a hot standby (read-only replica): run mutations on the primary.",
        ));
    }
    read_only.then(|| {
        GqlError::new(
            code::NOT_SUPPORTED,
            "This transaction is read-only: run mutations in a read-write transaction.",
        )
    })
}

/// Runs mutation fields in order, each in its own subtransaction; each executed field is appended to
/// the audit chain in the caller's transaction. A failed field is null with its error; others keep effect.
fn run_mutation(m: PreparedMutation) -> serde_json::Value {
    let mut data = serde_json::Map::new();
    let mut errors: Vec<GqlError> = Vec::new();
    for (step, (values, bind_errors)) in m.plan.steps.iter().zip(m.bound) {
        if !bind_errors.is_empty() {
            data.insert(step.key.clone(), serde_json::Value::Null);
            errors.extend(bind_errors);
            continue;
        }
        let Some(function) = step.function.clone() else {
            let (value, _, _) = executor::run_step(&step.sql, &step.params, &values);
            data.insert(step.key.clone(), value);
            continue;
        };
        let outcome = executor::isolated(|| executor::run_step(&step.sql, &step.params, &values));
        match outcome {
            Ok((value, status, entity_id)) => {
                let status = status.unwrap_or_else(|| "success".to_string());
                audit::record(
                    &m.audit,
                    &step.field,
                    &function,
                    &status,
                    entity_id.as_deref(),
                );
                data.insert(step.key.clone(), value);
            }
            Err(e) => {
                audit::record(
                    &m.audit,
                    &step.field,
                    &function,
                    &format!("exception:{}", e.sqlstate),
                    None,
                );
                let err =
                    database_error(&e).with_path(vec![serde_json::Value::String(step.key.clone())]);
                errors.push(err);
                data.insert(step.key.clone(), serde_json::Value::Null);
            }
        }
    }
    with_field_errors(serde_json::json!({ "data": data }), &errors)
}

/// A Rust panic while answering (a bug in fraiseql, never the client's fault) as a GraphQL error
/// with a reference; the server log gets the panic's message. A Postgres error travelling as a panic
/// (statement_timeout, a cancel, an error outside the statement's subtransaction) goes on unchanged.
fn internal_error_response(payload: Box<dyn std::any::Any + Send>) -> serde_json::Value {
    use pgrx::pg_sys::panic::{CaughtError, ErrorReportWithLevel};
    if payload.is::<CaughtError>()
        || payload.is::<ErrorReportWithLevel>()
        || payload.is::<pgrx::pg_sys::panic::ErrorReport>()
    {
        std::panic::resume_unwind(payload);
    }
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_string());
    let reference = errors::log_reference("XX000", &format!("internal error: {message}"));
    request_error_response(&[GqlError::new(
        code::INTERNAL,
        format!("fraiseql failed internally while answering this request; the server log has the details under reference {reference}."),
    )
    .with_extension("reference", serde_json::Value::String(reference))])
}

/// Under PostgREST (its `request.method` setting is present), the HTTP status of the GraphQL-over-HTTP
/// draft for `application/graphql-response+json`: a request error — a response without `data`
/// (unparseable or invalid document, bad variables, unknown operation, a refused limit) — is 400,
/// through PostgREST's transaction-local `response.status`; anything else stays 200.
fn http_status(response: &RawJsonb, failed: bool) {
    if !failed || gucs::setting(c"request.method").is_none() {
        return;
    }
    if response.to_json().get("data").is_some() {
        return;
    }
    // SAFETY: sets a placeholder setting for the transaction (GUC_ACTION_LOCAL), as set_config(…,
    // true) does; any role may set a custom placeholder.
    unsafe {
        pg_sys::set_config_option(
            c"response.status".as_ptr(),
            c"400".as_ptr(),
            pg_sys::GucContext::PGC_USERSET,
            pg_sys::GucSource::PGC_S_SESSION,
            pg_sys::GucAction::GUC_ACTION_LOCAL,
            true,
            0,
            false,
        );
    }
}

/// Answers a request and counts it in the operation statistics (src/stats.rs).
fn respond(request: &Incoming, read_only: bool) -> RawJsonb {
    let started = std::time::Instant::now();
    let mut label = None;
    let (response, failed) = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        answer(request, read_only, &mut label)
    })) {
        Ok(answered) => answered,
        Err(payload) => (RawJsonb::from_json(internal_error_response(payload)), true),
    };
    let (kind, name) = match label {
        Some((OpKind::Query, name)) => (stats::Kind::Query, name),
        Some((OpKind::Mutation, name)) => (stats::Kind::Mutation, name),
        Some((OpKind::Subscription, name)) => (stats::Kind::Invalid, name),
        None => (stats::Kind::Invalid, String::new()),
    };
    http_status(&response, failed);
    let elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    stats::record(&gucs::schema_name(), kind, &name, failed, elapsed_us);
    crate::request_log::write(&crate::request_log::Finished {
        kind: kind.as_str(),
        operation: &name,
        failed,
        elapsed_us,
    });
    response
}

/// The response, and whether it carries errors.
fn answer(
    request: &Incoming,
    read_only: bool,
    label: &mut Option<(OpKind, String)>,
) -> (RawJsonb, bool) {
    let prepared = match prepare_request(request, read_only, label) {
        Ok(Request::Query(p)) => p,
        Ok(Request::Mutation(m)) => {
            if let Some(e) = read_only_server() {
                return (RawJsonb::from_json(request_error_response(&[e])), true);
            }
            let response = run_mutation(m);
            let failed = response.get("errors").is_some();
            return (RawJsonb::from_json(response), failed);
        }
        Err(response) => return (RawJsonb::from_json(response), true),
    };
    let outcome = executor::run_isolated(&prepared.plan, &prepared.values);
    if let Some((req, fields)) = &prepared.audit {
        let status = match &outcome {
            Ok(_) if prepared.field_errors.is_empty() => "read".to_string(),
            Ok(_) => "read:field_errors".to_string(),
            Err(e) => format!("exception:{}", e.sqlstate),
        };
        audit::record(req, fields, "", &status, None);
    }
    let response = match outcome {
        Ok(r) => r,
        Err(e) => return (RawJsonb::from_json(database_error_response(&e)), true),
    };
    if prepared.field_errors.is_empty() {
        (response, false)
    } else {
        let with_errors = with_field_errors(response.to_json(), &prepared.field_errors);
        (RawJsonb::from_json(with_errors), true)
    }
}

/// The SQL a request compiles to, its parameters, and Postgres's plan for it (`analyze` runs it).
#[allow(non_snake_case)]
#[pg_extern(volatile, parallel_unsafe)]
fn explain(
    query: Option<&str>,
    variables: default!(Option<RawJsonb>, "NULL"),
    operationName: default!(Option<&str>, "NULL"),
    analyze: default!(bool, false),
) -> JsonB {
    let request = Incoming::from_args(query, variables, operationName, None);
    match prepare(&request) {
        Err(response) => JsonB(response),
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
            JsonB(serde_json::json!({ "sql": p.plan.sql, "parameters": params, "plan": plan }))
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

/// Liveness and configuration at a glance: version, active schema, audit signing, caches.
#[pg_extern(volatile, parallel_unsafe)]
fn health() -> JsonB {
    let name = gucs::schema_name();
    let schema = match store::active(&name) {
        Ok((s, _)) => {
            serde_json::json!({ "name": name, "loaded": true, "types": s.types.len(), "mutations": s.mutation().map_or(0, |m| m.fields.len()) })
        }
        Err(_) => serde_json::json!({ "name": name, "loaded": false }),
    };
    let key = audit::signing_key_id();
    let (documents, statements, hits, misses) = cache::stats();
    let rules = gucs::rules();
    JsonB(serde_json::json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "schema": schema,
        "audit": { "signing": if key.is_some() { "on" } else { "off" }, "key_id": key },
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

/// The document, decompressed once: generated SQL reads a row's `data` through this so that a
/// compressed (TOASTed) document is not decompressed again for every field read from it.
#[pg_extern(immutable, strict, parallel_safe)]
fn _detoast(doc: RawJsonb) -> RawJsonb {
    doc
}

/// Quotes an identifier with fraiseql's own rules (exposed so tests compare it with Postgres's).
#[pg_extern(immutable, strict, parallel_safe)]
fn _quote_ident(ident: &str) -> String {
    fraiseql_core::names::quote_ident(ident)
}

#[pg_extern(immutable, parallel_safe)]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

extension_sql!(
    r#"
-- The admin surface: not executable by PUBLIC (docs/security.md lists the grants to give an admin
-- role). What a web role needs — execute, query, health — stays public.
REVOKE ALL ON FUNCTION fraiseql.load_schema(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION fraiseql.explain(text, jsonb, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION fraiseql.scaffold(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION fraiseql.sdl(text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION fraiseql.cache_stats() FROM PUBLIC;
REVOKE ALL ON FUNCTION fraiseql.reset_cache() FROM PUBLIC;
"#,
    name = "admin_surface",
    requires = [
        load_schema,
        explain,
        scaffold,
        sdl,
        cache_stats,
        reset_cache
    ],
);
