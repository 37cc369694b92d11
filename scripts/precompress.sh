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

# Each copy is written beside its file under a temporary name and renamed
# only when complete, so a failed run never leaves a partial copy.
compress() {
  set -euo pipefail
  local f="$1"
  if command -v zopfli >/dev/null 2>&1; then
    zopfli -c "$f" >"$f.gz.tmp"
  else
    gzip -9 -n -c "$f" >"$f.gz.tmp"
  fi
  # Each copy gets its file's mode: a server running as another user than the
  # builder reads the copies whenever it can read the files.
  chmod --reference="$f" "$f.gz.tmp"
  mv "$f.gz.tmp" "$f.gz"
  if command -v brotli >/dev/null 2>&1; then
    # -n: the copy gets its own, newer time (the server drops copies older
    # than their file, and brotli would copy the file's time to a second).
    brotli -f -n -q 11 -o "$f.br.tmp" "$f"
    chmod --reference="$f" "$f.br.tmp"
    mv "$f.br.tmp" "$f.br"
  fi
}
export -f compress

find "$pkg" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' \) -print0 \
  | xargs -0 -P "$(nproc)" -I{} bash -c 'compress "$1"' _ {}
echo "==> precompressed $(find "$pkg" -name '*.gz' | wc -l) files in $pkg"
