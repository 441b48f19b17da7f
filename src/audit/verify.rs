//! Reading the chains back: verification of hashes, links and signatures over one snapshot, and
//! checkpoints (a chain's head and its signature, to anchor elsewhere). The checks themselves are
//! `fraiseql_core::audit`'s.
use std::cell::RefCell;
use std::collections::HashMap;

use fraiseql_core::audit::{self as chain, Entry, Stored};

use super::keys::{active_key, key_by_id};

/// One chain's verification: name, ok, entries checked, entries signed, first bad seq, problem, detail.
pub type ChainReport = (
    String,
    bool,
    i64,
    i64,
    Option<i64>,
    Option<String>,
    Option<String>,
);

/// Entries `from..=to` of one chain, as `snapshot` sees them.
fn load(
    snapshot: &crate::execute::spi_read::Snapshot,
    chain_name: &str,
    from: i64,
    to: i64,
) -> Vec<Stored> {
    use crate::execute::spi_read::arg;
    crate::execute::spi_read::select(
        "SELECT seq, (extract(epoch FROM logged_at) * 1000000)::bigint, role::text, subject, tenant, operation, field, function,
                query_sha256, variables_sha256, outcome, entity_id, prev_hash, entry_hash, signature, key_id
           FROM fraiseql.audit_log WHERE chain = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq",
        &[arg(chain_name), arg(from), arg(to)],
        Some(snapshot),
        |rows| {
            (0..rows.len())
                .map(|i| Stored {
                    entry: Entry {
                        chain: chain_name.to_string(),
                        seq: rows.get(i, 1).unwrap_or(0),
                        logged_at_us: rows.get(i, 2).unwrap_or(0),
                        role: rows.get(i, 3).unwrap_or_default(),
                        subject: rows.get(i, 4),
                        tenant: rows.get(i, 5),
                        operation: rows.get(i, 6),
                        field: rows.get(i, 7).unwrap_or_default(),
                        function: rows.get(i, 8).unwrap_or_default(),
                        query_sha256: rows.get(i, 9).unwrap_or_default(),
                        variables_sha256: rows.get(i, 10).unwrap_or_default(),
                        outcome: rows.get(i, 11).unwrap_or_default(),
                        entity_id: rows.get(i, 12),
                    },
                    prev_hash: rows.get(i, 13).unwrap_or_default(),
                    entry_hash: rows.get(i, 14).unwrap_or_default(),
                    signature: rows.get(i, 15),
                    key_id: rows.get(i, 16),
                })
                .collect()
        },
    )
}

/// Checks hashes, links and signatures of one chain or all, optionally a seq range; names the first
/// bad entry and why (edited, deleted, inserted, reordered, bad signature, unknown key).
pub fn verify(chain: Option<&str>, from_seq: Option<i64>, to_seq: Option<i64>) -> Vec<ChainReport> {
    // One snapshot for the heads and every chain's entries, whatever the caller's isolation level:
    // with writers appending, statements with fresh snapshots would see entries beyond the heads
    // they read earlier and report tampering that is not there.
    let snapshot = crate::execute::spi_read::Snapshot::take();
    let chains: Vec<(String, i64, Vec<u8>)> = crate::execute::spi_read::select(
        "SELECT c.chain, coalesce(h.seq, 0), coalesce(h.hash, '\\x'::bytea)
           FROM (SELECT chain FROM fraiseql.audit_head UNION SELECT DISTINCT chain FROM fraiseql.audit_log) c
           LEFT JOIN fraiseql.audit_head h USING (chain)
          WHERE $1::text IS NULL OR c.chain = $1 ORDER BY 1",
        &[crate::execute::spi_read::arg(chain)],
        Some(&snapshot),
        |rows| {
            (0..rows.len())
                .map(|i| {
                    (
                        rows.get::<String>(i, 1).unwrap_or_default(),
                        rows.get::<i64>(i, 2).unwrap_or(0),
                        rows.get::<Vec<u8>>(i, 3).unwrap_or_default(),
                    )
                })
                .collect()
        },
    );
    let keys: RefCell<HashMap<String, Option<Vec<u8>>>> = RefCell::new(HashMap::new());
    let mut results = Vec::new();
    for (name, head_seq, head_hash) in chains {
        let from = from_seq.unwrap_or(1).max(1);
        let to = to_seq.unwrap_or(i64::MAX);
        let (anchor, first_seq) = if from > 1 {
            let before = load(&snapshot, &name, from - 1, from - 1);
            (
                before
                    .first()
                    .map(|s| s.entry_hash.clone())
                    .unwrap_or_default(),
                from,
            )
        } else {
            (chain::GENESIS.to_vec(), 1)
        };
        let entries = load(&snapshot, &name, from, to);
        let head = (to >= head_seq).then_some((head_seq, head_hash.as_slice()));
        let report = chain::verify(&entries, first_seq, &anchor, head, &|id: &str| {
            keys.borrow_mut()
                .entry(id.to_string())
                .or_insert_with(|| key_by_id(id))
                .clone()
        });
        let bad = report.first_bad;
        results.push((
            name,
            bad.is_none(),
            report.checked as i64,
            report.signed as i64,
            bad.as_ref().map(|b| b.seq),
            bad.as_ref().map(|b| b.problem.as_str().to_string()),
            bad.map(|b| b.detail),
        ));
    }
    results
}

/// The chain head (seq, hash) and its signature, to anchor elsewhere (a ticket, a transparency log).
pub fn checkpoint(chain: Option<&str>) -> serde_json::Value {
    let name = chain.unwrap_or("global");
    let head = crate::execute::spi_read::select(
        "SELECT seq, hash FROM fraiseql.audit_head WHERE chain = $1",
        &[crate::execute::spi_read::arg(name)],
        None,
        |rows| (rows.get::<i64>(0, 1), rows.get::<Vec<u8>>(0, 2)),
    );
    let (seq, hash) = match head {
        (Some(seq), Some(hash)) => (seq, hash),
        _ => (0, chain::GENESIS.to_vec()),
    };
    let (signature, key_id) = match active_key() {
        Some((id, key)) => (Some(chain::hex(&chain::sign(&key, &hash))), Some(id)),
        None => (None, None),
    };
    serde_json::json!({ "chain": name, "seq": seq, "head_hash": chain::hex(&hash), "signature": signature, "key_id": key_id })
}
