//! The SQL surface: every `#[pg_extern]` and `#[pg_trigger]` of fraiseql, one file per topic, each
//! thin — the work is done in `request/`, `schema_store/`, `audit/`, `security/` and
//! `observability/`, `projection/`. Each function states its volatility and parallel safety, and each file the
//! grants and revokes of its functions (docs/security.md lists who may call what).
mod audit;
mod internal;
mod observability;
mod persisted;
mod projection;
mod request;
mod schema;
