//! The versioned schema table `fraiseql.schema_version` and the per-backend cache of the active
//! schema. A backend is single-threaded, so the cache is a `thread_local!`; `load_schema` sends a
//! relcache invalidation on the table so every other backend drops its copy at its next transaction.
//! `catalog` reads the database facts a schema is bound to; `relcache` is the invalidation machinery
//! this cache shares with the audit key and allow-list caches.
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use fraiseql_core::{Catalog, Schema};
use pgrx::prelude::*;

pub mod catalog;
pub mod relcache;

struct Active {
    name: String,
    schema: Rc<Schema>,
    generation: u64,
}

thread_local! {
    static ACTIVE: RefCell<Option<Active>> = const { RefCell::new(None) };
    static STALE: Cell<bool> = const { Cell::new(true) };
    static TABLE_OID: Cell<pg_sys::Oid> = const { Cell::new(pg_sys::InvalidOid) };
    static GENERATION: Cell<u64> = const { Cell::new(0) };
}

fn next_generation() -> u64 {
    GENERATION.with(|g| {
        g.set(g.get() + 1);
        g.get()
    })
}

#[pg_guard]
unsafe extern "C-unwind" fn on_relcache_invalidation(_arg: pg_sys::Datum, relid: pg_sys::Oid) {
    // Must not touch the catalogs here: only mark the cache stale.
    if crate::schema_store::relcache::concerns(relid, &TABLE_OID) {
        STALE.with(|s| s.set(true));
    }
}

/// Registers the invalidation callback; called once per backend from `_PG_init`.
pub fn init() {
    crate::schema_store::relcache::register(on_relcache_invalidation);
}

fn table_oid() -> pg_sys::Oid {
    crate::schema_store::relcache::cached_oid(&TABLE_OID, c"schema_version")
}

/// Why no schema could be used.
pub enum StoreError {
    NotLoaded(String),
    Broken(String),
}

/// The active (latest) schema version of `name`, from the cache when nothing changed, with a
/// generation number that changes whenever the cached schema is replaced (caches key on it).
pub fn active(name: &str) -> Result<(Rc<Schema>, u64), StoreError> {
    let fresh = !STALE.with(Cell::get);
    if fresh {
        if let Some(s) = ACTIVE.with(|a| {
            a.borrow()
                .as_ref()
                .filter(|a| a.name == name)
                .map(|a| (a.schema.clone(), a.generation))
        }) {
            return Ok(s);
        }
    }
    table_oid();
    STALE.with(|s| s.set(false));
    // Read-only (a standby answers reads too), with the caller's snapshot and the extension's
    // rights (the schema table is not readable by web roles: its SDL is the admin's).
    let row = crate::execute::spi_read::as_extension_owner(|| {
        crate::execute::spi_read::select(
            "SELECT version, sdl, catalog::text FROM fraiseql.schema_version WHERE name = $1 ORDER BY version DESC LIMIT 1",
            &[crate::execute::spi_read::arg(name)],
            None,
            |rows| (rows.get::<i64>(0, 1), rows.get::<String>(0, 2), rows.get::<String>(0, 3)),
        )
    });
    let (Some(version), Some(sdl), Some(catalog)) = row else {
        ACTIVE.with(|a| a.borrow_mut().take());
        return Err(StoreError::NotLoaded(name.to_string()));
    };
    let schema = rebuild(&sdl, &catalog).map_err(|e| {
        StoreError::Broken(format!(
            "stored schema \"{name}\" version {version} no longer loads: {e}"
        ))
    })?;
    let schema = Rc::new(schema);
    let generation = next_generation();
    ACTIVE.with(|a| {
        *a.borrow_mut() = Some(Active {
            name: name.to_string(),
            schema: schema.clone(),
            generation,
        })
    });
    Ok((schema, generation))
}

fn rebuild(sdl: &str, catalog: &str) -> Result<Schema, String> {
    let catalog: Catalog = serde_json::from_str(catalog).map_err(|e| e.to_string())?;
    let mut schema = Schema::parse(sdl).map_err(|e| e[0].to_string())?;
    schema.bind(&catalog).map_err(|e| e[0].to_string())?;
    Ok(schema)
}

/// Stores a checked schema as the new version of `name` and makes it active everywhere.
pub fn save(name: &str, schema: Schema, catalog: &Catalog) -> i64 {
    let catalog_json = serde_json::to_string(catalog).unwrap_or_default();
    let version = Spi::get_one_with_args::<i64>(
        "INSERT INTO fraiseql.schema_version (name, sdl, catalog) VALUES ($1, $2, $3::jsonb) RETURNING version",
        &[name.into(), schema.sdl.as_str().into(), catalog_json.as_str().into()],
    )
    .ok()
    .flatten()
    .unwrap_or_else(|| {
        crate::error::Error::Internal("storing the schema version in fraiseql.schema_version returned no version".into()).raise()
    });
    crate::schema_store::relcache::invalidate(table_oid());
    let generation = next_generation();
    ACTIVE.with(|a| {
        *a.borrow_mut() = Some(Active {
            name: name.to_string(),
            schema: Rc::new(schema),
            generation,
        })
    });
    STALE.with(|s| s.set(false));
    version
}

/// The SDL text of the active version of `name`.
pub fn sdl(name: &str) -> Option<String> {
    crate::execute::spi_read::as_extension_owner(|| {
        crate::execute::spi_read::select(
            "SELECT sdl FROM fraiseql.schema_version WHERE name = $1 ORDER BY version DESC LIMIT 1",
            &[crate::execute::spi_read::arg(name)],
            None,
            |rows| rows.get::<String>(0, 1),
        )
    })
}
