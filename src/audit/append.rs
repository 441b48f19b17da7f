//! Appending a transaction's audit entries at commit, through the heap and index access methods: per
//! chain, a lock serialising its appenders, the head read as committed now, each entry linked,
//! hashed, signed and inserted, the head moved. No SQL runs: no planner or executor start-up, no name
//! resolved through a search_path, no privilege of the calling role involved, no trigger fired.
use fraiseql_core::audit::{self as chain, Entry};
use pgrx::prelude::*;
use pgrx::{FromDatum, IntoDatum};

/// One entry to append, and the variables stored with it (when `fraiseql.audit_variables` is `full`).
pub struct Append<'a> {
    pub entry: &'a Entry,
    pub variables: Option<&'a serde_json::Value>,
}

/// The extension's audit tables, by oid.
pub struct Tables {
    pub log: pg_sys::Oid,
    pub head: pg_sys::Oid,
}

/// The number that names a chain's lock: appenders of one chain wait for each other; chains that
/// share a number (a 32-bit hash) only wait needlessly. Chains are locked in the order of this number,
/// so two transactions that touch the same chains cannot deadlock on them.
pub fn lock_key(chain_name: &str) -> u32 {
    let h = chain::sha256(chain_name.as_bytes());
    u32::from_be_bytes([h[0], h[1], h[2], h[3]])
}

/// Column types of `fraiseql.audit_log`, in order (checked before writing: the tuple is built by position).
const LOG_COLUMNS: [pg_sys::Oid; 18] = {
    use pg_sys::{BYTEAOID as B, INT8OID as I, JSONBOID as J, TEXTOID as T, TIMESTAMPTZOID as TS};
    [T, I, TS, T, T, T, T, T, T, T, J, T, T, T, B, B, B, T]
};
const HEAD_COLUMNS: [pg_sys::Oid; 4] = [
    pg_sys::TEXTOID,
    pg_sys::INT8OID,
    pg_sys::BYTEAOID,
    pg_sys::BYTEAOID,
];

/// Appends `entries` — all of chain `chain_name`, in their order — signing with `key`. Runs inside the
/// committing transaction; the chain's lock is held until it ends. An error aborts the transaction.
pub fn append(
    tables: &Tables,
    chain_name: &str,
    entries: &[Append],
    key: Option<&(String, Vec<u8>)>,
) {
    // SAFETY: called in a transaction (the pre-commit hook) with valid table oids; every relation and
    // scan opened here is closed here, and an error unwinds through Postgres, which releases them.
    unsafe {
        // Everything that does not depend on the entries' place in the chain is done before taking its
        // lock, which appenders of the chain wait for.
        let head = Table::open(tables.head, &HEAD_COLUMNS, "fraiseql.audit_head");
        let log = Table::open(tables.log, &LOG_COLUMNS, "fraiseql.audit_log");
        let rows: Vec<_> = entries
            .iter()
            .map(|a| (chain::canonical_parts(a.entry), log_row(a, key)))
            .collect();
        pg_sys::LockDatabaseObject(
            tables.head,
            pg_sys::Oid::from(lock_key(chain_name)),
            0,
            pg_sys::ExclusiveLock as pg_sys::LOCKMODE,
        );
        // Read as committed now, not as of the transaction's snapshot (which may predate the previous
        // holder's commit, whatever the isolation level). SnapshotSelf is exact here: under the lock no
        // other transaction writing the head is in progress, so exactly one version is committed and
        // not yet replaced. Not being an MVCC snapshot, it takes no SERIALIZABLE predicate locks, so
        // serializable appenders of one chain do not conflict through its head.
        let snapshot = std::ptr::addr_of_mut!(pg_sys::SnapshotSelfData);
        let found = read_head(head.rel, chain_name, snapshot);
        let (mut seq, mut hash, mut prev) = match &found {
            Some((_, seq, hash, prev)) => (*seq, hash.clone(), prev.clone()),
            None => (0, chain::GENESIS.to_vec(), chain::GENESIS.to_vec()),
        };
        for ((prefix, suffix), mut row) in rows {
            seq += 1;
            prev = hash;
            hash = chain::link_hash(&prev, &prefix, seq, &suffix).to_vec();
            row[log_column::SEQ] = seq.into_datum();
            row[log_column::PREV_HASH] = prev.as_slice().into_datum();
            row[log_column::ENTRY_HASH] = hash.as_slice().into_datum();
            row[log_column::SIGNATURE] =
                key.and_then(|(_, k)| chain::sign(k, &hash).as_slice().into_datum());
            log.insert(&row);
        }
        let values = [
            chain_name.into_datum(),
            seq.into_datum(),
            hash.as_slice().into_datum(),
            prev.as_slice().into_datum(),
        ];
        match found {
            // Only seq and hashes change, not the indexed chain name: a HOT update, no index entry.
            Some((tid, ..)) => head.update(tid, &values),
            None => head.insert(&values),
        }
        log.close();
        head.close();
    }
}

/// Positions in `fraiseql.audit_log` of the columns only known under the chain's lock.
mod log_column {
    pub const SEQ: usize = 1;
    pub const PREV_HASH: usize = 14;
    pub const ENTRY_HASH: usize = 15;
    pub const SIGNATURE: usize = 16;
}

/// An `audit_log` row for the entry, its place in the chain (seq, hashes, signature) still empty.
fn log_row(a: &Append, key: Option<&(String, Vec<u8>)>) -> [Option<pg_sys::Datum>; 18] {
    let e = a.entry;
    [
        e.chain.as_str().into_datum(),
        None, // seq
        Some(pg_sys::Datum::from(
            e.logged_at_us - crate::audit::PG_EPOCH_US,
        )),
        e.role.as_str().into_datum(),
        e.subject.as_deref().into_datum(),
        e.tenant.as_deref().into_datum(),
        e.operation.as_deref().into_datum(),
        e.field.as_str().into_datum(),
        e.function.as_str().into_datum(),
        e.query_sha256.as_str().into_datum(),
        a.variables.map(crate::execute::jsonb::datum_from_json),
        e.variables_sha256.as_str().into_datum(),
        e.outcome.as_str().into_datum(),
        e.entity_id.as_deref().into_datum(),
        None, // prev_hash
        None, // entry_hash
        None, // signature
        key.map(|(id, _)| id.as_str()).into_datum(),
    ]
}

/// An audit table opened for appending, with its indexes.
struct Table {
    rel: pg_sys::Relation,
    indexes: pg_sys::CatalogIndexState,
}

impl Table {
    /// Opens the table, checking it still has the columns this module writes by position and no index
    /// this module cannot maintain (on expressions, or with a predicate).
    unsafe fn open(oid: pg_sys::Oid, columns: &[pg_sys::Oid], name: &str) -> Table {
        // SAFETY: the caller holds a transaction; the descriptor and index state live until `close`.
        unsafe {
            let rel = pg_sys::table_open(oid, pg_sys::RowExclusiveLock as pg_sys::LOCKMODE);
            let desc = (*rel).rd_att;
            let attrs = (*desc).attrs.as_slice((*desc).natts as usize);
            let shape_ok = attrs.len() == columns.len()
                && attrs
                    .iter()
                    .zip(columns)
                    .all(|(a, t)| !a.attisdropped && a.atttypid == *t);
            if !shape_ok {
                crate::error::Error::NotInPrerequisiteState(format!("fraiseql: {name} does not have the columns this version of fraiseql writes (was the table altered?); restore its definition from the extension's install script")).raise();
            }
            let indexes = pg_sys::CatalogOpenIndexes(rel);
            let count = (*indexes).ri_NumIndices as usize;
            let infos = if count == 0 || (*indexes).ri_IndexRelationInfo.is_null() {
                &[][..]
            } else {
                std::slice::from_raw_parts((*indexes).ri_IndexRelationInfo, count)
            };
            if infos
                .iter()
                .any(|i| !(**i).ii_Expressions.is_null() || !(**i).ii_Predicate.is_null())
            {
                crate::error::Error::NotInPrerequisiteState(format!("fraiseql: {name} has an index on an expression or with a WHERE clause, which audit appends cannot maintain; index plain columns instead")).raise();
            }
            Table { rel, indexes }
        }
    }

    unsafe fn insert(&self, values: &[Option<pg_sys::Datum>]) {
        // SAFETY: the table is open; `form_tuple` matches its descriptor (checked by `open`).
        unsafe {
            let tuple = form_tuple(self.rel, values);
            pg_sys::CatalogTupleInsertWithInfo(self.rel, tuple, self.indexes);
        }
    }

    unsafe fn update(&self, mut tid: pg_sys::ItemPointerData, values: &[Option<pg_sys::Datum>]) {
        // SAFETY: as `insert`; `tid` is a live tuple of this table, read under the chain's lock.
        unsafe {
            let tuple = form_tuple(self.rel, values);
            pg_sys::CatalogTupleUpdateWithInfo(self.rel, &mut tid, tuple, self.indexes);
        }
    }

    unsafe fn close(self) {
        // SAFETY: opened by `open`; the lock is kept until the transaction ends.
        unsafe {
            pg_sys::CatalogCloseIndexes(self.indexes);
            pg_sys::table_close(self.rel, pg_sys::NoLock as pg_sys::LOCKMODE);
        }
    }
}

/// A heap tuple of `rel`'s row type from `values` (`None`: NULL).
unsafe fn form_tuple(rel: pg_sys::Relation, values: &[Option<pg_sys::Datum>]) -> pg_sys::HeapTuple {
    let mut nulls: Vec<bool> = values.iter().map(Option::is_none).collect();
    let mut datums: Vec<pg_sys::Datum> = values
        .iter()
        .map(|v| v.unwrap_or(pg_sys::Datum::from(0usize)))
        .collect();
    // SAFETY: one datum and one null flag per attribute, checked against the descriptor by `open`.
    unsafe { pg_sys::heap_form_tuple((*rel).rd_att, datums.as_mut_ptr(), nulls.as_mut_ptr()) }
}

/// The chain's head row — its tuple id, seq, hash and prev — as of `snapshot`; `None` for a new chain.
unsafe fn read_head(
    head: pg_sys::Relation,
    chain_name: &str,
    snapshot: pg_sys::Snapshot,
) -> Option<(pg_sys::ItemPointerData, i64, Vec<u8>, Vec<u8>)> {
    // SAFETY: a scan of an open relation through its primary key, ended before returning; the values
    // are copied out of the tuple before the scan ends.
    unsafe {
        let mut key: pg_sys::ScanKeyData = std::mem::zeroed();
        pg_sys::ScanKeyInit(
            &mut key,
            1,
            pg_sys::BTEqualStrategyNumber as pg_sys::StrategyNumber,
            pg_sys::Oid::from(pg_sys::F_TEXTEQ),
            chain_name.into_datum().expect("text is never NULL"),
        );
        // Without its primary key (never, unless someone dropped it) the scan reads the whole table.
        let index = pg_sys::RelationGetPrimaryKeyIndex(head);
        let by_index = index != pg_sys::InvalidOid;
        let scan = pg_sys::systable_beginscan(head, index, by_index, snapshot, 1, &mut key);
        let tuple = pg_sys::systable_getnext(scan);
        let found = (!tuple.is_null()).then(|| {
            let mut values = [pg_sys::Datum::from(0usize); 4];
            let mut nulls = [false; 4];
            pg_sys::heap_deform_tuple(
                tuple,
                (*head).rd_att,
                values.as_mut_ptr(),
                nulls.as_mut_ptr(),
            );
            (
                (*tuple).t_self,
                i64::from_datum(values[1], nulls[1]).unwrap_or(0),
                Vec::<u8>::from_datum(values[2], nulls[2]).unwrap_or_default(),
                Vec::<u8>::from_datum(values[3], nulls[3]).unwrap_or_default(),
            )
        });
        pg_sys::systable_endscan(scan);
        found
    }
}
