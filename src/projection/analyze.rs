//! Which base-table rows each row of a view depends on, read from the view's stored query tree:
//! every occurrence of a table (through nested views, subqueries and sublinks), the equality
//! conditions that join two occurrences (only those no joined row can escape: the AND-ed conditions
//! of a WHERE or a JOIN … ON), and the occurrence the view's `id` column comes from (the root).
//! Paths over these joins (`fraiseql_core::projection::Graph`) give the ids a changed row affects.
use std::collections::HashMap;

use fraiseql_core::projection::{Graph, Link};
use pgrx::prelude::*;

/// One occurrence of a table in the view's query trees.
pub struct Occurrence {
    pub rel: pg_sys::Oid,
}

/// What the analysis found.
pub struct Analysis {
    pub occurrences: Vec<Occurrence>,
    /// Per occurrence, the occurrence it is the same row as (itself, unless merged).
    pub canonical: Vec<usize>,
    pub graph: Graph,
    /// The occurrence and column (name) the view's `id` comes from.
    pub root: Option<(usize, String)>,
}

/// A query being analyzed: the ids of the queries enclosing it (outermost first) and its own.
struct Ctx {
    query: *mut pg_sys::Query,
    stack: Vec<usize>,
}

#[derive(Default)]
struct Analyzer {
    ctxs: Vec<Ctx>,
    /// (query, range-table index) → occurrence, nested view's query, or subquery.
    occurrence_of: HashMap<(usize, i32), usize>,
    expanded: HashMap<(usize, i32), usize>,
    occurrences: Vec<Occurrence>,
    /// (occurrence, attnum) = (occurrence, attnum).
    equalities: Vec<((usize, i16), (usize, i16))>,
    views_open: Vec<pg_sys::Oid>,
}

fn relname(rel: pg_sys::Oid) -> String {
    Spi::get_one_with_args::<String>(
        "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1",
        &[rel.into()],
    )
    .ok()
    .flatten()
    .unwrap_or_default()
}

fn attname(rel: pg_sys::Oid, attnum: i16) -> String {
    // SAFETY: a catalog lookup; NULL when missing (missing_ok).
    unsafe {
        let name = pg_sys::get_attname(rel, attnum, true);
        if name.is_null() {
            String::new()
        } else {
            std::ffi::CStr::from_ptr(name)
                .to_string_lossy()
                .into_owned()
        }
    }
}

/// Whether columns `attnums` of `rel` include all key columns of a unique index (one row at most).
fn unique(rel: pg_sys::Oid, attnums: &[i16]) -> bool {
    Spi::get_one_with_args::<bool>(
        "SELECT EXISTS (SELECT FROM pg_catalog.pg_index i WHERE i.indrelid = $1 AND i.indisunique \
           AND i.indpred IS NULL AND i.indexprs IS NULL \
           AND (pg_catalog.string_to_array(i.indkey::text, ' ')::int2[])[1:i.indnkeyatts] <@ $2)",
        &[rel.into(), attnums.to_vec().into()],
    )
    .ok()
    .flatten()
    .unwrap_or(false)
}

/// The stored query of view `view` (a copy owned by the relcache entry, read while it is open).
unsafe fn view_query(view: pg_sys::Oid) -> *mut pg_sys::Query {
    // SAFETY: the caller reads the query before the next invalidation; the lock is kept until the
    // end of the transaction, so the view cannot change meanwhile.
    unsafe {
        let rel = pg_sys::relation_open(view, pg_sys::AccessShareLock as i32);
        let query = pg_sys::get_view_query(rel);
        pg_sys::relation_close(rel, pg_sys::NoLock as i32);
        query
    }
}

impl Analyzer {
    /// Analyzes one query inside the queries `outer`; returns its context id.
    unsafe fn query(&mut self, query: *mut pg_sys::Query, outer: &[usize]) -> usize {
        let id = self.ctxs.len();
        let mut stack = outer.to_vec();
        stack.push(id);
        self.ctxs.push(Ctx {
            query,
            stack: stack.clone(),
        });
        // SAFETY: `query` is a valid analyzed query tree (a view's rule or a part of one).
        unsafe {
            let rtable = pgrx::PgList::<pg_sys::RangeTblEntry>::from_pg((*query).rtable);
            for (i, rte) in rtable.iter_ptr().enumerate() {
                let index = i as i32 + 1;
                match (*rte).rtekind {
                    pg_sys::RTEKind::RTE_RELATION => {
                        let rel = (*rte).relid;
                        // PG 15 keeps OLD and NEW placeholders of the view itself in its rule.
                        if self.views_open.contains(&rel) {
                            continue;
                        }
                        if (*rte).relkind as u8 == b'v' && self.views_open.len() < 16 {
                            self.views_open.push(rel);
                            let nested = self.query(view_query(rel), &[]);
                            self.views_open.pop();
                            self.expanded.insert((id, index), nested);
                        } else {
                            self.occurrence_of
                                .insert((id, index), self.occurrences.len());
                            self.occurrences.push(Occurrence { rel });
                        }
                    }
                    pg_sys::RTEKind::RTE_SUBQUERY if !(*rte).subquery.is_null() => {
                        let nested = self.query((*rte).subquery, &stack);
                        self.expanded.insert((id, index), nested);
                    }
                    _ => {}
                }
            }
            let jointree = (*query).jointree;
            if !jointree.is_null() {
                self.conjuncts((*jointree).quals, id);
                let items = pgrx::PgList::<pg_sys::Node>::from_pg((*jointree).fromlist);
                for item in items.iter_ptr() {
                    self.from_item(item, id);
                }
            }
            // Sublinks anywhere (the select list, WHERE, JOIN … ON, HAVING) are queries of their own.
            for node in [
                (*query).targetList.cast::<pg_sys::Node>(),
                jointree.cast::<pg_sys::Node>(),
                (*query).havingQual,
            ] {
                self.sublinks(node, id);
            }
        }
        id
    }

    unsafe fn from_item(&mut self, node: *mut pg_sys::Node, ctx: usize) {
        // SAFETY: `node` is a from-list item of a valid query.
        unsafe {
            if !node.is_null() && (*node).type_ == pg_sys::NodeTag::T_JoinExpr {
                let join = node.cast::<pg_sys::JoinExpr>();
                self.conjuncts((*join).quals, ctx);
                self.from_item((*join).larg, ctx);
                self.from_item((*join).rarg, ctx);
            }
        }
    }

    /// Equalities among the AND-ed conditions of `node` (not inside OR or NOT: a row joined by the
    /// other side of an OR would escape them).
    unsafe fn conjuncts(&mut self, node: *mut pg_sys::Node, ctx: usize) {
        // SAFETY: `node` is a qual of a valid query.
        unsafe {
            if node.is_null() {
                return;
            }
            match (*node).type_ {
                pg_sys::NodeTag::T_List => {
                    let list = pgrx::PgList::<pg_sys::Node>::from_pg(node.cast());
                    for n in list.iter_ptr() {
                        self.conjuncts(n, ctx);
                    }
                }
                pg_sys::NodeTag::T_BoolExpr => {
                    let b = node.cast::<pg_sys::BoolExpr>();
                    if (*b).boolop == pg_sys::BoolExprType::AND_EXPR {
                        let list = pgrx::PgList::<pg_sys::Node>::from_pg((*b).args);
                        for n in list.iter_ptr() {
                            self.conjuncts(n, ctx);
                        }
                    }
                }
                pg_sys::NodeTag::T_OpExpr => {
                    let op = node.cast::<pg_sys::OpExpr>();
                    let args = pgrx::PgList::<pg_sys::Node>::from_pg((*op).args);
                    if args.len() != 2 {
                        return;
                    }
                    let name = pg_sys::get_opname((*op).opno);
                    if name.is_null() || std::ffi::CStr::from_ptr(name).to_bytes() != b"=" {
                        return;
                    }
                    let stack = self.ctxs[ctx].stack.clone();
                    let (Some(a), Some(b)) = (
                        self.resolve(args.get_ptr(0).unwrap_or(std::ptr::null_mut()), &stack),
                        self.resolve(args.get_ptr(1).unwrap_or(std::ptr::null_mut()), &stack),
                    ) else {
                        return;
                    };
                    if a.0 != b.0 {
                        self.equalities.push((a, b));
                    }
                }
                _ => {}
            }
        }
    }

    /// The table occurrence and column that `expr` reads, when it is a plain column reference
    /// (through nested views, subqueries, join aliases and binary-compatible casts).
    unsafe fn resolve(&self, expr: *mut pg_sys::Node, stack: &[usize]) -> Option<(usize, i16)> {
        // SAFETY: `expr` belongs to the query at the top of `stack` (or is NULL).
        unsafe {
            if expr.is_null() {
                return None;
            }
            match (*expr).type_ {
                pg_sys::NodeTag::T_RelabelType => {
                    self.resolve((*expr.cast::<pg_sys::RelabelType>()).arg.cast(), stack)
                }
                pg_sys::NodeTag::T_Var => {
                    let var = expr.cast::<pg_sys::Var>();
                    let level = stack.len().checked_sub(1 + (*var).varlevelsup as usize)?;
                    let ctx = stack[level];
                    let (varno, attno) = ((*var).varno, (*var).varattno);
                    if attno <= 0 {
                        return None;
                    }
                    if let Some(o) = self.occurrence_of.get(&(ctx, varno)) {
                        return Some((*o, attno));
                    }
                    if let Some(nested) = self.expanded.get(&(ctx, varno)) {
                        let q = self.ctxs[*nested].query;
                        let list = pgrx::PgList::<pg_sys::TargetEntry>::from_pg((*q).targetList);
                        let te = list
                            .iter_ptr()
                            .find(|te| (**te).resno == attno && !(**te).resjunk)?;
                        return self.resolve((*te).expr.cast(), &self.ctxs[*nested].stack);
                    }
                    let rtable = pgrx::PgList::<pg_sys::RangeTblEntry>::from_pg(
                        (*self.ctxs[ctx].query).rtable,
                    );
                    let rte = rtable.get_ptr(varno as usize - 1)?;
                    if (*rte).rtekind == pg_sys::RTEKind::RTE_JOIN {
                        let aliases = pgrx::PgList::<pg_sys::Node>::from_pg((*rte).joinaliasvars);
                        return self
                            .resolve(aliases.get_ptr(attno as usize - 1)?, &stack[..=level]);
                    }
                    None
                }
                _ => None,
            }
        }
    }

    unsafe fn sublinks(&mut self, node: *mut pg_sys::Node, ctx: usize) {
        struct Walk {
            analyzer: *mut Analyzer,
            ctx: usize,
        }
        #[pg_guard]
        unsafe extern "C-unwind" fn walker(
            node: *mut pg_sys::Node,
            context: *mut std::ffi::c_void,
        ) -> bool {
            // SAFETY: called by expression_tree_walker with the Walk passed below.
            unsafe {
                if node.is_null() {
                    return false;
                }
                let walk = &mut *context.cast::<Walk>();
                if (*node).type_ == pg_sys::NodeTag::T_SubLink {
                    let sub = (*node.cast::<pg_sys::SubLink>()).subselect;
                    if !sub.is_null() && (*sub).type_ == pg_sys::NodeTag::T_Query {
                        let analyzer = &mut *walk.analyzer;
                        let stack = analyzer.ctxs[walk.ctx].stack.clone();
                        analyzer.query(sub.cast(), &stack);
                    }
                    return false;
                }
                pg_sys::expression_tree_walker(node, Some(walker), context)
            }
        }
        let mut walk = Walk {
            analyzer: self,
            ctx,
        };
        // SAFETY: `node` belongs to a valid query; `walk` outlives the walk.
        unsafe {
            if !node.is_null() {
                walker(node, (&mut walk as *mut Walk).cast());
            }
        }
    }
}

/// Analyzes view `view`.
pub fn analyze(view: pg_sys::Oid) -> Analysis {
    let mut an = Analyzer::default();
    an.views_open.push(view);
    // SAFETY: the view is locked by view_query until the end of the transaction.
    let root = unsafe {
        let q = view_query(view);
        let ctx = an.query(q, &[]);
        let list = pgrx::PgList::<pg_sys::TargetEntry>::from_pg((*q).targetList);
        let id = list.iter_ptr().find(|te| {
            !(**te).resjunk
                && !(**te).resname.is_null()
                && std::ffi::CStr::from_ptr((**te).resname).to_bytes() == b"id"
        });
        let stack = an.ctxs[ctx].stack.clone();
        id.and_then(|te| an.resolve((*te).expr.cast(), &stack))
    };
    // Equalities between the same two occurrences make one link (a composite join).
    let mut grouped: Vec<((usize, usize), Vec<(i16, i16)>)> = Vec::new();
    for &((a, x), (b, y)) in &an.equalities {
        let (key, pair) = if a < b {
            ((a, b), (x, y))
        } else {
            ((b, a), (y, x))
        };
        match grouped.iter_mut().find(|g| g.0 == key) {
            Some(g) if !g.1.contains(&pair) => g.1.push(pair),
            Some(_) => {}
            None => grouped.push((key, vec![pair])),
        }
    }
    // Two occurrences of one table joined on a unique key of it are the same row (v_user's tb_user
    // read for the post's author is the author): they become one occurrence.
    let mut alias: Vec<usize> = (0..an.occurrences.len()).collect();
    fn find(alias: &mut [usize], mut x: usize) -> usize {
        while alias[x] != x {
            x = alias[x];
        }
        x
    }
    for ((a, b), pairs) in &grouped {
        let rel = an.occurrences[*a].rel;
        if rel == an.occurrences[*b].rel
            && pairs.iter().all(|(x, y)| x == y)
            && unique(rel, &pairs.iter().map(|p| p.0).collect::<Vec<_>>())
        {
            let (ra, rb) = (find(&mut alias, *a), find(&mut alias, *b));
            if ra != rb {
                alias[ra.max(rb)] = ra.min(rb);
            }
        }
    }
    let canonical: Vec<usize> = (0..alias.len()).map(|o| find(&mut alias, o)).collect();
    let mut merged: Vec<((usize, usize), Vec<(i16, i16)>)> = Vec::new();
    for ((a, b), pairs) in grouped {
        let (a, b) = (canonical[a], canonical[b]);
        if a == b {
            continue;
        }
        let (key, pairs) = if a < b {
            ((a, b), pairs)
        } else {
            ((b, a), pairs.into_iter().map(|(x, y)| (y, x)).collect())
        };
        match merged.iter_mut().find(|g| g.0 == key) {
            Some(g) => {
                for p in pairs {
                    if !g.1.contains(&p) {
                        g.1.push(p);
                    }
                }
            }
            None => merged.push((key, pairs)),
        }
    }
    let grouped = merged;
    let occ = &an.occurrences;
    let col = |o: usize, n: i16| attname(occ[o].rel, n);
    let links = grouped
        .iter()
        .map(|((a, b), pairs)| Link {
            from: *a,
            from_cols: pairs.iter().map(|p| col(*a, p.0)).collect(),
            to: *b,
            to_cols: pairs.iter().map(|p| col(*b, p.1)).collect(),
        })
        .collect();
    let graph = Graph {
        tables: an.occurrences.iter().map(|o| relname(o.rel)).collect(),
        keys: links,
    };
    let root = root.map(|(o, n)| (canonical[o], attname(an.occurrences[o].rel, n)));
    Analysis {
        occurrences: an.occurrences,
        canonical,
        graph,
        root,
    }
}
