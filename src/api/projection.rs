//! Projections: `create_projection`, `refresh_projection`, `verify_projection`, `drop_projection`
//! (admin functions, revoked from PUBLIC), and the triggers and WHEN function that maintain them
//! (executable by anyone: they only ever run as triggers, or say whether to queue one).
use pgrx::prelude::*;

use crate::projection::{self, catalog, Change};

/// Makes `name` a projection of view `source`: creates the table (`id`, the `columns` copied from
/// the view, `data jsonb`) unless it exists, fills it, and installs its maintenance on every table
/// the view reads. `mappings` gives, per table, the query from its changed rows (`changed`) to the
/// affected ids, where foreign keys cannot tell. Returns each watched table and how its changes are
/// followed.
#[pg_extern(volatile, parallel_unsafe)]
fn create_projection(
    name: Option<&str>,
    source: Option<pgrx::PgRelation>,
    columns: default!(Option<Vec<Option<String>>>, "'{}'"),
    mappings: default!(Option<pgrx::JsonB>, "NULL"),
) -> TableIterator<'static, (name!(base_table, String), name!(followed_by, String))> {
    let name = required(name, "name", "the projection table's name");
    let source = required(source, "source", "the v_ view to project");
    let mappings = mappings.map(|m| m.0);
    let columns = elements(columns.unwrap_or_default(), "columns", "column names");
    TableIterator::new(catalog::create(
        name,
        source.oid(),
        &columns,
        mappings.as_ref(),
    ))
}

/// An argument that must not be NULL (the functions are not STRICT, for their optional arguments).
fn required<T>(value: Option<T>, argument: &str, what: &str) -> T {
    value.unwrap_or_else(|| {
        crate::error::Error::InvalidParameter(format!("fraiseql: {argument} is NULL; give {what}"))
            .raise()
    })
}

/// The elements of an array argument, none of which may be NULL (pgrx would raise its own
/// internal error for one).
fn elements(values: Vec<Option<String>>, argument: &str, what: &str) -> Vec<String> {
    values
        .into_iter()
        .map(|v| {
            v.unwrap_or_else(|| {
                crate::error::Error::InvalidParameter(format!(
                    "fraiseql: {argument} contains NULL; give {what}, none of them NULL"
                ))
                .raise()
            })
        })
        .collect()
}

/// Re-projects the given ids of projection `name` (all of them when `ids` is NULL) from its view;
/// returns the number of rows written or removed.
#[pg_extern(volatile, parallel_unsafe)]
fn refresh_projection(
    name: Option<&str>,
    ids: default!(Option<Vec<Option<String>>>, "NULL"),
) -> i64 {
    let meta = catalog::find(required(name, "name", "the projection table's name"));
    match ids {
        None => projection::reproject(&meta, true, Vec::new()) as i64,
        Some(ids) => {
            let mut ids = elements(ids, "ids", "the ids of the rows to re-project");
            ids.sort_unstable();
            ids.dedup();
            projection::reproject(&meta, false, ids) as i64
        }
    }
}

/// The drift of projection `name`: every id whose row is `missing` from the table, `extra` in it, or
/// `different` from the view's. No rows: the projection equals its view.
#[pg_extern(stable, parallel_unsafe)]
fn verify_projection(
    name: &str,
) -> TableIterator<'static, (name!(id, String), name!(problem, String))> {
    TableIterator::new(catalog::verify(name))
}

/// Removes projection `name`'s maintenance and record, and its table unless `keep_table`.
#[pg_extern(volatile, parallel_unsafe)]
fn drop_projection(name: &str, keep_table: default!(bool, false)) {
    catalog::drop(name, keep_table);
}

/// The trigger data of a call, or an error when the function was not called as a trigger (pgrx's
/// `#[pg_trigger]` would fail with its own internal message instead).
fn trigger_data(fcinfo: pg_sys::FunctionCallInfo, function: &str) -> *mut pg_sys::TriggerData {
    // SAFETY: fcinfo is the call's, valid for its duration; `context` is a Node or NULL.
    let context = unsafe { (*fcinfo).context };
    // SAFETY: a non-null context is a Node, whose first field is its tag.
    if context.is_null() || unsafe { (*context).type_ } != pg_sys::NodeTag::T_TriggerData {
        crate::error::Error::TriggerProtocol(format!(
            "fraiseql.{function}() runs only as a projection's trigger, never called directly"
        ))
        .raise();
    }
    context.cast()
}

/// Version-1 calling convention record for the two trigger functions below.
macro_rules! finfo_v1 {
    ($name:ident) => {
        #[unsafe(no_mangle)]
        #[doc(hidden)]
        pub extern "C" fn $name() -> &'static pg_sys::Pg_finfo_record {
            const V1: pg_sys::Pg_finfo_record = pg_sys::Pg_finfo_record { api_version: 1 };
            &V1
        }
    };
}

finfo_v1!(pg_finfo_fraiseql_projection_capture);
/// The statement trigger on a base table (argument: the projection table's qualified name).
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn fraiseql_projection_capture(
    fcinfo: pg_sys::FunctionCallInfo,
) -> pg_sys::Datum {
    let data = trigger_data(fcinfo, "_projection_capture");
    // SAFETY: `data` is this call's trigger data; its trigger and relation are valid during the call.
    let (name, change, base) = unsafe {
        let trigger = (*data).tg_trigger;
        let name = ((*trigger).tgnargs >= 1).then(|| {
            std::ffi::CStr::from_ptr(*(*trigger).tgargs)
                .to_string_lossy()
                .into_owned()
        });
        let change = match (*data).tg_event & pg_sys::TRIGGER_EVENT_OPMASK {
            pg_sys::TRIGGER_EVENT_INSERT => Some(Change::Insert),
            pg_sys::TRIGGER_EVENT_UPDATE => Some(Change::Update),
            pg_sys::TRIGGER_EVENT_DELETE => Some(Change::Delete),
            _ => None,
        };
        (name, change, (*(*data).tg_relation).rd_id)
    };
    let name = name.unwrap_or_else(|| {
        crate::error::Error::NotInPrerequisiteState(
            "fraiseql: a projection trigger without its projection's name; create the projection again".into(),
        )
        .raise()
    });
    projection::capture(&name, base, change, data);
    pg_sys::Datum::from(0usize)
}

finfo_v1!(pg_finfo_fraiseql_projection_flush);
/// The deferred constraint trigger: re-projects what the transaction changed, before it commits.
#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn fraiseql_projection_flush(
    fcinfo: pg_sys::FunctionCallInfo,
) -> pg_sys::Datum {
    trigger_data(fcinfo, "_projection_flush");
    projection::flush_queued();
    pg_sys::Datum::from(0usize)
}

extension_sql!(
    r#"
CREATE FUNCTION fraiseql._projection_capture() RETURNS trigger LANGUAGE c AS 'MODULE_PATHNAME', 'fraiseql_projection_capture';
CREATE FUNCTION fraiseql._projection_flush() RETURNS trigger LANGUAGE c AS 'MODULE_PATHNAME', 'fraiseql_projection_flush';
"#,
    name = "projection_triggers",
);

/// The constraint trigger's WHEN clause: true once per transaction, so one flush is queued.
#[pg_extern(volatile, parallel_unsafe)]
fn _projection_arm() -> bool {
    projection::arm()
}

extension_sql!(
    r#"
REVOKE ALL ON FUNCTION fraiseql.create_projection(text, regclass, text[], jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION fraiseql.refresh_projection(text, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION fraiseql.verify_projection(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION fraiseql.drop_projection(text, boolean) FROM PUBLIC;
"#,
    name = "projection_admin_surface",
    requires = [
        create_projection,
        refresh_projection,
        verify_projection,
        drop_projection
    ],
);
