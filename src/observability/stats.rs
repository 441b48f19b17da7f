//! Per-operation statistics — calls, errors, time — for `fraiseql.stat_operations` and the Prometheus
//! text of `fraiseql.metrics()`. Cluster-wide in shared memory when fraiseql is in
//! `shared_preload_libraries`; otherwise each backend counts its own requests.
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};

use pgrx::lwlock::PgLwLock;
use pgrx::prelude::*;
use pgrx::shmem::PGRXSharedMemory;

/// Distinct (schema, kind, operation) entries kept; later ones are counted in `dropped`.
const SLOTS: usize = 512;
/// Bytes kept of a schema or operation name (longer names are cut at a character boundary).
const NAME: usize = 64;
/// Upper bounds of the latency histogram's buckets, in microseconds (0.5 ms … 10 s; Prometheus's
/// default buckets, with 0.5 ms and 1 ms added below them for in-database answers). A request slower
/// than the last bound counts only in `+Inf` (the call count).
pub const BUCKETS_US: [u64; 14] = [
    500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
    2_500_000, 5_000_000, 10_000_000,
];

/// What kind of request an entry counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Query,
    Mutation,
    /// A request that failed before its operation was known (unparsable, no schema, …).
    Invalid,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Query => "query",
            Kind::Mutation => "mutation",
            Kind::Invalid => "invalid",
        }
    }

    fn code(self) -> u8 {
        self as u8 + 1
    }

    fn from_code(code: u8) -> Kind {
        match code {
            1 => Kind::Query,
            2 => Kind::Mutation,
            _ => Kind::Invalid,
        }
    }
}

/// A fixed-size name, as shared memory needs.
#[derive(Clone, Copy)]
#[repr(C)]
struct Name {
    len: u8,
    bytes: [u8; NAME],
}

impl Name {
    const EMPTY: Name = Name {
        len: 0,
        bytes: [0; NAME],
    };

    fn new(s: &str) -> Name {
        let mut end = s.len().min(NAME);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        let mut name = Name::EMPTY;
        name.bytes[..end].copy_from_slice(&s.as_bytes()[..end]);
        name.len = end as u8;
        name
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
    }
}

#[derive(Clone, Copy)]
#[repr(C)]
struct Slot {
    /// 0: free.
    kind: u8,
    schema: Name,
    operation: Name,
    calls: u64,
    errors: u64,
    total_us: u64,
    max_us: u64,
    /// Requests per latency bucket (not cumulative): `buckets[i]` counts those at most
    /// `BUCKETS_US[i]` and above the bound before.
    buckets: [u64; BUCKETS_US.len()],
}

impl Slot {
    const FREE: Slot = Slot {
        kind: 0,
        schema: Name::EMPTY,
        operation: Name::EMPTY,
        calls: 0,
        errors: 0,
        total_us: 0,
        max_us: 0,
        buckets: [0; BUCKETS_US.len()],
    };

    fn is(&self, schema: &Name, kind: Kind, operation: &Name) -> bool {
        self.kind == kind.code()
            && self.schema.as_str() == schema.as_str()
            && self.operation.as_str() == operation.as_str()
    }
}

/// An open-addressing table of entries (found by a hash of their key, then the next free slot).
#[derive(Clone, Copy)]
#[repr(C)]
pub struct Table {
    slots: [Slot; SLOTS],
    dropped: u64,
    since_us: i64,
}

impl Default for Table {
    fn default() -> Self {
        Table {
            slots: [Slot::FREE; SLOTS],
            dropped: 0,
            since_us: now_us(),
        }
    }
}

// SAFETY: plain data (no pointers), the same in every process.
unsafe impl PGRXSharedMemory for Table {}

impl Table {
    fn add(&mut self, schema: &str, kind: Kind, operation: &str, error: bool, elapsed_us: u64) {
        let (schema, operation) = (Name::new(schema), Name::new(operation));
        let start = start_slot(&schema, kind, &operation);
        for i in 0..SLOTS {
            let slot = &mut self.slots[(start + i) % SLOTS];
            if slot.kind == 0 {
                *slot = Slot {
                    kind: kind.code(),
                    schema,
                    operation,
                    ..Slot::FREE
                };
            }
            if slot.is(&schema, kind, &operation) {
                slot.calls += 1;
                slot.errors += u64::from(error);
                slot.total_us += elapsed_us;
                slot.max_us = slot.max_us.max(elapsed_us);
                if let Some(b) = BUCKETS_US.iter().position(|&bound| elapsed_us <= bound) {
                    slot.buckets[b] += 1;
                }
                return;
            }
        }
        self.dropped += 1;
    }
}

fn start_slot(schema: &Name, kind: Kind, operation: &Name) -> usize {
    // FNV-1a: stable across processes (the table is shared).
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let bytes = schema
        .as_str()
        .bytes()
        .chain([0, kind.code()])
        .chain(operation.as_str().bytes());
    for b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    (h % SLOTS as u64) as usize
}

fn now_us() -> i64 {
    // SAFETY: no preconditions.
    unsafe { pg_sys::GetCurrentTimestamp() }
}

static SHARED: PgLwLock<Table> = unsafe { PgLwLock::new(c"fraiseql_stats") };
/// Set in the postmaster when fraiseql is preloaded (the shared table then exists in every backend).
static PRELOADED: AtomicBool = AtomicBool::new(false);

thread_local! {
    static LOCAL: RefCell<Option<Box<Table>>> = const { RefCell::new(None) };
}

/// Allocates the shared table when fraiseql is being preloaded; called from `_PG_init`.
#[allow(unexpected_cfgs)] // pg_shmem_init! tests pgrx's features for other Postgres versions
pub fn init() {
    // SAFETY: reading a flag Postgres sets while it loads shared_preload_libraries.
    if unsafe { pg_sys::process_shared_preload_libraries_in_progress } {
        pgrx::pg_shmem_init!(SHARED);
        PRELOADED.store(true, Ordering::Relaxed);
    }
}

/// Whether the statistics are cluster-wide ("cluster") or this backend's ("backend").
pub fn scope() -> &'static str {
    if PRELOADED.load(Ordering::Relaxed) {
        "cluster"
    } else {
        "backend"
    }
}

fn with_table<R>(f: impl FnOnce(&mut Table) -> R) -> R {
    if PRELOADED.load(Ordering::Relaxed) {
        f(&mut SHARED.exclusive())
    } else {
        LOCAL.with(|l| f(l.borrow_mut().get_or_insert_with(Box::default)))
    }
}

/// Counts one request.
pub fn record(schema: &str, kind: Kind, operation: &str, error: bool, elapsed_us: u64) {
    with_table(|t| t.add(schema, kind, operation, error, elapsed_us));
}

/// Forgets every entry.
pub fn reset() {
    with_table(|t| *t = Table::default());
}

/// One entry, as `stat_operations` shows it.
pub struct Entry {
    pub schema: String,
    pub kind: &'static str,
    pub operation: String,
    pub calls: i64,
    pub errors: i64,
    pub total_ms: f64,
    pub max_ms: f64,
    /// Requests per bucket of [`BUCKETS_US`], not cumulative.
    pub buckets: [u64; BUCKETS_US.len()],
}

/// The entries (by schema, kind, operation), entries not kept for lack of room, and when counting began.
pub fn snapshot() -> (Vec<Entry>, i64, pgrx::datum::TimestampWithTimeZone) {
    let (mut entries, dropped, since_us) = with_table(|t| {
        let entries: Vec<Entry> = t
            .slots
            .iter()
            .filter(|s| s.kind != 0)
            .map(|s| Entry {
                schema: s.schema.as_str().to_string(),
                kind: Kind::from_code(s.kind).as_str(),
                operation: s.operation.as_str().to_string(),
                calls: s.calls as i64,
                errors: s.errors as i64,
                total_ms: s.total_us as f64 / 1000.0,
                max_ms: s.max_us as f64 / 1000.0,
                buckets: s.buckets,
            })
            .collect();
        (entries, t.dropped as i64, t.since_us)
    });
    entries
        .sort_by(|a, b| (&a.schema, a.kind, &a.operation).cmp(&(&b.schema, b.kind, &b.operation)));
    let since = pgrx::datum::TimestampWithTimeZone::try_from(since_us).unwrap_or_else(|e| {
        crate::error::Error::Internal(format!("statistics start time: {e}")).raise()
    });
    (entries, dropped, since)
}
