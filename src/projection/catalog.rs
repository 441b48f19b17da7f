//! What a projection watches, read from the catalogs, and its registration: the view's base tables
//! (through nested views, from `pg_depend`), the joins that lead from each to the view's root (from
//! `analyze`), the projection table itself (created or checked), the rows in `fraiseql.projection`,
//! and the triggers on every base table.
use fraiseql_core::names::{quote_ident, quote_literal};
use fraiseql_core::projection::{distinct_keys, Projection};
use pgrx::prelude::*;

use super::Meta;
use crate::error::Error;
use crate::execute::spi_read::{self, arg};

fn invalid(message: String) -> ! {
    Error::InvalidParameter(format!("fraiseql: {message}")).raise()
}

/// Reads the projection whose table is `name` (qualified) from `fraiseql.projection`.
pub fn load(name: &str) -> Option<Meta> {
    spi_read::as_extension_owner(|| {
        let head = spi_read::select(
            "SELECT p.projection::oid, c.relowner, \
                    format('%I.%I', n.nspname, c.relname), format('%I.%I', vn.nspname, v.relname), \
                    quote_ident(p.key), format_type(a.atttypid, a.atttypmod), \
                    (SELECT coalesce(array_agg(quote_ident(x) ORDER BY i), '{}') FROM unnest(p.columns) WITH ORDINALITY u(x, i)) \
               FROM fraiseql.projection p \
               JOIN pg_class c ON c.oid = p.projection JOIN pg_namespace n ON n.oid = c.relnamespace \
               JOIN pg_class v ON v.oid = p.source JOIN pg_namespace vn ON vn.oid = v.relnamespace \
               JOIN pg_attribute a ON a.attrelid = p.source AND a.attname = p.key \
              WHERE p.projection = to_regclass($1)",
            &[arg(name)],
            None,
            |rows| {
                (rows.len() == 1).then(|| {
                    (
                        rows.get::<pg_sys::Oid>(0, 1).unwrap_or_default(),
                        rows.get::<pg_sys::Oid>(0, 2).unwrap_or_default(),
                        Projection {
                            table: rows.get::<String>(0, 3).unwrap_or_default(),
                            view: rows.get::<String>(0, 4).unwrap_or_default(),
                            key: rows.get::<String>(0, 5).unwrap_or_default(),
                            key_type: rows.get::<String>(0, 6).unwrap_or_default(),
                            columns: rows.get::<Vec<String>>(0, 7).unwrap_or_default(),
                        },
                    )
                })
            },
        )?;
        let (oid, owner, sql) = head;
        let sources = spi_read::select(
            "SELECT base::oid, keys_sql FROM fraiseql.projection_source WHERE projection = $1::oid",
            &[arg(oid)],
            None,
            |rows| {
                (0..rows.len())
                    .map(|i| {
                        (
                            rows.get::<pg_sys::Oid>(i, 1).unwrap_or_default(),
                            rows.get::<String>(i, 2).unwrap_or_default(),
                        )
                    })
                    .collect::<Vec<_>>()
            },
        );
        Some(Meta::new(oid, owner, sql, sources))
    })
}

/// Whether relation `name` exists.
pub fn exists(name: &str) -> bool {
    spi_read::select(
        "SELECT pg_catalog.to_regclass($1) IS NOT NULL",
        &[arg(name)],
        None,
        |rows| rows.get::<bool>(0, 1).unwrap_or(false),
    )
}

/// A relation's quoted, qualified name and its kind.
fn relation(oid: pg_sys::Oid) -> Option<(String, char)> {
    Spi::connect(|c| {
        let rows = c
            .select(
                "SELECT format('%I.%I', n.nspname, c.relname), c.relkind::text FROM pg_catalog.pg_class c \
                 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1",
                None,
                &[oid.into()],
            )
            .ok()?;
        let row = rows.first();
        let name = row.get::<String>(1).ok()??;
        let kind = row.get::<String>(2).ok()??;
        Some((name, kind.chars().next().unwrap_or(' ')))
    })
}

/// `(name, type, type oid)` of a relation's columns.
fn columns(oid: pg_sys::Oid) -> Vec<(String, String, pg_sys::Oid)> {
    Spi::connect(|c| {
        c.select(
            "SELECT attname::text, format_type(atttypid, atttypmod), atttypid FROM pg_catalog.pg_attribute \
             WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            None,
            &[oid.into()],
        )
        .map(|rows| {
            rows.map(|r| {
                (
                    r.get::<String>(1).ok().flatten().unwrap_or_default(),
                    r.get::<String>(2).ok().flatten().unwrap_or_default(),
                    r.get::<pg_sys::Oid>(3).ok().flatten().unwrap_or_default(),
                )
            })
            .collect()
        })
        .unwrap_or_default()
    })
}

/// Every relation the view reads, through nested views: `(oid, qualified name, kind)`.
fn read_relations(view: pg_sys::Oid) -> Vec<(pg_sys::Oid, String, char)> {
    Spi::connect(|c| {
        c.select(
            "WITH RECURSIVE rels(oid) AS ( \
               SELECT $1::oid \
               UNION \
               SELECT d.refobjid FROM rels r \
                 JOIN pg_catalog.pg_rewrite w ON w.ev_class = r.oid \
                 JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = w.oid \
                  AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid <> r.oid) \
             SELECT c.oid, format('%I.%I', n.nspname, c.relname), c.relkind::text \
               FROM rels JOIN pg_catalog.pg_class c ON c.oid = rels.oid \
               JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
              WHERE rels.oid <> $1 ORDER BY 2",
            None,
            &[view.into()],
        )
        .map(|rows| {
            rows.map(|r| {
                (
                    r.get::<pg_sys::Oid>(1).ok().flatten().unwrap_or_default(),
                    r.get::<String>(2).ok().flatten().unwrap_or_default(),
                    r.get::<String>(3)
                        .ok()
                        .flatten()
                        .and_then(|k| k.chars().next())
                        .unwrap_or(' '),
                )
            })
            .collect()
        })
        .unwrap_or_default()
    })
}

fn run(sql: &str) {
    Spi::run(sql).unwrap_or_else(|e| Error::Internal(format!("{sql}: {e}")).raise());
}

/// The trigger names of projection table `relname` (at most 63 bytes each), quoted for SQL.
fn trigger_names(relname: &str) -> [String; 5] {
    let mut base: String = format!("fraiseql_{relname}");
    while base.len() > 56 {
        base.pop();
    }
    ["ins", "upd", "del", "trunc", "flush"].map(|s| quote_ident(&format!("{base}_{s}")))
}

/// How the keys one base table affects are found: inferred paths or the caller's mapping.
struct Watch {
    oid: pg_sys::Oid,
    name: String,
    keys_sql: String,
    via: Vec<String>,
    explicit: bool,
}

/// `fraiseql.create_projection`: creates (or adopts) the table, records it, fills it and installs
/// its maintenance. Returns what each base table is watched by.
pub fn create(
    name: &str,
    source: pg_sys::Oid,
    copied: &[String],
    mappings: Option<&serde_json::Value>,
) -> Vec<(String, String)> {
    let (view_name, kind) =
        relation(source).unwrap_or_else(|| invalid(format!("relation {source:?} does not exist")));
    if kind != 'v' {
        invalid(format!(
            "{view_name} is not a view: a projection copies a v_ view (its id and data columns)"
        ));
    }
    let view_cols = columns(source);
    let col_type = |c: &str| view_cols.iter().find(|v| v.0 == c).map(|v| v.1.clone());
    let key_type = col_type("id").unwrap_or_else(|| {
        invalid(format!(
            "view {view_name} has no id column; a projection is keyed by it"
        ))
    });
    if !view_cols
        .iter()
        .any(|v| v.0 == "data" && v.2 == pg_sys::JSONBOID)
    {
        invalid(format!("view {view_name} has no data column of type jsonb"));
    }
    for c in copied {
        if c == "id" || c == "data" {
            invalid(format!("columns lists {c}, which every projection has already; list only the other columns to copy"));
        }
        if col_type(c).is_none() {
            invalid(format!("view {view_name} has no column {c} to copy"));
        }
    }
    let mappings = match mappings {
        None | Some(serde_json::Value::Null) => serde_json::Map::new(),
        Some(serde_json::Value::Object(m)) => m.clone(),
        Some(_) => invalid(
            "mappings must be a JSON object: {\"table\": \"SELECT … FROM changed …\"}".into(),
        ),
    };

    // The projection table: adopted when it exists, created otherwise.
    let parts: Vec<String> =
        Spi::get_one_with_args::<Vec<String>>("SELECT pg_catalog.parse_ident($1)", &[name.into()])
            .ok()
            .flatten()
            .unwrap_or_default();
    let table = match parts.as_slice() {
        [t] => {
            let schema = view_name.split('.').next().unwrap_or("public").to_string();
            format!("{schema}.{}", quote_ident(t))
        }
        [s, t] => format!("{}.{}", quote_ident(s), quote_ident(t)),
        _ => invalid(format!(
            "{name:?} is not a table name (table or schema.table)"
        )),
    };
    let relname = parts.last().cloned().unwrap_or_default();
    let existing: Option<pg_sys::Oid> = Spi::get_one_with_args(
        "SELECT pg_catalog.to_regclass($1)::oid",
        &[table.clone().into()],
    )
    .ok()
    .flatten();
    match existing {
        Some(oid) => adopt(oid, &table, &key_type, copied, &col_type),
        None => {
            let mut cols = vec![format!("id {key_type} PRIMARY KEY")];
            for c in copied {
                cols.push(format!(
                    "{} {}",
                    quote_ident(c),
                    col_type(c).unwrap_or_default()
                ));
            }
            cols.push(format!("data jsonb{} NOT NULL", document_compression()));
            run(&format!("CREATE TABLE {table} ({})", cols.join(", ")));
        }
    }
    let oid: pg_sys::Oid = Spi::get_one_with_args(
        "SELECT pg_catalog.to_regclass($1)::oid",
        &[table.clone().into()],
    )
    .ok()
    .flatten()
    .unwrap_or_else(|| invalid(format!("{table} could not be created")));

    // What to watch.
    let mut bases: Vec<(pg_sys::Oid, String)> = Vec::new();
    for (rel, rel_name, kind) in read_relations(source) {
        match kind {
            'r' | 'p' => bases.push((rel, rel_name)),
            'v' => {}
            'm' => invalid(format!("{view_name} reads the materialized view {rel_name}, whose refreshes no trigger reports; project from its tables instead")),
            _ => invalid(format!("{view_name} reads {rel_name} (relkind {kind}), whose changes a projection cannot see")),
        }
    }
    let mut explicit: Vec<(pg_sys::Oid, String, String)> = Vec::new();
    for (table_name, sql) in &mappings {
        let sql = sql.as_str().unwrap_or_else(|| {
            invalid(format!(
                "the mapping for {table_name} must be an SQL query (a string)"
            ))
        });
        let rel: Option<pg_sys::Oid> = Spi::get_one_with_args(
            "SELECT pg_catalog.to_regclass($1)::oid",
            &[table_name.clone().into()],
        )
        .ok()
        .flatten();
        let rel = rel.unwrap_or_else(|| {
            invalid(format!("mappings names {table_name}, which is not a table"))
        });
        let (qualified, kind) = relation(rel).unwrap_or_default();
        if kind != 'r' && kind != 'p' {
            invalid(format!("mappings names {qualified}, which is not a table"));
        }
        if !bases.iter().any(|b| b.0 == rel) {
            // A table the view reads through a function: pg_depend does not show it.
            bases.push((rel, qualified.clone()));
        }
        explicit.push((rel, qualified, sql.to_string()));
    }
    let analysis = super::analyze::analyze(source);
    let graph = &analysis.graph;
    let mut watches = Vec::new();
    let mut lookups: Vec<(pg_sys::Oid, String, Vec<String>, String)> = Vec::new();
    for (rel, rel_name) in &bases {
        if let Some((_, _, sql)) = explicit.iter().find(|e| e.0 == *rel) {
            watches.push(Watch {
                oid: *rel,
                name: rel_name.clone(),
                keys_sql: distinct_keys(sql),
                via: vec![format!("mapping: {sql}")],
                explicit: true,
            });
            continue;
        }
        let hint = format!(
            "fraiseql does not guess: say which ids its changed rows affect with mappings => '{{\"{rel_name}\": \"SELECT … FROM changed …\"}}'"
        );
        let Some((root, root_col)) = &analysis.root else {
            invalid(format!(
                "the id column of {view_name} is not a column of one of its tables, so the ids a change affects cannot be followed from it; {hint}"
            ))
        };
        let occurrences: Vec<usize> = (0..analysis.occurrences.len())
            .filter(|o| analysis.occurrences[*o].rel == *rel && analysis.canonical[*o] == *o)
            .collect();
        if occurrences.is_empty() {
            invalid(format!(
                "{view_name} reads {rel_name} where fraiseql cannot follow it (in a WITH query, a function or a set-returning call); {hint}"
            ));
        }
        let mut paths = Vec::new();
        for o in occurrences {
            let found = graph.paths(o, *root);
            if found.is_empty() {
                invalid(format!(
                    "{view_name} reads {rel_name}, but no chain of equality joins (of at most {} joins, AND-ed in a WHERE or JOIN … ON) leads from it to {}.{root_col}, where the view's id comes from; {hint}",
                    fraiseql_core::projection::MAX_HOPS,
                    graph.tables[*root],
                ));
            }
            paths.extend(found.into_iter().map(|p| (o, p)));
        }
        for (_, p) in &paths {
            for (o, cols) in graph.lookups(p) {
                lookups.push((
                    analysis.occurrences[o].rel,
                    graph.tables[o].clone(),
                    cols,
                    rel_name.clone(),
                ));
            }
        }
        let mut via: Vec<String> = Vec::new();
        for (o, p) in &paths {
            let d = graph.describe(*o, p);
            if !via.contains(&d) {
                via.push(d);
            }
        }
        watches.push(Watch {
            oid: *rel,
            name: rel_name.clone(),
            keys_sql: graph.keys_sql(&paths, root_col),
            via,
            explicit: false,
        });
    }
    unindexed(&lookups);
    if watches.is_empty() {
        invalid(format!(
            "{view_name} reads no table: there is nothing to maintain"
        ));
    }

    // Each keys query is checked now (a mapping's mistakes surface here, not at the first write).
    for w in &watches {
        let check = format!(
            "WITH changed AS (SELECT * FROM {} LIMIT 0) {}",
            w.name, w.keys_sql
        );
        let ran = crate::execute::statement::isolated(|| {
            Spi::connect(|c| c.select(check.as_str(), None, &[]).map(|_| ()))
        });
        let failed = match ran {
            Err(e) => Some(e.message),
            Ok(Err(e)) => Some(e.to_string()),
            Ok(Ok(())) => None,
        };
        if let Some(message) = failed {
            if w.explicit {
                invalid(format!(
                    "the mapping for {} does not run: {message}",
                    w.name
                ));
            }
            Error::Internal(format!(
                "the keys query inferred for {} does not run ({message}): {}; give a mapping for it",
                w.name, w.keys_sql
            ))
            .raise();
        }
    }

    // Recorded with the extension's rights (its tables are not writable by others).
    let copied_list = copied.to_vec();
    let creator = crate::settings::current_role();
    spi_read::as_extension_owner(|| {
        Spi::run_with_args(
            "INSERT INTO fraiseql.projection (projection, source, key, columns, created_by) VALUES ($1::oid::regclass, $2::oid::regclass, 'id', $3, $4)",
            &[oid.into(), source.into(), copied_list.into(), creator.into()],
        )
        .unwrap_or_else(|e| invalid(format!("{table} could not be recorded: {e}")));
        for w in &watches {
            Spi::run_with_args(
                "INSERT INTO fraiseql.projection_source (projection, base, keys_sql, via, explicit) VALUES ($1::oid::regclass, $2::oid::regclass, $3, $4, $5)",
                &[oid.into(), w.oid.into(), w.keys_sql.clone().into(), w.via.clone().into(), w.explicit.into()],
            )
            .unwrap_or_else(|e| invalid(format!("{table} could not be recorded: {e}")));
        }
    });

    // Filled once, then the triggers.
    let meta = Meta::new(
        oid,
        owner_of(oid),
        Projection {
            table: table.clone(),
            view: view_name.clone(),
            key: "id".into(),
            key_type,
            columns: copied.iter().map(|c| quote_ident(c)).collect(),
        },
        watches
            .iter()
            .map(|w| (w.oid, w.keys_sql.clone()))
            .collect(),
    );
    super::reproject(&meta, true, Vec::new());
    let names = trigger_names(&relname);
    let arg = quote_literal(&table);
    for w in &watches {
        let on = &w.name;
        let capture = format!("EXECUTE FUNCTION fraiseql._projection_capture({arg})");
        run(&format!("CREATE TRIGGER {} AFTER INSERT ON {on} REFERENCING NEW TABLE AS fraiseql_new FOR EACH STATEMENT {capture}", names[0]));
        run(&format!("CREATE TRIGGER {} AFTER UPDATE ON {on} REFERENCING OLD TABLE AS fraiseql_old NEW TABLE AS fraiseql_new FOR EACH STATEMENT {capture}", names[1]));
        run(&format!("CREATE TRIGGER {} AFTER DELETE ON {on} REFERENCING OLD TABLE AS fraiseql_old FOR EACH STATEMENT {capture}", names[2]));
        run(&format!(
            "CREATE TRIGGER {} AFTER TRUNCATE ON {on} FOR EACH STATEMENT {capture}",
            names[3]
        ));
        run(&format!("CREATE CONSTRAINT TRIGGER {} AFTER INSERT OR UPDATE OR DELETE ON {on} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (fraiseql._projection_arm()) EXECUTE FUNCTION fraiseql._projection_flush()", names[4]));
    }
    super::forget();
    watches
        .iter()
        .flat_map(|w| w.via.iter().map(|v| (w.name.clone(), v.clone())))
        .collect()
}

/// A NOTICE for each join of a keys query that no index serves: each change to the watched table
/// would scan the joined one (the demo's tb_comment(fk_user), for renames of tb_user).
fn unindexed(lookups: &[(pg_sys::Oid, String, Vec<String>, String)]) {
    let mut told: Vec<(pg_sys::Oid, Vec<String>)> = Vec::new();
    for (rel, name, cols, changed) in lookups {
        if told.iter().any(|t| t.0 == *rel && t.1 == *cols) {
            continue;
        }
        told.push((*rel, cols.clone()));
        let indexed = Spi::get_one_with_args::<bool>(
            "SELECT EXISTS (SELECT FROM pg_catalog.pg_index i WHERE i.indrelid = $1 AND i.indpred IS NULL \
               AND (SELECT array_agg(a.attname::text ORDER BY k.i) FROM unnest((pg_catalog.string_to_array(i.indkey::text, ' ')::int2[])[1:pg_catalog.cardinality($2::text[])]) WITH ORDINALITY k(n, i) \
                    JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n) @> $2::text[])",
            &[(*rel).into(), cols.clone().into()],
        )
        .ok()
        .flatten()
        .unwrap_or(true);
        if !indexed {
            let plain = |c: &str| {
                c.chars()
                    .next()
                    .is_some_and(|f| f.is_ascii_lowercase() || f == '_')
                    && c.chars()
                        .all(|x| x.is_ascii_lowercase() || x.is_ascii_digit() || x == '_')
            };
            let list: Vec<String> = cols
                .iter()
                .map(|c| if plain(c) { c.clone() } else { quote_ident(c) })
                .collect();
            notice!(
                "fraiseql: every change to {changed} looks up {name} by ({}), which no index leads with: each such write will scan {name}; CREATE INDEX ON {name} ({}) keeps it a lookup",
                cols.join(", "),
                list.join(", ")
            );
        }
    }
}

fn owner_of(oid: pg_sys::Oid) -> pg_sys::Oid {
    Spi::get_one_with_args::<pg_sys::Oid>(
        "SELECT relowner FROM pg_catalog.pg_class WHERE oid = $1",
        &[oid.into()],
    )
    .ok()
    .flatten()
    .unwrap_or_default()
}

/// Checks that an existing table can be the projection: a table the caller owns, with the key
/// (unique on its own), the copied columns and `data jsonb`, and not a projection already.
fn adopt(
    oid: pg_sys::Oid,
    table: &str,
    key_type: &str,
    copied: &[String],
    view_type: &dyn Fn(&str) -> Option<String>,
) {
    let (_, kind) = relation(oid).unwrap_or_default();
    if kind != 'r' {
        invalid(format!("{table} exists and is not a table"));
    }
    let owned = Spi::get_one_with_args::<bool>(
        "SELECT pg_catalog.pg_has_role(relowner, 'USAGE') FROM pg_catalog.pg_class WHERE oid = $1",
        &[oid.into()],
    )
    .ok()
    .flatten()
    .unwrap_or(false);
    if !owned {
        Error::InsufficientPrivilege(format!(
            "fraiseql: {table} belongs to another role; only its owner may make it a projection"
        ))
        .raise();
    }
    let known = spi_read::as_extension_owner(|| {
        spi_read::select(
            "SELECT count(*)::int FROM fraiseql.projection WHERE projection = $1::oid",
            &[arg(oid)],
            None,
            |rows| rows.get::<i32>(0, 1).unwrap_or(0),
        )
    });
    if known > 0 {
        invalid(format!("{table} is a projection already; fraiseql.drop_projection({}, keep_table => true) first to change it", quote_literal(table)));
    }
    let cols = columns(oid);
    let has = |c: &str| cols.iter().find(|x| x.0 == c).map(|x| x.1.clone());
    match has("id") {
        Some(t) if t == key_type => {}
        Some(t) => invalid(format!("{table}.id is {t}, the view's id is {key_type}")),
        None => invalid(format!("{table} has no id column")),
    }
    if has("data").as_deref() != Some("jsonb") {
        invalid(format!("{table} has no data column of type jsonb"));
    }
    for c in copied {
        match (has(c), view_type(c)) {
            (None, _) => invalid(format!("{table} has no column {c} to copy into")),
            (Some(t), Some(v)) if t != v => {
                invalid(format!("{table}.{c} is {t}, the view's {c} is {v}"))
            }
            _ => {}
        }
    }
    let unique = Spi::get_one_with_args::<bool>(
        "SELECT EXISTS (SELECT FROM pg_catalog.pg_index i JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] \
          WHERE i.indrelid = $1 AND i.indisunique AND i.indnkeyatts = 1 AND i.indpred IS NULL AND i.indexprs IS NULL AND a.attname = 'id')",
        &[oid.into()],
    )
    .ok()
    .flatten()
    .unwrap_or(false);
    if !unique {
        invalid(format!("{table}.id has no unique index or primary key of its own, which re-projection needs (ON CONFLICT (id))"));
    }
}

/// The base tables of a projection, for dropping its triggers.
fn bases(oid: pg_sys::Oid) -> Vec<String> {
    spi_read::as_extension_owner(|| {
        spi_read::select(
            "SELECT format('%I.%I', n.nspname, c.relname) FROM fraiseql.projection_source s \
               JOIN pg_class c ON c.oid = s.base JOIN pg_namespace n ON n.oid = c.relnamespace \
              WHERE s.projection = $1::oid ORDER BY 1",
            &[arg(oid)],
            None,
            |rows| {
                (0..rows.len())
                    .filter_map(|i| rows.get::<String>(i, 1))
                    .collect()
            },
        )
    })
}

/// How a new projection's documents are compressed: ` COMPRESSION lz4` when this server was built
/// with lz4, which compresses a document several times faster than the default pglz (each write
/// re-projects and so recompresses whole documents: one comment insert on the bench data took 2.67×
/// the bare insert with lz4 against 2.94–2.99× with pglz); nothing otherwise (the server's default).
fn document_compression() -> &'static str {
    let lz4 = Spi::get_one::<bool>(
        "SELECT 'lz4' = ANY (enumvals) FROM pg_catalog.pg_settings WHERE name = 'default_toast_compression'",
    )
    .ok()
    .flatten()
    .unwrap_or(false);
    if lz4 {
        " COMPRESSION lz4"
    } else {
        ""
    }
}

/// The projection called `name` (as the caller would write it), or an error naming the problem.
pub fn find(name: &str) -> std::rc::Rc<Meta> {
    let qualified: Option<String> = Spi::get_one_with_args(
        "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = pg_catalog.to_regclass($1)",
        &[name.into()],
    )
    .ok()
    .flatten();
    qualified
        .and_then(|q| super::cached(&q))
        .unwrap_or_else(|| {
            invalid(format!(
                "{name} is not a projection (fraiseql.projection lists them)"
            ))
        })
}

/// `fraiseql.drop_projection`: removes the triggers and the record, and the table unless kept.
pub fn drop(name: &str, keep_table: bool) {
    let meta = find(name);
    let owned = Spi::get_one_with_args::<bool>(
        "SELECT pg_catalog.pg_has_role($1, 'USAGE')",
        &[meta.owner.into()],
    )
    .ok()
    .flatten()
    .unwrap_or(false);
    if !owned {
        Error::InsufficientPrivilege(format!(
            "fraiseql: only the owner of {} may drop the projection",
            meta.sql.table
        ))
        .raise();
    }
    let relname = Spi::get_one_with_args::<String>(
        "SELECT relname::text FROM pg_catalog.pg_class WHERE oid = $1",
        &[meta.oid.into()],
    )
    .ok()
    .flatten()
    .unwrap_or_default();
    for base in bases(meta.oid) {
        for t in trigger_names(&relname) {
            run(&format!("DROP TRIGGER IF EXISTS {t} ON {base}"));
        }
    }
    spi_read::as_extension_owner(|| {
        Spi::run_with_args(
            "DELETE FROM fraiseql.projection WHERE projection = $1::oid::regclass",
            &[meta.oid.into()],
        )
        .unwrap_or_else(|e| Error::Internal(format!("forgetting {}: {e}", meta.sql.table)).raise());
    });
    if !keep_table {
        run(&format!("DROP TABLE {}", meta.sql.table));
    }
    super::forget();
}

/// `fraiseql.verify_projection`: the keys whose rows differ between the view and the table.
pub fn verify(name: &str) -> Vec<(String, String)> {
    let meta = find(name);
    super::as_owner(&meta, || {
        Spi::connect(|c| {
            c.select(meta.sql.verify_sql().as_str(), None, &[])
                .map(|rows| {
                    rows.map(|r| {
                        (
                            r.get::<String>(1).ok().flatten().unwrap_or_default(),
                            r.get::<String>(2).ok().flatten().unwrap_or_default(),
                        )
                    })
                    .collect()
                })
                .unwrap_or_else(|e| {
                    Error::Internal(format!("verifying {}: {e}", meta.sql.table)).raise()
                })
        })
    })
}
