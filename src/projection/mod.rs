//! Projections maintained by fraiseql: a `tv_` table kept equal to its `v_` view. Statement
//! triggers on the view's base tables collect the keys a change affects (`capture`); each key is
//! re-projected once per transaction, just before it commits, by a deferred constraint trigger
//! (`flush`) — or earlier, when `fraiseql.execute` reads in the same transaction. Capture and flush
//! run with the projection owner's rights and a pinned search_path. `catalog` infers what to watch
//! and installs it.
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ffi::CString;
use std::rc::Rc;

use fraiseql_core::projection::{Keys, Projection};
use pgrx::prelude::*;

use crate::error::Error;
use crate::execute::plan_cache::SavedPlan;

pub mod analyze;
pub mod catalog;

/// The settings capture and flush run with: only fraiseql's fully qualified SQL is resolved, so a
/// writer's search_path cannot redirect an operator or a function.
const PINNED: &[(&std::ffi::CStr, &std::ffi::CStr)] =
    &[(c"search_path", c"pg_catalog, pg_temp"), (c"jit", c"off")];

/// Runs `f` as the projection's owner with the pinned settings: how capture, re-projection and
/// verification all read and write (a writer's rights and search_path never apply).
pub(crate) fn as_owner<R>(meta: &Meta, f: impl FnOnce() -> R) -> R {
    crate::execute::spi_read::as_role(meta.owner, || {
        crate::execute::statement::with_settings(PINNED, f)
    })
}

/// One projection, as loaded from `fraiseql.projection` once per backend, with its prepared plans.
pub struct Meta {
    pub oid: pg_sys::Oid,
    pub owner: pg_sys::Oid,
    pub sql: Projection,
    sources: HashMap<pg_sys::Oid, Source>,
    /// lock, then delete and upsert (one statement) of the keys in `$1`: for one key (text), and
    /// for several (text[]).
    plans: RefCell<[Option<[SavedPlan; 2]>; 2]>,
}

/// A base table of the projection's view: the query from its changed rows to the affected keys.
struct Source {
    keys_sql: String,
    /// Per operation (insert, update, delete): the keys query over its transition tables.
    plans: RefCell<[Option<SavedPlan>; 3]>,
}

/// The keys waiting to be re-projected, each with the subtransaction that first saw it changed.
struct Pending {
    meta: Rc<Meta>,
    full: Option<pg_sys::SubTransactionId>,
    keys: HashMap<String, pg_sys::SubTransactionId>,
}

thread_local! {
    static PENDING: RefCell<HashMap<pg_sys::Oid, Pending>> = RefCell::new(HashMap::new());
    /// The subtransaction in which a flush event was queued (see [`arm`]); `None`: none queued.
    static ARMED: Cell<Option<pg_sys::SubTransactionId>> = const { Cell::new(None) };
    /// Projections by their trigger argument (the table's qualified name).
    static META: RefCell<HashMap<String, Rc<Meta>>> = RefCell::new(HashMap::new());
    /// Set by any relcache invalidation of a table that a cached projection involves.
    static STALE: Cell<bool> = const { Cell::new(false) };
}

#[pg_guard]
unsafe extern "C-unwind" fn on_relcache_invalidation(_arg: pg_sys::Datum, relid: pg_sys::Oid) {
    // Creating or dropping a projection creates or drops triggers on its tables, which invalidates
    // them. Callbacks must not touch the catalogs, so only a flag is set; the cache is rebuilt later.
    let concerned = META.with(|m| match m.try_borrow() {
        Ok(m) => {
            relid == pg_sys::InvalidOid
                || m.values()
                    .any(|p| p.oid == relid || p.sources.contains_key(&relid))
        }
        Err(_) => true,
    });
    if concerned {
        STALE.with(|s| s.set(true));
    }
}

/// Registers the transaction callbacks and the cache invalidation; once per backend, from `_PG_init`.
pub fn init() {
    crate::schema_store::relcache::register(on_relcache_invalidation);
    // SAFETY: static functions Postgres keeps for the backend's lifetime.
    unsafe {
        pg_sys::RegisterXactCallback(Some(on_xact), std::ptr::null_mut());
        pg_sys::RegisterSubXactCallback(Some(on_subxact), std::ptr::null_mut());
    }
}

fn current_subid() -> pg_sys::SubTransactionId {
    // SAFETY: no preconditions.
    unsafe { pg_sys::GetCurrentSubTransactionId() }
}

/// Forgets every cached projection (after an invalidation, or when a projection changes).
pub fn forget() {
    STALE.with(|s| s.set(false));
    let old = META.with(|m| std::mem::take(&mut *m.borrow_mut()));
    drop(old);
}

/// The projection whose table is `name` (qualified), loaded once per backend; `None` when that table
/// was dropped (its triggers are left with nothing to maintain).
fn meta(name: &str) -> Option<Rc<Meta>> {
    if let Some(m) = cached(name) {
        return Some(m);
    }
    if !catalog::exists(name) {
        return None;
    }
    Error::NotInPrerequisiteState(format!(
        "fraiseql: a maintenance trigger names the projection {name}, which fraiseql.projection does not list; create it again with fraiseql.create_projection or drop the trigger"
    ))
    .raise()
}

/// The projection whose table is `name` (qualified) from this backend's cache, loaded on first use
/// with its prepared plans; `None` when fraiseql.projection does not list it.
pub(crate) fn cached(name: &str) -> Option<Rc<Meta>> {
    if STALE.with(Cell::get) {
        forget();
    }
    if let Some(m) = META.with(|m| m.borrow().get(name).cloned()) {
        return Some(m);
    }
    let loaded = Rc::new(catalog::load(name)?);
    META.with(|m| m.borrow_mut().insert(name.to_string(), loaded.clone()));
    Some(loaded)
}

impl Meta {
    pub fn new(
        oid: pg_sys::Oid,
        owner: pg_sys::Oid,
        sql: Projection,
        sources: Vec<(pg_sys::Oid, String)>,
    ) -> Meta {
        Meta {
            oid,
            owner,
            sql,
            sources: sources
                .into_iter()
                .map(|(base, keys_sql)| {
                    (
                        base,
                        Source {
                            keys_sql,
                            plans: RefCell::new([None, None, None]),
                        },
                    )
                })
                .collect(),
            plans: RefCell::new([None, None]),
        }
    }
}

/// Prepares `sql` with parameter types `types` and keeps the plan for the backend's lifetime. The
/// plan is generic: with custom plans (the plan cache's default when a parameter's value changes the
/// estimates), every flush would plan the view again — about a millisecond for the demo's v_post.
/// SPI must be connected.
unsafe fn prepare(sql: &str, types: &mut [pg_sys::Oid]) -> SavedPlan {
    let text = CString::new(sql).unwrap_or_else(|_| {
        Error::Internal("a projection statement contains a NUL byte".into()).raise()
    });
    // SAFETY: SPI is connected (caller); the plan is checked and then kept.
    unsafe {
        let plan = pg_sys::SPI_prepare_cursor(
            text.as_ptr(),
            types.len() as i32,
            types.as_mut_ptr(),
            pg_sys::CURSOR_OPT_GENERIC_PLAN as i32,
        );
        if plan.is_null() {
            let code = pg_sys::SPI_result;
            Error::Internal(format!(
                "preparing a projection statement failed (SPI code {code})"
            ))
            .raise();
        }
        pg_sys::SPI_keepplan(plan);
        SavedPlan(plan)
    }
}

/// Executes a saved plan with at most one argument; returns the SPI code.
unsafe fn run(plan: &SavedPlan, arg: Option<pg_sys::Datum>) -> i32 {
    let mut values = [arg.unwrap_or(pg_sys::Datum::from(0usize))];
    let nulls = [b' ' as std::ffi::c_char];
    // SAFETY: SPI is connected (caller); the plan has as many parameters as given.
    let rc = unsafe {
        pg_sys::SPI_execute_plan(
            plan.0,
            if arg.is_some() {
                values.as_mut_ptr()
            } else {
                std::ptr::null_mut()
            },
            nulls.as_ptr(),
            false,
            0,
        )
    };
    if rc < 0 {
        Error::Internal(format!("a projection statement failed (SPI code {rc})")).raise();
    }
    rc
}

/// The bigint the last re-projection statement returned. SPI must be connected.
unsafe fn count() -> u64 {
    // SAFETY: the tuple table of the statement just run (one row, one bigint column).
    unsafe {
        let table = pg_sys::SPI_tuptable;
        if table.is_null() || pg_sys::SPI_processed != 1 {
            return 0;
        }
        let mut is_null = false;
        let d = pg_sys::SPI_getbinval(*(*table).vals, (*table).tupdesc, 1, &mut is_null);
        if is_null {
            0
        } else {
            d.value() as u64
        }
    }
}

/// The operations a statement trigger reports, as an index into the per-operation plans.
#[derive(Clone, Copy)]
pub enum Change {
    Insert = 0,
    Update = 1,
    Delete = 2,
}

impl Change {
    fn rows(self) -> &'static str {
        match self {
            Change::Insert => "SELECT * FROM fraiseql_new",
            Change::Update => "SELECT * FROM fraiseql_old UNION ALL SELECT * FROM fraiseql_new",
            Change::Delete => "SELECT * FROM fraiseql_old",
        }
    }
}

/// The statement trigger on a base table: collects the keys the statement's rows affect (from its
/// transition tables), and re-projects them now unless a flush is already queued for the commit.
/// `TRUNCATE` (`change` = None) marks the whole projection for a full refresh.
pub fn capture(
    name: &str,
    base: pg_sys::Oid,
    change: Option<Change>,
    trigger: *mut pg_sys::TriggerData,
) {
    let Some(meta) = meta(name) else {
        return;
    };
    let subid = current_subid();
    let keys = match change {
        None => None,
        Some(change) => {
            let source = meta.sources.get(&base).unwrap_or_else(|| {
                Error::NotInPrerequisiteState(format!(
                    "fraiseql: projection {name} does not watch the table whose trigger fired; create the projection again"
                ))
                .raise()
            });
            Some(as_owner(&meta, || {
                // SAFETY: SPI connected and finished around the statement; the trigger data is
                // the one Postgres handed this trigger call; values are copied out as Strings.
                unsafe { changed_keys(source, change, trigger) }
            }))
        }
    };
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        let entry = p.entry(meta.oid).or_insert_with(|| Pending {
            meta: meta.clone(),
            full: None,
            keys: HashMap::new(),
        });
        match keys {
            None => {
                entry.full.get_or_insert(subid);
            }
            Some(keys) => {
                for k in keys {
                    entry.keys.entry(k).or_insert(subid);
                }
            }
        }
        if entry.full.is_none() && entry.keys.is_empty() {
            p.remove(&meta.oid);
        }
    });
    if ARMED.with(Cell::get).is_none() {
        // No flush is queued (the constraint trigger was made immediate, or a TRUNCATE): now.
        flush();
    }
}

unsafe fn changed_keys(
    source: &Source,
    change: Change,
    trigger: *mut pg_sys::TriggerData,
) -> Vec<String> {
    // SAFETY: see `capture`.
    unsafe {
        pg_sys::SPI_connect();
        pg_sys::SPI_register_trigger_data(trigger);
        let mut plans = source.plans.borrow_mut();
        let plan = plans[change as usize].get_or_insert_with(|| {
            prepare(
                &format!("WITH changed AS ({}) {}", change.rows(), source.keys_sql),
                &mut [],
            )
        });
        run(plan, None);
        let table = pg_sys::SPI_tuptable;
        let mut keys = Vec::with_capacity(pg_sys::SPI_processed as usize);
        for i in 0..pg_sys::SPI_processed as usize {
            let v = pg_sys::SPI_getvalue(*(*table).vals.add(i), (*table).tupdesc, 1);
            if !v.is_null() {
                keys.push(std::ffi::CStr::from_ptr(v).to_string_lossy().into_owned());
            }
        }
        pg_sys::SPI_finish();
        keys
    }
}

/// Whether a flush must be queued: true once per transaction (and again after a flush ran, or the
/// subtransaction that queued it rolled back). The WHEN clause of the row-level constraint trigger,
/// so that a statement writing 10,000 rows queues one deferred event, not 10,000.
pub fn arm() -> bool {
    // SAFETY: IsTransactionState has no preconditions.
    if ARMED.with(Cell::get).is_some() || !unsafe { pg_sys::IsTransactionState() } {
        return false;
    }
    ARMED.with(|a| a.set(Some(current_subid())));
    true
}

/// The deferred constraint trigger: re-projects everything pending, once, before the commit.
pub fn flush_queued() {
    ARMED.with(|a| a.set(None));
    flush();
}

/// Re-projects what this transaction changed so far, if anything: called before fraiseql reads,
/// so a transaction reads its own writes through projections.
/// Returns whether anything was re-projected.
pub fn flush_pending() -> bool {
    let pending = PENDING.with(|p| !p.borrow().is_empty());
    if pending {
        flush();
    }
    pending
}

fn flush() {
    loop {
        let batch = PENDING.with(|p| std::mem::take(&mut *p.borrow_mut()));
        if batch.is_empty() {
            return;
        }
        for (_, pending) in batch {
            let mut keys: Vec<String> = pending.keys.into_keys().collect();
            keys.sort_unstable();
            reproject(&pending.meta, pending.full.is_some(), keys);
        }
    }
}

/// Re-projects `keys` (or, with `full`, every row) of one projection as its owner.
pub fn reproject(meta: &Meta, full: bool, keys: Vec<String>) -> u64 {
    as_owner(meta, || {
        if !full && keys.is_empty() {
            return 0;
        }
        // One key is bound as text, several as text[] (see `Keys`).
        let (kind, param_type, arg) = if keys.len() == 1 {
            let key = keys.into_iter().next().unwrap_or_default();
            (Keys::One, pg_sys::TEXTOID, key.into_datum())
        } else {
            (Keys::Many, pg_sys::TEXTARRAYOID, keys.into_datum())
        };
        let arg = arg.unwrap_or_else(|| {
            Error::Internal("the keys to re-project could not be built".into()).raise()
        });
        // SAFETY: SPI connected and finished around the statements; `arg` is a text or text[]
        // datum in the caller's memory context, alive across them. The count is read while connected.
        unsafe {
            pg_sys::SPI_connect();
            if full {
                // Every row: the table is locked against other re-projections (readers go on).
                let lock = CString::new(format!(
                    "LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE",
                    meta.sql.table
                ))
                .unwrap_or_default();
                pg_sys::SPI_execute(lock.as_ptr(), false, 0);
                let all = prepare(&meta.sql.reproject_sql(Keys::All), &mut []);
                run(&all, None);
                let n = count();
                pg_sys::SPI_finish();
                return n;
            }
            let mut plans = meta.plans.borrow_mut();
            let [lock, write] = plans[(kind == Keys::Many) as usize].get_or_insert_with(|| {
                let t = &mut [param_type];
                [
                    prepare(&meta.sql.lock_sql(kind), t),
                    prepare(&meta.sql.reproject_sql(kind), t),
                ]
            });
            run(lock, Some(arg));
            run(write, Some(arg));
            let n = count();
            pg_sys::SPI_finish();
            n
        }
    })
}

/// Commit checks that nothing is left pending (a flush that never ran would leave a projection
/// stale: the commit fails instead); the end of a transaction forgets everything.
#[pg_guard]
unsafe extern "C-unwind" fn on_xact(event: pg_sys::XactEvent::Type, _arg: *mut std::ffi::c_void) {
    use pg_sys::XactEvent::*;
    match event {
        XACT_EVENT_PRE_COMMIT | XACT_EVENT_PRE_PREPARE => {
            let left = PENDING.with(|p| {
                let p = p.borrow();
                p.values().next().map(|x| x.meta.sql.table.clone())
            });
            if let Some(table) = left {
                PENDING.with(|p| p.borrow_mut().clear());
                ARMED.with(|a| a.set(None));
                Error::NotInPrerequisiteState(format!(
                    "fraiseql: projection {table} was not brought up to date before commit (its deferred maintenance trigger did not run); the transaction is rolled back so the projection never goes stale"
                ))
                .raise();
            }
        }
        XACT_EVENT_COMMIT
        | XACT_EVENT_ABORT
        | XACT_EVENT_PARALLEL_COMMIT
        | XACT_EVENT_PARALLEL_ABORT
        | XACT_EVENT_PREPARE => {
            PENDING.with(|p| p.borrow_mut().clear());
            ARMED.with(|a| a.set(None));
        }
        _ => {}
    }
}

/// A rolled-back subtransaction undoes its changes, and the flush event it queued: its keys (those
/// first seen in it or in one inside it: an id at least its own) and its arming are dropped.
#[pg_guard]
unsafe extern "C-unwind" fn on_subxact(
    event: pg_sys::SubXactEvent::Type,
    my_subid: pg_sys::SubTransactionId,
    _parent: pg_sys::SubTransactionId,
    _arg: *mut std::ffi::c_void,
) {
    if event != pg_sys::SubXactEvent::SUBXACT_EVENT_ABORT_SUB {
        return;
    }
    if ARMED.with(Cell::get).is_some_and(|s| s >= my_subid) {
        ARMED.with(|a| a.set(None));
    }
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        for pending in p.values_mut() {
            if pending.full.is_some_and(|s| s >= my_subid) {
                pending.full = None;
            }
            pending.keys.retain(|_, s| *s < my_subid);
        }
        p.retain(|_, x| x.full.is_some() || !x.keys.is_empty());
    });
}
