#!/usr/bin/env bash
# Installs what building Timether needs, skipping whatever is already there:
# the wasm32 target, cargo-leptos, the wasm-bindgen CLI matching Cargo.lock,
# wasm-opt (npm: binaryen), zopfli and brotli, an IP-to-country database
# and the end-to-end test packages.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

CARGO_LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)

say() { printf '==> %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# Both tools' own release profiles ask for fat LTO with one codegen unit,
# which spends most of their build linking on a single core. They are build
# tools run a few times per build, so they are built without LTO and with
# 16 codegen units: several times quicker to build, the same output.
export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16

# cargo-leptos unoptimised: 7.1 minutes to build here, against 13.2 at
# opt-level 1 and 21.9 at its own settings (2026-12-05). The bundle it makes
# is the same: every .wasm and .js file of `target/site/pkg` byte for byte;
# the split manifest's keys and one import list come out in another order,
# as they do between two builds with the same cargo-leptos (a hash map's).
# Its own work in a build (splitting the bundle: 1.8 s instead of 0.5)
# stays small beside the compiler's.
if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 7 minutes, once)"
  CARGO_PROFILE_RELEASE_OPT_LEVEL=0 \
    cargo install cargo-leptos@"$CARGO_LEPTOS_VERSION" --locked --features no_downloads
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 2 minutes, once)"
  # Not --locked: its lock file pins a crate the registry no longer has.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# npm's binaryen is binaryen compiled to WebAssembly and run by node, about
# ten times slower than a native build. Debian's native binaryen (108) was
# tried: its output broke hydration (the externref table became a funcref
# table: "WebAssembly.Table.set(): Argument 1 is invalid for table").
if ! command -v wasm-opt >/dev/null 2>&1; then
  say "installing wasm-opt (npm package binaryen)"
  npm install -g binaryen
fi

# The bundle's precompressed copies (scripts/precompress.sh): zopfli for
# gzip, brotli for Brotli.
need=()
command -v zopfli >/dev/null 2>&1 || need+=(zopfli)
command -v brotli >/dev/null 2>&1 || need+=(brotli)
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]} from Debian"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"; } \
    || say "could not install ${need[*]}: the bundle gets gzip -9 copies only (scripts/precompress.sh)"
fi

scripts/geoip.sh

# Again when the lock file changed since the last install (a build folder
# that outlives clones, see .ci/run).
if [ ! -d end2end/node_modules/@playwright/test ] \
  || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  say "installing the end-to-end test packages"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi
