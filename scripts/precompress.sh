#!/usr/bin/env bash
# Writes a gzip (.gz) and a Brotli (.br) copy beside every file of the
# browser bundle, which the server then sends to browsers that accept them
# (server/src/lib.rs, `bundle_service`). Gzip comes from zopfli, whose
# output any gzip reader takes but is about 5 % smaller than `gzip -9`;
# without zopfli, `gzip -9`. Without the brotli tool, no .br.
#
# cargo-leptos empties the site folder whenever it rebuilds the bundle, so
# these copies do not outlive the files they were made from; and when the
# server starts it removes any copy older than its file.
set -euo pipefail
cd "$(dirname "$0")/.."
pkg="${1:-target/site/pkg}"
[ -d "$pkg" ] || { echo "precompress: no bundle at $pkg (build it first)" >&2; exit 1; }

# The copies are kept in the build cache under the hash of their file, as
# scripts/bin/wasm-opt keeps its outputs: cargo-leptos writes every bundle
# file anew on each release build, and zopfli on all of them takes half a
# minute when none has changed.
export PRECOMPRESS_CACHE="${TIMETHER_CACHE_DIR:-$HOME/.cache/timether}/precompress"
mkdir -p "$PRECOMPRESS_CACHE" 2>/dev/null || PRECOMPRESS_CACHE=""

# Each copy is written beside its file under a temporary name and renamed
# only when complete, so a failed run never leaves a partial copy. Each
# copy gets its file's mode: a server running as another user than the
# builder reads the copies whenever it can read the files. A copy is
# written after its file, so it is newer (the server drops copies older
# than their file).
place() {
  local from="$1" to="$2" f="$3"
  cp "$from" "$to.tmp"
  chmod --reference="$f" "$to.tmp"
  mv "$to.tmp" "$to"
}
compress() {
  set -euo pipefail
  local f="$1" kept=""
  local tools="zopfli=$(command -v zopfli || true) brotli=$(command -v brotli || true)"
  if [ -n "$PRECOMPRESS_CACHE" ]; then
    kept="$PRECOMPRESS_CACHE/$( { echo "$tools"; sha256sum <"$f"; } | sha256sum | cut -c1-64)"
    if [ -f "$kept.gz" ] && { [ -f "$kept.br" ] || ! command -v brotli >/dev/null 2>&1; }; then
      place "$kept.gz" "$f.gz" "$f"
      [ ! -f "$kept.br" ] || place "$kept.br" "$f.br" "$f"
      # -c: never create a missing .br (an empty one would be served).
      touch -c "$kept.gz" "$kept.br" 2>/dev/null || true
      return
    fi
  fi
  if command -v zopfli >/dev/null 2>&1; then
    zopfli -c "$f" >"$f.gz.tmp"
  else
    gzip -9 -n -c "$f" >"$f.gz.tmp"
  fi
  chmod --reference="$f" "$f.gz.tmp"
  mv "$f.gz.tmp" "$f.gz"
  if command -v brotli >/dev/null 2>&1; then
    # -n: the copy gets its own, newer time (brotli would copy the file's
    # time to a second).
    brotli -f -n -q 11 -o "$f.br.tmp" "$f"
    chmod --reference="$f" "$f.br.tmp"
    mv "$f.br.tmp" "$f.br"
  fi
  if [ -n "$kept" ]; then
    # .br first: a kept .gz is what says the pair is complete.
    if [ -f "$f.br" ]; then cp "$f.br" "$kept.br.$$" && mv -f "$kept.br.$$" "$kept.br" || true; fi
    cp "$f.gz" "$kept.gz.$$" && mv -f "$kept.gz.$$" "$kept.gz" || true
  fi
}
export -f compress place

export -f compress

find "$pkg" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' \) -print0 \
  | xargs -0 -P "$(nproc)" -I{} bash -c 'compress "$1"' _ {}
# Copies no build has asked for in two weeks go.
[ -z "$PRECOMPRESS_CACHE" ] || find "$PRECOMPRESS_CACHE" -type f -mtime +14 -delete 2>/dev/null || true
echo "==> precompressed $(find "$pkg" -name '*.gz' | wc -l) files in $pkg"
