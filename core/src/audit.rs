//! The audit chain's arithmetic: the canonical encoding of an entry, `entry_hash =
//! SHA-256(prev_hash ‖ canonical)`, `signature = HMAC-SHA256(key, entry_hash)`, and verification
//! that names the first broken entry and why. Pure: storage and keys belong to the extension.
use hmac::{Hmac, Mac};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

/// `prev_hash` of the first entry of every chain.
pub const GENESIS: [u8; 32] = [0u8; 32];

/// What is hashed for one executed mutation. Times are microseconds since the Unix epoch (UTC), hashes
/// lowercase hex, absent values `null`.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub chain: String,
    pub seq: i64,
    pub logged_at_us: i64,
    pub role: String,
    pub subject: Option<String>,
    pub tenant: Option<String>,
    pub operation: Option<String>,
    pub field: String,
    pub function: String,
    pub query_sha256: String,
    pub variables_sha256: String,
    pub outcome: String,
    pub entity_id: Option<String>,
}

/// Appends `s` as a JSON string literal, escaped as serde_json (and Python's `json.dumps`) write it:
/// `"` and `\`, the short escapes `\b \f \n \r \t`, other control characters as `\u00xx`,
/// everything else (non-ASCII included) as is.
fn push_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                const DIGITS: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(DIGITS[(c as usize) >> 4] as char);
                out.push(DIGITS[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A value of the canonical encoding.
enum Value<'a> {
    Str(&'a str),
    Opt(&'a Option<String>),
    Int(i64),
}

/// Appends `"key":value` for each pair, each preceded by `{` (the first of an object) or `,`.
fn push_members(out: &mut String, members: &[(&str, Value)], open: bool) {
    for (i, (key, value)) in members.iter().enumerate() {
        out.push(if open && i == 0 { '{' } else { ',' });
        push_str(out, key);
        out.push(':');
        match value {
            Value::Str(s) => push_str(out, s),
            Value::Opt(Some(s)) => push_str(out, s),
            Value::Opt(None) => out.push_str("null"),
            Value::Int(n) => out.push_str(&n.to_string()),
        }
    }
}

/// The canonical encoding split around the value of `seq`, which the appender learns only under
/// the chain's lock: `canonical(e) == prefix + seq + suffix`. Keys in sorted order.
pub fn canonical_parts(e: &Entry) -> (String, String) {
    use Value::*;
    let mut prefix = String::with_capacity(320);
    push_members(
        &mut prefix,
        &[
            ("chain", Str(&e.chain)),
            ("entity_id", Opt(&e.entity_id)),
            ("field", Str(&e.field)),
            ("function", Str(&e.function)),
            ("logged_at_us", Int(e.logged_at_us)),
            ("operation", Opt(&e.operation)),
            ("outcome", Str(&e.outcome)),
            ("query_sha256", Str(&e.query_sha256)),
            ("role", Str(&e.role)),
        ],
        true,
    );
    prefix.push_str(",\"seq\":");
    let mut suffix = String::with_capacity(160);
    push_members(
        &mut suffix,
        &[
            ("subject", Opt(&e.subject)),
            ("tenant", Opt(&e.tenant)),
            ("variables_sha256", Str(&e.variables_sha256)),
        ],
        false,
    );
    suffix.push('}');
    (prefix, suffix)
}

/// The canonical encoding (docs/audit.md): a JSON object with exactly these keys, sorted, no
/// whitespace, UTF-8 — what `json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)` gives.
pub fn canonical(e: &Entry) -> String {
    let (prefix, suffix) = canonical_parts(e);
    format!("{prefix}{}{suffix}", e.seq)
}

pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

/// SHA-256 of a JSON value in canonical form (sorted keys, compact) — for request variables.
pub fn json_sha256(value: &Json) -> String {
    let mut text = String::new();
    push_sorted(&mut text, value);
    hex(&sha256(text.as_bytes()))
}

/// `value` as compact JSON with every object's keys in sorted (bytewise) order, whatever order the
/// value holds them in.
fn push_sorted(out: &mut String, value: &Json) {
    match value {
        Json::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(key).expect("a string serialises"));
                out.push(':');
                push_sorted(out, &map[key]);
            }
            out.push('}');
        }
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_sorted(out, item);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

pub fn entry_hash(prev_hash: &[u8], e: &Entry) -> [u8; 32] {
    let (prefix, suffix) = canonical_parts(e);
    link_hash(prev_hash, &prefix, e.seq, &suffix)
}

/// `entry_hash` from the parts of [`canonical_parts`].
pub fn link_hash(prev_hash: &[u8], prefix: &str, seq: i64, suffix: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev_hash);
    h.update(prefix.as_bytes());
    h.update(seq.to_string().as_bytes());
    h.update(suffix.as_bytes());
    h.finalize().into()
}

pub fn sign(key: &[u8], entry_hash: &[u8]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(entry_hash);
    mac.finalize().into_bytes().into()
}

/// An entry as stored, with its chain links.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub entry: Entry,
    pub prev_hash: Vec<u8>,
    pub entry_hash: Vec<u8>,
    pub signature: Option<Vec<u8>>,
    pub key_id: Option<String>,
}

/// Why an entry is not what the chain says it should be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// Its content no longer hashes to its `entry_hash`.
    Edited,
    /// Its content hashes correctly, but at another position.
    Reordered,
    /// Entries are missing before it (a gap in `seq`, or the chain head is past the last entry).
    Deleted,
    /// It is not linked from the entry before it, or it lies beyond the chain head.
    Inserted,
    /// Its signature does not verify with its key.
    BadSignature,
    /// It names a key that is not installed.
    UnknownKey,
}

impl Problem {
    pub fn as_str(self) -> &'static str {
        match self {
            Problem::Edited => "edited",
            Problem::Reordered => "reordered",
            Problem::Deleted => "deleted",
            Problem::Inserted => "inserted",
            Problem::BadSignature => "bad signature",
            Problem::UnknownKey => "unknown key",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub seq: i64,
    pub problem: Problem,
    pub detail: String,
}

/// The outcome of verifying a chain (or a range of it).
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub checked: usize,
    pub signed: usize,
    pub first_bad: Option<Finding>,
}

/// Verifies `entries` (ordered by `seq`). `anchor` is the `entry_hash` before the first entry
/// (`GENESIS` for a chain's start), `head` the chain head's (seq, hash) when the range reaches the end.
pub fn verify(
    entries: &[Stored],
    first_seq: i64,
    anchor: &[u8],
    head: Option<(i64, &[u8])>,
    key: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> Report {
    let mut report = Report {
        checked: 0,
        signed: 0,
        first_bad: None,
    };
    let mut expected_seq = first_seq;
    let mut prev: Vec<u8> = anchor.to_vec();
    for s in entries {
        match check_entry(s, expected_seq, &prev, head.map(|(seq, _)| seq), key) {
            Err(bad) => {
                report.first_bad = Some(bad);
                return report;
            }
            Ok(signed) => report.signed += usize::from(signed),
        }
        report.checked += 1;
        prev = s.entry_hash.clone();
        expected_seq = s.entry.seq + 1;
    }
    report.first_bad = check_head(head, expected_seq, &prev, !entries.is_empty());
    report
}

fn finding(seq: i64, problem: Problem, detail: String) -> Finding {
    Finding {
        seq,
        problem,
        detail,
    }
}

/// One entry, expected at `expected_seq` after the entry hashed `prev`: its own hash, its link, its
/// place (not beyond the head) and its signature. `Ok(true)` when it is signed and verifies.
/// Long by design: the checks in the order they must run, each with its own finding.
fn check_entry(
    s: &Stored,
    expected_seq: i64,
    prev: &[u8],
    head_seq: Option<i64>,
    key: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> Result<bool, Finding> {
    let e = &s.entry;
    if let Some(head_seq) = head_seq {
        if e.seq > head_seq {
            return Err(finding(
                e.seq,
                Problem::Inserted,
                format!(
                    "entry {} lies beyond the chain head (seq {head_seq})",
                    e.seq
                ),
            ));
        }
    }
    if entry_hash(&s.prev_hash, e).as_slice() != s.entry_hash.as_slice() {
        let moved = (e.seq - 16..=e.seq + 16)
            .filter(|c| *c != e.seq && *c > 0)
            .find(|c| {
                let mut other = e.clone();
                other.seq = *c;
                entry_hash(&s.prev_hash, &other).as_slice() == s.entry_hash.as_slice()
            });
        return Err(match moved {
            Some(orig) => finding(
                e.seq,
                Problem::Reordered,
                format!("entry at seq {} was written as seq {orig}", e.seq),
            ),
            None => finding(
                e.seq,
                Problem::Edited,
                format!(
                    "entry {} does not hash to its entry_hash: its content was changed",
                    e.seq
                ),
            ),
        });
    }
    if e.seq > expected_seq {
        return Err(finding(
            e.seq,
            Problem::Deleted,
            format!("entries {expected_seq}..{} are missing", e.seq - 1),
        ));
    }
    if e.seq < expected_seq || s.prev_hash != prev {
        return Err(finding(
            e.seq,
            Problem::Inserted,
            format!(
                "entry {} does not link to the entry before it (prev_hash differs)",
                e.seq
            ),
        ));
    }
    match (&s.signature, &s.key_id) {
        (Some(sig), Some(kid)) => match key(kid) {
            None => {
                return Err(finding(
                    e.seq,
                    Problem::UnknownKey,
                    format!(
                        "entry {} is signed with key \"{kid}\", which is not installed",
                        e.seq
                    ),
                ));
            }
            Some(k) if sign(&k, &s.entry_hash).as_slice() != sig.as_slice() => {
                return Err(finding(
                    e.seq,
                    Problem::BadSignature,
                    format!(
                        "the signature of entry {} does not verify with key \"{kid}\"",
                        e.seq
                    ),
                ));
            }
            Some(_) => return Ok(true),
        },
        (None, None) => {}
        _ => {
            return Err(finding(
                e.seq,
                Problem::BadSignature,
                format!(
                    "entry {} has a signature without a key id, or a key id without a signature",
                    e.seq
                ),
            ))
        }
    }
    Ok(false)
}

/// After the last entry: the chain head must not point further (deleted entries) nor record
/// another last entry (a replaced one).
fn check_head(
    head: Option<(i64, &[u8])>,
    expected_seq: i64,
    prev: &[u8],
    any: bool,
) -> Option<Finding> {
    if let Some((head_seq, head_hash)) = head {
        if head_seq >= expected_seq {
            return Some(finding(
                expected_seq,
                Problem::Deleted,
                format!(
                    "the chain head is at seq {head_seq} but the last entry is {}",
                    expected_seq - 1
                ),
            ));
        } else if head_seq == expected_seq - 1 && head_hash != prev && any {
            return Some(finding(
                head_seq,
                Problem::Inserted,
                format!(
                    "entry {head_seq} is not the entry the chain head recorded (it was replaced)"
                ),
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn entry(seq: i64) -> Entry {
        Entry {
            chain: "t1".into(),
            seq,
            logged_at_us: 1_700_000_000_000_000 + seq,
            role: "app".into(),
            subject: Some("u-1".into()),
            tenant: Some("t1".into()),
            operation: Some("Op".into()),
            field: "createUser".into(),
            function: "public.fn_create_user".into(),
            query_sha256: "ab".into(),
            variables_sha256: "cd".into(),
            outcome: "created".into(),
            entity_id: None,
        }
    }

    fn chain(n: i64, key: &[u8]) -> Vec<Stored> {
        let mut prev = GENESIS.to_vec();
        (1..=n)
            .map(|seq| {
                let e = entry(seq);
                let h = entry_hash(&prev, &e).to_vec();
                let s = Stored {
                    entry: e,
                    prev_hash: prev.clone(),
                    entry_hash: h.clone(),
                    signature: Some(sign(key, &h).to_vec()),
                    key_id: Some("k1".into()),
                };
                prev = h;
                s
            })
            .collect()
    }

    fn check(c: &[Stored], head: (i64, Vec<u8>)) -> Report {
        verify(c, 1, &GENESIS, Some((head.0, &head.1)), &|id: &str| {
            (id == "k1").then(|| b"secret".to_vec())
        })
    }

    #[test]
    fn hashing_and_signing_match_the_published_test_vectors() {
        // FIPS 180-2, appendix B.1
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // RFC 4231, test case 2
        assert_eq!(
            hex(&sign(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn variables_hash_over_sorted_keys_whatever_their_order() {
        // Objects keep insertion order (serde_json's preserve_order); the hash must not depend on it.
        let a: Json =
            serde_json::from_str(r#"{"zeta":1,"alpha":{"b":[{"y":2,"x":"\u0001"}],"a":null}}"#)
                .unwrap();
        let b: Json =
            serde_json::from_str(r#"{"alpha":{"a":null,"b":[{"x":"\u0001","y":2}]},"zeta":1}"#)
                .unwrap();
        let sorted = r#"{"alpha":{"a":null,"b":[{"x":"\u0001","y":2}]},"zeta":1}"#;
        assert_eq!(json_sha256(&a), hex(&sha256(sorted.as_bytes())));
        assert_eq!(json_sha256(&b), json_sha256(&a));
    }

    #[test]
    fn canonical_is_sorted_and_compact() {
        let mut e = entry(1);
        e.subject = Some("quote \" and ünïcode \u{1}".into());
        e.role = "back\\slash \u{8}\u{c}\n\r\t \u{1f} \u{7f} 😀".into();
        e.operation = Some("op\u{0}".into());
        let sorted: BTreeMap<&str, Json> = [
            ("chain", json!(e.chain)),
            ("entity_id", json!(e.entity_id)),
            ("field", json!(e.field)),
            ("function", json!(e.function)),
            ("logged_at_us", json!(e.logged_at_us)),
            ("operation", json!(e.operation)),
            ("outcome", json!(e.outcome)),
            ("query_sha256", json!(e.query_sha256)),
            ("role", json!(e.role)),
            ("seq", json!(e.seq)),
            ("subject", json!(e.subject)),
            ("tenant", json!(e.tenant)),
            ("variables_sha256", json!(e.variables_sha256)),
        ]
        .into_iter()
        .collect();
        assert_eq!(canonical(&e), serde_json::to_string(&sorted).unwrap());
        let c = canonical(&entry(1));
        assert!(
            c.starts_with("{\"chain\":\"t1\",\"entity_id\":null,\"field\":\"createUser\""),
            "{c}"
        );
        assert!(!c.contains(' ') || c.contains("\"app\""));
    }

    #[test]
    fn an_intact_chain_verifies() {
        let c = chain(5, b"secret");
        let r = check(&c, (5, c[4].entry_hash.clone()));
        assert_eq!(r.first_bad, None);
        assert_eq!((r.checked, r.signed), (5, 5));
    }

    #[test]
    fn each_kind_of_tampering_is_named() {
        let c = chain(5, b"secret");
        let head = (5, c[4].entry_hash.clone());
        let mut edited = c.clone();
        edited[2].entry.outcome = "deleted".into();
        assert_eq!(
            check(&edited, head.clone()).first_bad.unwrap().problem,
            Problem::Edited
        );
        let mut deleted = c.clone();
        deleted.remove(2);
        assert_eq!(
            check(&deleted, head.clone()).first_bad.unwrap().problem,
            Problem::Deleted
        );
        let mut tail_deleted = c.clone();
        tail_deleted.pop();
        assert_eq!(
            check(&tail_deleted, head.clone())
                .first_bad
                .unwrap()
                .problem,
            Problem::Deleted
        );
        let mut swapped = c.clone();
        let (a, b) = (swapped[1].entry.seq, swapped[2].entry.seq);
        swapped[1].entry.seq = b;
        swapped[2].entry.seq = a;
        swapped.swap(1, 2);
        assert_eq!(
            check(&swapped, head.clone()).first_bad.unwrap().problem,
            Problem::Reordered
        );
        let mut forged = c.clone();
        let e = entry(6);
        let h = entry_hash(&c[4].entry_hash, &e).to_vec();
        forged.push(Stored {
            entry: e,
            prev_hash: c[4].entry_hash.clone(),
            entry_hash: h.clone(),
            signature: Some(sign(b"guess", &h).to_vec()),
            key_id: Some("k1".into()),
        });
        assert_eq!(
            check(&forged, head.clone()).first_bad.unwrap().problem,
            Problem::Inserted
        );
        let mut resigned = c.clone();
        resigned[3].signature = Some(vec![0; 32]);
        assert_eq!(
            check(&resigned, head.clone()).first_bad.unwrap().problem,
            Problem::BadSignature
        );
        let mut unknown = c.clone();
        unknown[0].key_id = Some("k9".into());
        assert_eq!(
            check(&unknown, head).first_bad.unwrap().problem,
            Problem::UnknownKey
        );
    }
}
