//! fraiseql: the PostgreSQL extension shell around `fraiseql-core`. `api/` is the SQL surface;
//! `request/` takes a request through the core's pipeline; `execute/` runs SQL; `schema_store/`
//! keeps schemas; `audit/` writes and verifies the chain; `security/` and `observability/` are what
//! their names say; `settings` and `error` are shared. All GraphQL logic lives in the core crate.
use pgrx::prelude::*;

mod api;
mod audit;
mod error;
mod execute;
mod observability;
mod projection;
mod request;
mod schema_store;
mod security;
mod settings;

::pgrx::pg_module_magic!(name, version);

extension_sql_file!("../sql/bootstrap.sql", name = "bootstrap", bootstrap);

#[pg_guard]
pub extern "C-unwind" fn _PG_init() {
    error::install_panic_hook();
    settings::init();
    schema_store::init();
    audit::init();
    observability::stats::init();
    security::persisted::init();
    projection::init();
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    // `#[pg_schema]` needs an inline module; the tests live in their own file.
    include!("pg_tests.rs");
}

/// Required by `cargo pgrx test`.
#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}

    #[must_use]
    pub fn postgresql_conf_options() -> Vec<&'static str> {
        vec![]
    }
}
