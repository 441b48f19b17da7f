//! Loading and reading schemas: `load_schema` (check the SDL, bind it to the catalog, store a new
//! version), `scaffold` (SDL proposed from the database), `sdl` (the stored or the effective SDL).
//! All three are admin functions, revoked from PUBLIC.
use fraiseql_core::Schema;
use pgrx::prelude::*;

use crate::error::Error;
use crate::schema_store::{self as store, catalog};

/// Checks SDL against the database and stores it as the new active version of schema `name`.
#[pg_extern(volatile, parallel_unsafe)]
fn load_schema(sdl: &str, name: default!(&str, "'default'")) -> i64 {
    let mut schema = match Schema::parse(sdl) {
        Ok(s) => s,
        Err(errors) => Error::SchemaRejected(errors).raise(),
    };
    let cat = catalog::describe(&schema.views(), &schema.functions());
    if let Err(errors) = schema.bind(&cat) {
        Error::SchemaRejected(errors).raise();
    }
    for w in catalog::projection_warnings(&cat)
        .into_iter()
        .chain(catalog::rls_warnings(&cat))
    {
        warning!("fraiseql: {w}");
    }
    store::save(name, schema, &cat)
}

/// Proposed SDL for the `v_`/`tv_` relations of a database schema, from their columns and documents.
#[pg_extern(volatile, parallel_unsafe)]
fn scaffold(schema: default!(&str, "'public'")) -> String {
    fraiseql_core::schema::scaffold::scaffold(&catalog::found(schema))
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
        .map(|(schema, _)| fraiseql_core::schema::print::effective_sdl(&schema))
}

extension_sql!(
    r#"
REVOKE ALL ON FUNCTION fraiseql.load_schema(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION fraiseql.scaffold(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION fraiseql.sdl(text, boolean) FROM PUBLIC;
"#,
    name = "schema_admin_surface",
    requires = [load_schema, scaffold, sdl],
);
