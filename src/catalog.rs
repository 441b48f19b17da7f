//! Reads what `load_schema` must know from the system catalogs: each `@view` relation and its columns.
use std::collections::BTreeMap;

use fraiseql_core::{Catalog, Relation};
use pgrx::prelude::*;

/// Resolves every view name (as the SDL wrote it, maybe schema-qualified) with `to_regclass`.
pub fn describe(views: &[&str]) -> Catalog {
    let mut catalog = Catalog::default();
    for &view in views {
        catalog.relations.insert(view.to_string(), relation(view));
    }
    if catalog.relations.values().any(Option::is_none) {
        catalog.candidates = candidates();
    }
    catalog
}

fn relation(view: &str) -> Option<Relation> {
    Spi::connect(|client| {
        let rows = client
            .select(
                "SELECT n.nspname::text, c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod)
                   FROM pg_class c
                   JOIN pg_namespace n ON n.oid = c.relnamespace
                   JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                  WHERE c.oid = to_regclass($1) AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
                  ORDER BY a.attnum",
                None,
                &[view.into()],
            )
            .ok()?;
        let mut rel: Option<Relation> = None;
        for row in rows {
            let schema: String = row.get(1).ok()??;
            let name: String = row.get(2).ok()??;
            let column: String = row.get(3).ok()??;
            let ty: String = row.get(4).ok()??;
            rel.get_or_insert_with(|| Relation { schema, name, columns: BTreeMap::new() }).columns.insert(column, ty);
        }
        rel
    })
}

/// Visible relations with a `data jsonb` column, for "did you mean" hints.
fn candidates() -> Vec<String> {
    Spi::connect(|client| {
        let Ok(rows) = client.select(
            "SELECT c.relname::text FROM pg_class c
               JOIN pg_attribute a ON a.attrelid = c.oid
              WHERE a.attname = 'data' AND a.atttypid = 'jsonb'::regtype
                AND c.relkind IN ('r', 'v', 'm', 'p', 'f') AND pg_table_is_visible(c.oid)
              ORDER BY 1",
            None,
            &[],
        ) else {
            return vec![];
        };
        rows.filter_map(|r| r.get::<String>(1).ok().flatten()).collect()
    })
}
