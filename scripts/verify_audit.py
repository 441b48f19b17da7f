#!/usr/bin/env python3
"""Verify a fraiseql audit chain outside PostgreSQL, from an export of fraiseql.audit_log.

Export (as a role that may read the log) and verify:

    psql -At -c "SELECT json_agg(e ORDER BY chain, seq) FROM (
                   SELECT chain, seq, (extract(epoch FROM logged_at) * 1000000)::bigint AS logged_at_us,
                          role::text, subject, tenant, operation, field, function, query_sha256,
                          variables_sha256, outcome, entity_id, encode(prev_hash, 'hex') AS prev_hash,
                          encode(entry_hash, 'hex') AS entry_hash, encode(signature, 'hex') AS signature, key_id
                     FROM fraiseql.audit_log) e" > audit.json
    scripts/verify_audit.py audit.json --key k1=<hex secret> [--key k2=<hex>] [--head tenant-a=<seq>:<hex hash>]

It recomputes entry_hash = SHA-256(prev_hash || canonical(entry)) and
signature = HMAC-SHA256(key[key_id], entry_hash) with Python's standard library only, following
docs/audit.md, and prints the first broken entry of each chain (exit status 1) or OK (0).
"""
import argparse
import hashlib
import hmac
import json
import sys
from collections import defaultdict

FIELDS = ["chain", "entity_id", "field", "function", "logged_at_us", "operation", "outcome",
          "query_sha256", "role", "seq", "subject", "tenant", "variables_sha256"]


def canonical(entry):
    obj = {k: entry.get(k) for k in FIELDS}
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def verify_chain(entries, keys, head):
    prev = bytes(32)
    expected = 1
    for e in entries:
        seq = e["seq"]
        if head is not None and seq > head[0]:
            return f"seq {seq}: inserted (beyond the chain head at {head[0]})"
        h = hashlib.sha256(bytes.fromhex(e["prev_hash"]) + canonical(e)).hexdigest()
        if h != e["entry_hash"]:
            return f"seq {seq}: edited or reordered (content does not hash to entry_hash)"
        if seq > expected:
            return f"seq {seq}: deleted (entries {expected}..{seq - 1} missing)"
        if seq < expected or bytes.fromhex(e["prev_hash"]) != prev:
            return f"seq {seq}: inserted (prev_hash does not link to the previous entry)"
        if e.get("signature"):
            key = keys.get(e.get("key_id"))
            if key is None:
                return f"seq {seq}: unknown key {e.get('key_id')!r}"
            mac = hmac.new(key, bytes.fromhex(e["entry_hash"]), hashlib.sha256).hexdigest()
            if not hmac.compare_digest(mac, e["signature"]):
                return f"seq {seq}: bad signature"
        prev = bytes.fromhex(e["entry_hash"])
        expected = seq + 1
    if head is not None and head[0] >= expected:
        return f"seq {expected}: deleted (the chain head is at {head[0]})"
    if head is not None and head[0] == expected - 1 and head[1] and bytes.fromhex(head[1]) != prev:
        return f"seq {head[0]}: inserted (not the entry the chain head recorded)"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("export", help="JSON array exported from fraiseql.audit_log (see above)")
    ap.add_argument("--key", action="append", default=[], help="key_id=hexsecret (repeatable)")
    ap.add_argument("--head", action="append", default=[], help="chain=seq:hexhash from fraiseql.audit_checkpoint()")
    args = ap.parse_args()
    keys = {k: bytes.fromhex(v) for k, v in (s.split("=", 1) for s in args.key)}
    heads = {}
    for s in args.head:
        chain, rest = s.split("=", 1)
        seq, _, h = rest.partition(":")
        heads[chain] = (int(seq), h)
    with open(args.export, encoding="utf-8") as f:
        rows = json.load(f) or []
    chains = defaultdict(list)
    for r in rows:
        chains[r["chain"]].append(r)
    bad = False
    for chain in sorted(set(chains) | set(heads)):
        entries = sorted(chains.get(chain, []), key=lambda e: e["seq"])
        problem = verify_chain(entries, keys, heads.get(chain))
        print(f"{chain}: {'OK, ' + str(len(entries)) + ' entries' if problem is None else problem}")
        bad = bad or problem is not None
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
