//! Functions the generated SQL and the tests call, not for users: `_detoast` (a row's document
//! decompressed once) and `_quote_ident` (fraiseql's quoting, compared with Postgres's in tests).
use pgrx::prelude::*;

use crate::execute::jsonb::RawJsonb;

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
