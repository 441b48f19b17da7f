//! Reads what `load_schema` must know from the system catalogs: each `@view` relation and its columns.
use std::collections::BTreeMap;

use fraiseql_core::{Catalog, Relation};
use pgrx::prelude::*;

/// Resolves every view name (as the SDL wrote it, maybe schema-qualified) with `to_regclass`.
pub fn describe(views: &[&str], functions: &[&str]) -> Catalog {
    let mut catalog = Catalog::default();
    for &view in views {
        catalog.relations.insert(view.to_string(), relation(view));
    }
    for &f in functions {
        catalog.functions.insert(f.to_string(), function(f));
    }
    if catalog.relations.values().any(Option::is_none) {
        catalog.candidates = candidates();
    }
    catalog
}

/// A mutation function `name(jsonb)` returning `fraiseql.mutation_response` or `jsonb`.
fn function(name: &str) -> Option<fraiseql_core::schema::Function> {
    let row = Spi::get_three_with_args::<String, String, String>(
        "SELECT n.nspname::text, p.proname::text, format_type(p.prorettype, NULL)
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE p.oid = to_regprocedure($1 || '(jsonb)') AND NOT p.proretset",
        &[name.into()],
    )
    .ok()?;
    let (Some(schema), Some(proname), Some(returns)) = row else {
        return None;
    };
    let returns = match returns.as_str() {
        "fraiseql.mutation_response" | "mutation_response" => "mutation_response",
        "jsonb" => "jsonb",
        _ => return None,
    };
    let qualified = format!(
        "{}.{}",
        fraiseql_core::names::quote_ident(&schema),
        fraiseql_core::names::quote_ident(&proname)
    );
    Some(fraiseql_core::schema::Function {
        qualified,
        returns: returns.to_string(),
    })
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
            rel.get_or_insert_with(|| Relation {
                schema,
                name,
                columns: BTreeMap::new(),
            })
            .columns
            .insert(column, ty);
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
        rows.filter_map(|r| r.get::<String>(1).ok().flatten())
            .collect()
    })
}

/// Warnings for views that would silently bypass Row-Level Security: a view without
/// `security_invoker` (the bound view, or any view it reads) reads the tables it names directly as
/// the view's owner, so their RLS policies see the owner, not the caller.
/// A warning for each `tv_` table the schema reads that fraiseql does not maintain: nothing keeps
/// its documents equal to their view, so they go stale as the tables change.
pub fn projection_warnings(catalog: &Catalog) -> Vec<String> {
    let mut out = Vec::new();
    if !projections_recorded() {
        return out;
    }
    for rel in catalog.relations.values().flatten() {
        let qualified = rel.qualified();
        let unmaintained = crate::execute::spi_read::as_extension_owner(|| {
            crate::execute::spi_read::select(
                "SELECT c.relkind = 'r' AND c.relname LIKE 'tv\\_%' \
                        AND NOT EXISTS (SELECT FROM fraiseql.projection p WHERE p.projection = c.oid) \
                   FROM pg_catalog.pg_class c WHERE c.oid = pg_catalog.to_regclass($1)",
                &[crate::execute::spi_read::arg(qualified.as_str())],
                None,
                |rows| rows.get::<bool>(0, 1).unwrap_or(false),
            )
        });
        let shown = format!("{}.{}", rel.schema, rel.name);
        if unmaintained
            && !out
                .iter()
                .any(|w: &String| w.contains(&format!(" {shown},")))
        {
            out.push(format!(
                "the schema reads {shown}, which fraiseql does not maintain: its documents go stale when the tables they come from change; SELECT * FROM fraiseql.create_projection('{shown}', '<its v_ view>') keeps it fresh"
            ));
        }
    }
    out
}

pub fn rls_warnings(catalog: &Catalog) -> Vec<String> {
    let mut out = Vec::new();
    for rel in catalog.relations.values().flatten() {
        let qualified = rel.qualified();
        let tables: Vec<String> = Spi::connect(|client| {
            let Ok(rows) = client.select(
                "WITH RECURSIVE views(oid) AS (
                     SELECT $1::regclass::oid
                     UNION
                     SELECT d.refobjid FROM views
                       JOIN pg_rewrite r ON r.ev_class = views.oid
                       JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
                       JOIN pg_class c ON c.oid = d.refobjid AND c.relkind = 'v'
                      WHERE d.refobjid <> views.oid)
                 SELECT DISTINCT t.oid::regclass::text
                   FROM views
                   JOIN pg_class v ON v.oid = views.oid AND v.relkind = 'v'
                   JOIN pg_rewrite r ON r.ev_class = v.oid
                   JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
                   JOIN pg_class t ON t.oid = d.refobjid AND t.oid <> v.oid AND t.relrowsecurity
                  WHERE NOT coalesce((SELECT option_value::boolean FROM pg_options_to_table(v.reloptions)
                                       WHERE option_name = 'security_invoker'), false)
                  ORDER BY 1",
                None,
                &[qualified.as_str().into()],
            ) else {
                return vec![];
            };
            rows.filter_map(|r| r.get::<String>(1).ok().flatten())
                .collect()
        });
        if !tables.is_empty() {
            out.push(format!(
                "view {qualified} runs as its owner, so the Row-Level Security of {} does not apply to the caller; recreate it WITH (security_invoker = true)",
                tables.join(", ")
            ));
        }
        if let Some(stored) = materialized(&qualified) {
            out.push(format!(
                "{qualified} reads the materialized view {stored}, whose rows were computed by whoever refreshed it: the Row-Level Security of its tables does not apply to the caller (materialized views cannot be security_invoker); filter tenants in the view or read a view instead"
            ));
        }
    }
    out
}

/// The materialized view `qualified` is, or the first one it reads through views.
fn materialized(qualified: &str) -> Option<String> {
    Spi::connect(|client| {
        let rows = client
            .select(
                "WITH RECURSIVE rels(oid) AS (
                     SELECT $1::regclass::oid
                     UNION
                     SELECT d.refobjid FROM rels
                       JOIN pg_class v ON v.oid = rels.oid AND v.relkind = 'v'
                       JOIN pg_rewrite r ON r.ev_class = v.oid
                       JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
                      WHERE d.refobjid <> rels.oid)
                 SELECT c.oid::regclass::text FROM rels JOIN pg_class c ON c.oid = rels.oid AND c.relkind = 'm'
                  ORDER BY 1 LIMIT 1",
                Some(1),
                &[qualified.into()],
            )
            .ok()?;
        rows.first().get_one::<String>().ok().flatten()
    })
}

/// The `v_`/`tv_` relations of `schema` with a `data jsonb` column, their columns and a sample of
/// their documents, for `fraiseql.scaffold`.
pub fn found(schema: &str) -> Vec<fraiseql_core::schema::scaffold::Found> {
    let names: Vec<(String, bool)> = Spi::connect(|client| {
        let Ok(rows) = client.select(
            "SELECT c.relname::text,
                    c.relkind = 'v' AND NOT coalesce((SELECT option_value::boolean FROM pg_options_to_table(c.reloptions)
                                                      WHERE option_name = 'security_invoker'), false)
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = $1 AND c.relkind IN ('r', 'v', 'm', 'p')
                AND (c.relname LIKE 'v\\_%' OR c.relname LIKE 'tv\\_%')
                AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'data'
                               AND a.atttypid = 'jsonb'::regtype AND NOT a.attisdropped)
              ORDER BY 1",
            None,
            &[schema.into()],
        ) else {
            return vec![];
        };
        rows.filter_map(|r| Some((r.get::<String>(1).ok()??, r.get::<bool>(2).ok()??)))
            .collect()
    });
    names
        .into_iter()
        .filter_map(|(name, owner_view)| {
            let qualified = format!(
                "{}.{}",
                fraiseql_core::names::quote_ident(schema),
                fraiseql_core::names::quote_ident(&name)
            );
            let rel = relation(&qualified)?;
            let samples: Vec<serde_json::Value> = Spi::connect(|client| {
                let Ok(rows) = client.select(
                    &format!("SELECT data::text FROM {qualified} LIMIT 20"),
                    None,
                    &[],
                ) else {
                    return vec![];
                };
                rows.filter_map(|r| r.get::<String>(1).ok().flatten())
                    .filter_map(|t| serde_json::from_str(&t).ok())
                    .collect()
            });
            let mut columns = rel.columns;
            columns.remove("data");
            Some(fraiseql_core::schema::scaffold::Found {
                name,
                schema: schema.to_string(),
                columns,
                samples,
                owner_view,
                maintained: maintained(&qualified),
            })
        })
        .collect()
}

/// Whether this version of fraiseql's SQL has `fraiseql.projection` (0.4.0 on; an older one runs
/// with the new library until ALTER EXTENSION fraiseql UPDATE).
fn projections_recorded() -> bool {
    crate::execute::spi_read::select(
        "SELECT pg_catalog.to_regclass('fraiseql.projection') IS NOT NULL",
        &[],
        None,
        |rows| rows.get::<bool>(0, 1).unwrap_or(false),
    )
}

/// Whether relation `qualified` is a projection fraiseql maintains.
fn maintained(qualified: &str) -> bool {
    if !projections_recorded() {
        return false;
    }
    crate::execute::spi_read::as_extension_owner(|| {
        crate::execute::spi_read::select(
            "SELECT EXISTS (SELECT FROM fraiseql.projection WHERE projection = pg_catalog.to_regclass($1))",
            &[crate::execute::spi_read::arg(qualified)],
            None,
            |rows| rows.get::<bool>(0, 1).unwrap_or(false),
        )
    })
}
