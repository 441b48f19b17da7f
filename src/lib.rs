//! fraiseql: the PostgreSQL extension shell around `fraiseql-core` — SQL surface, schema storage,
//! catalog reading and SPI execution. All GraphQL logic lives in the core crate.
use pgrx::prelude::*;

mod api;
mod audit;
mod audit_append;
mod cache;
mod catalog;
mod claims;
mod errors;
mod executor;
mod gucs;
mod jsonb;
mod metrics;
mod persisted;
mod relcache;
mod request_log;
mod spi_read;
mod stats;
mod store;

::pgrx::pg_module_magic!(name, version);

extension_sql_file!("../sql/bootstrap.sql", name = "bootstrap", bootstrap);

#[pg_guard]
pub extern "C-unwind" fn _PG_init() {
    errors::install_panic_hook();
    gucs::init();
    store::init();
    audit::init();
    stats::init();
    persisted::init();
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
