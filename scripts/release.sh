#!/usr/bin/env bash
# A release build with its provenance: `scripts/release.sh [OUT]` builds fraiseql from this checkout
# with the pinned toolchain and Cargo.lock (`cargo pgrx package`, --locked), with paths remapped so the
# library does not depend on where the checkout lies, and writes OUT (default target/dist):
#   fraiseql-VERSION-pg15-x86_64.tar.gz   the package (lib/…/fraiseql.so, share/…/extension/*)
#   SHA256SUMS                            checksums of the tarball and of every file in it
#   provenance.json                       what built it, from which commit, with which inputs
# `scripts/release.sh --verify` builds twice, in two directories, and fails unless both builds give
# the same checksums (reproducibility). docs/supply-chain.md says what this is, and what it is not.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
if [ "${1:-}" = --verify ]; then
  commit=$(git rev-parse HEAD)
  rm -rf target/repro && mkdir -p target/repro
  for d in a b; do
    git clone -q "$ROOT" "target/repro/$d"
    (cd "target/repro/$d" && git checkout -q "$commit" && scripts/release.sh "$ROOT/target/repro/out-$d" >/dev/null)
  done
  if diff <(grep -v tar.gz target/repro/out-a/SHA256SUMS) <(grep -v tar.gz target/repro/out-b/SHA256SUMS); then
    echo "release: reproducible: two builds in different directories give the same files:"
    grep 'fraiseql.so' target/repro/out-a/SHA256SUMS
  else
    echo "release: NOT reproducible: the builds differ (above)"; exit 1
  fi
  exit 0
fi
OUT=${1:-$ROOT/target/dist}
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
PG_CONFIG=${PG_CONFIG:-/usr/bin/pg_config}
rm -rf "$OUT" && mkdir -p "$OUT"
# Deterministic inputs: the checkout's path and the cargo home are remapped out of the binary, the
# timestamp of the archive is the commit's.
export RUSTFLAGS="--remap-path-prefix=$ROOT=/build/fraiseql --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=/cargo"
export CARGO_TARGET_DIR=$ROOT/target/release-build
export SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)
stage=$OUT/stage
# Refuse to build when Cargo.lock does not already pin every dependency (it would be rewritten).
cargo metadata --locked --format-version 1 >/dev/null
cargo pgrx package --pg-config "$PG_CONFIG" --out-dir "$stage" >/dev/null
cp sql/fraiseql--*.sql "$stage$("$PG_CONFIG" --sharedir)/extension/"
name=fraiseql-$VERSION-pg15-$(uname -m)
(cd "$stage" && find . -type f | LC_ALL=C sort | xargs sha256sum) > "$OUT/files.sha256"
tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner -C "$stage" -czf "$OUT/$name.tar.gz" .
rm -rf "$stage"
{ (cd "$OUT" && sha256sum "$name.tar.gz"); cat "$OUT/files.sha256"; } > "$OUT/SHA256SUMS"
rm "$OUT/files.sha256"
cat > "$OUT/provenance.json" <<JSON
{
  "artifact": "$name.tar.gz",
  "sha256": "$(cut -d' ' -f1 < <(head -1 "$OUT/SHA256SUMS"))",
  "source": {"repository": "$(git remote get-url origin 2>/dev/null || echo local)", "commit": "$(git rev-parse HEAD)", "dirty": $( [ -z "$(git status --porcelain)" ] && echo false || echo true )},
  "inputs": {"Cargo.lock_sha256": "$(sha256sum Cargo.lock | cut -d' ' -f1)", "rustc": "$(rustc --version)", "cargo-pgrx": "$(cargo pgrx --version 2>/dev/null | head -1)", "postgresql": "$("$PG_CONFIG" --version)"},
  "build": {"command": "scripts/release.sh", "builder": "$(uname -srm)", "source_date_epoch": $SOURCE_DATE_EPOCH},
  "slsa": "Build L1: provenance exists and names the build; it is not signed and the builder is not hardened (docs/supply-chain.md)"
}
JSON
echo "release: $OUT/$name.tar.gz"
cat "$OUT/SHA256SUMS" | head -3
