#!/usr/bin/env bash
# Prints each tool the build needs, the version found and the version wanted.
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
WB=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
row() { printf '%-22s %-40s %s\n' "$1" "${2:-missing}" "$3"; }
first() { "$@" 2>/dev/null | head -n1; }
row TOOL FOUND WANTED
row rustc "$(first rustc --version)" "1.95"
row "wasm32 target" "$(rustup target list --installed 2>/dev/null | grep -x wasm32-unknown-unknown)" "wasm32-unknown-unknown"
row cargo-leptos "$(first cargo leptos --version)" "0.3.10"
row wasm-bindgen "$(first wasm-bindgen --version)" "$WB (from Cargo.lock)"
row wasm-opt "$(first wasm-opt --version)" "any (npm binaryen)"
row zopfli "$(command -v zopfli)" "Debian package zopfli (gzip copies)"
row brotli "$(first brotli --version)" "Debian package brotli"
row node "$(first node --version)" ">= 20"
row npm "$(first npm --version)" "any"
row playwright "$( [ -d end2end/node_modules/@playwright/test ] && node -p "require('./end2end/node_modules/@playwright/test/package.json').version")" "from end2end/package-lock.json"
row chromium "$(first chromium --version)" "Debian package chromium"
row postgresql "$(first psql --version)" "15 (Debian package postgresql)"
row "postgres on :5432" "$(pg_isready -h 127.0.0.1 -p 5432 2>/dev/null)" "accepting connections (make test starts it)"
