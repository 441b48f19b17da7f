//! Per-backend caches, so a repeated query skips parsing, validation, planning and Postgres's own
//! planning: validated documents and plans keyed by (schema generation, query text, operation
//! name), and prepared SPI statements keyed by SQL text *and* parameter types (one text can be
//! bound with different parameter lists). Bounded LRU (`fraiseql.plan_cache_size`).
//! A backend is single-threaded, so these live in `thread_local!`s.
use std::borrow::Borrow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::Hash;
use std::rc::Rc;

use fraiseql_core::document::Document;
use fraiseql_core::plan::mutation::MutationPlan;
use fraiseql_core::Plan;
use pgrx::pg_sys;

/// A small least-recently-used map: eviction scans for the oldest entry (capacities are small).
pub struct Lru<K, V> {
    map: HashMap<K, (u64, V)>,
    tick: u64,
}

impl<K: Eq + Hash + Clone, V> Lru<K, V> {
    fn new() -> Self {
        Lru {
            map: HashMap::new(),
            tick: 0,
        }
    }

    /// The entry for `key` (looked up by a borrowed form: `&str` for a `String` key, without
    /// allocating), marked as just used.
    fn get<Q: Hash + Eq + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.tick += 1;
        let tick = self.tick;
        self.map.get_mut(key).map(|(t, v)| {
            *t = tick;
            v
        })
    }

    /// Inserts and returns what had to go to stay within `capacity`.
    fn insert(&mut self, key: K, value: V, capacity: usize) -> Vec<V> {
        self.tick += 1;
        let mut evicted = Vec::new();
        if let Some((_, old)) = self.map.insert(key, (self.tick, value)) {
            evicted.push(old);
        }
        while self.map.len() > capacity {
            let oldest = self
                .map
                .iter()
                .min_by_key(|(_, (t, _))| *t)
                .map(|(k, _)| k.clone())
                .expect("map is not empty");
            evicted.extend(self.map.remove(&oldest).map(|(_, v)| v));
        }
        evicted
    }

    fn clear(&mut self) -> Vec<V> {
        self.map.drain().map(|(_, (_, v))| v).collect()
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }
}

/// A plan made from a cached document: a query's statement or a mutation's steps.
#[derive(Clone)]
pub enum CachedPlan {
    Query(Rc<Plan>),
    Mutation(Rc<MutationPlan>),
}

/// A validated document and the plans made from it, per operation name.
pub struct CachedDoc {
    pub doc: Rc<Document>,
    pub plans: HashMap<Option<String>, CachedPlan>,
}

struct State {
    generation: u64,
    docs: Lru<String, CachedDoc>,
    statements: Lru<String, Vec<(Vec<pg_sys::Oid>, SavedPlan)>>,
    hits: u64,
    misses: u64,
}

/// An SPI plan kept with `SPI_keepplan`, freed when evicted.
pub struct SavedPlan(pub pg_sys::SPIPlanPtr);

impl Drop for SavedPlan {
    fn drop(&mut self) {
        // SAFETY: the plan was saved with SPI_keepplan and is dropped exactly once, here.
        unsafe { pg_sys::SPI_freeplan(self.0) };
    }
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State { generation: 0, docs: Lru::new(), statements: Lru::new(), hits: 0, misses: 0 });
}

/// Drops documents and plans made for another schema generation.
fn sync_generation(state: &mut State, generation: u64) {
    if state.generation != generation {
        state.docs.clear();
        state.generation = generation;
    }
}

/// The cached document for `query` and, when present, the plan for `operation`.
pub fn lookup(
    generation: u64,
    query: &str,
    operation: Option<&str>,
) -> Option<(Rc<Document>, Option<CachedPlan>)> {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        sync_generation(&mut s, generation);
        let found = s.docs.get(query).map(|c| {
            let plan = c
                .plans
                .iter()
                .find(|(name, _)| name.as_deref() == operation)
                .map(|(_, p)| p.clone());
            (c.doc.clone(), plan)
        });
        match &found {
            Some((_, Some(_))) => s.hits += 1,
            _ => s.misses += 1,
        }
        found
    })
}

pub fn store_document(generation: u64, query: &str, doc: Rc<Document>) {
    let capacity = crate::settings::plan_cache_size();
    if capacity == 0 {
        return;
    }
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        sync_generation(&mut s, generation);
        s.docs.insert(
            query.to_string(),
            CachedDoc {
                doc,
                plans: HashMap::new(),
            },
            capacity,
        );
    });
}

pub fn store_plan(generation: u64, query: &str, operation: Option<&str>, plan: CachedPlan) {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        sync_generation(&mut s, generation);
        if let Some((_, entry)) = s.docs.map.get_mut(query) {
            entry.plans.insert(operation.map(str::to_string), plan);
        }
    });
}

/// The prepared statement for `sql` with parameters of `types`, preparing and keeping it on first
/// use (must be called while connected to SPI). `None` when caching is off: the caller then executes
/// the text directly. Statements are found by their text (borrowed: no copy, no conversion on a hit)
/// and then by their parameter types: two documents can compile to the same text with different
/// parameter lists (unused Relay arguments, say), and executing a plan with arguments it was not
/// prepared for reads past their end. The LRU bound counts texts.
pub fn statement(sql: &str, types: &mut [pg_sys::Oid]) -> Option<pg_sys::SPIPlanPtr> {
    let capacity = crate::settings::plan_cache_size();
    if capacity == 0 {
        return None;
    }
    let found = STATE.with(|s| {
        s.borrow_mut().statements.get(sql).and_then(|plans| {
            plans
                .iter()
                .find(|(t, _)| t[..] == types[..])
                .map(|(_, p)| p.0)
        })
    });
    if found.is_some() {
        return found;
    }
    let text = super::statement::c_text(sql);
    // SAFETY: connected to SPI (caller's contract); `types` has one entry per parameter. An ERROR
    // while preparing propagates before anything is stored.
    let plan = unsafe {
        let plan = pg_sys::SPI_prepare(text.as_ptr(), types.len() as i32, types.as_mut_ptr());
        if plan.is_null() {
            let code = pg_sys::SPI_result;
            crate::error::Error::Internal(format!("SPI_prepare failed (code {code})")).raise();
        }
        pg_sys::SPI_keepplan(plan);
        plan
    };
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        let saved = (types.to_vec(), SavedPlan(plan));
        match s.statements.get(sql) {
            Some(plans) => plans.push(saved),
            None => drop(s.statements.insert(sql.to_string(), vec![saved], capacity)),
        }
    });
    Some(plan)
}

/// Empties every cache of this backend (`fraiseql.reset_cache()`).
pub fn reset() {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.docs.clear();
        s.statements.clear();
        s.hits = 0;
        s.misses = 0;
    });
}

/// (documents, prepared statements, plan hits, misses) for `fraiseql.cache_stats()`.
pub fn stats() -> (usize, usize, u64, u64) {
    STATE.with(|s| {
        let s = s.borrow();
        (
            s.docs.len(),
            s.statements
                .map
                .values()
                .map(|(_, plans)| plans.len())
                .sum(),
            s.hits,
            s.misses,
        )
    })
}
