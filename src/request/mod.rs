//! A request's way through the extension: `prepare` (persisted queries, sizes, claims, the active
//! schema, the caches, the core's pipeline, binding), `respond` (running the statement, the response,
//! errors, statistics and the request log), `mutation` (steps in subtransactions, audit entries) and
//! `explain`. The `#[pg_extern]`s that start it are in `api/request.rs`.
mod explain;
mod mutation;
mod prepare;
mod respond;

pub use explain::explain;
pub use respond::respond;

use std::rc::Rc;

use fraiseql_core::response::{code, GqlError};
use fraiseql_core::Plan;

use crate::audit;
use crate::execute::jsonb::RawJsonb;
use crate::settings as gucs;

/// A plan and its bound values for a request, using and filling the per-backend caches.
pub(crate) struct Prepared {
    plan: Rc<Plan>,
    values: Vec<fraiseql_core::ParamValue>,
    field_errors: Vec<GqlError>,
    /// When queries are audited: what the entry records, and the root fields it names.
    audit: Option<(audit::Request, String)>,
}

/// A mutation's steps, each step's bound values (or binding errors), and what the audit chain
/// records about the request.
pub(crate) struct PreparedMutation {
    plan: Rc<fraiseql_core::plan::mutation::MutationPlan>,
    bound: Vec<(Vec<fraiseql_core::ParamValue>, Vec<GqlError>)>,
    audit: audit::Request,
}

pub(crate) enum Request {
    Query(Prepared),
    Mutation(PreparedMutation),
}

/// A GraphQL request as received: the keys of a GraphQL POST body.
pub struct Incoming<'a> {
    query: Option<&'a str>,
    variables: Option<serde_json::Value>,
    operation: Option<&'a str>,
    extensions: Option<serde_json::Value>,
    /// Why `variables` or `extensions` cannot be used (too large, not representable): a request
    /// error, answered before anything else is looked at.
    rejected: Option<GqlError>,
}

impl<'a> Incoming<'a> {
    pub fn from_args(
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
