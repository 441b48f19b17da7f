#!/usr/bin/env bash
# Installs what fraiseql needs to build and test, idempotently: apt packages, cargo-pgrx at the version
# pinned in Cargo.toml, and `cargo pgrx init` against the system PostgreSQL 15.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_CONFIG=${PG_CONFIG:-/usr/bin/pg_config}
need_apt=()
for pkg in postgresql-15 postgresql-server-dev-15 libclang-dev clang sudo pgbouncer curl \
           prometheus-node-exporter prometheus-postgres-exporter; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "bootstrap: apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

want=$(sed -n 's/^pgrx *= *{[^}]*version *= *"=\([0-9.]*\)".*/\1/p; s/^pgrx *= *"=\([0-9.]*\)".*/\1/p' Cargo.toml | head -n1)
want=${want:-0.18.1}
have=$(cargo pgrx --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "bootstrap: cargo install cargo-pgrx $want (was: ${have:-none})"
  cargo install cargo-pgrx --version "$want" --locked
fi

if ! grep -qs "pg15" "${PGRX_HOME:-$HOME/.pgrx}/config.toml"; then
  echo "bootstrap: cargo pgrx init --pg15 $PG_CONFIG"
  cargo pgrx init --pg15 "$PG_CONFIG"
fi
