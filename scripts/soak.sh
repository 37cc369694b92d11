#!/usr/bin/env bash
# make soak: SOAK_CLIENTS people (default 64) work for SOAK_SECS seconds
# (default 60) through both doors at once, on SQLite and then on two app
# instances sharing PostgreSQL (server/tests/it/load.rs, `soak`). It fails on
# any 5xx or refusal, or when the database does not hold exactly the
# acknowledged writes. The figures go into BENCHMARKS.md between the soak
# markers. Runs the test build of `make test`: the Makefile hands over its
# package selection (SOAK_HOST) and its clippy settings, so nothing of ours
# is compiled again.
set -euo pipefail
cd "$(dirname "$0")/.."
export SOAK_CLIENTS="${SOAK_CLIENTS:-64}" SOAK_SECS="${SOAK_SECS:-60}"
read -ra HOST <<<"${SOAK_HOST:--p app -p timether -p timether-bench --features app/ssr}"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT

run() {
  local url="$1"
  TIMETHER_TEST_DATABASE_URL="$url" cargo test "${HOST[@]}" --test it -- load::soak \
    --ignored --exact --nocapture 2>&1 | tee -a "$out"
}
run sqlite
run "$(scripts/test-db.sh)"

lines="$(grep '^load: ' "$out" | sed 's/^load: /- /')"
[ "$(grep -c '^load: ' "$out")" = 2 ] || { echo "soak: expected two runs" >&2; exit 1; }
section="<!-- soak:start -->
## Soak (\`make soak\`)

\`SOAK_CLIENTS=$SOAK_CLIENTS SOAK_SECS=$SOAK_SECS make soak\` on $(date -u +%Y-%m-%d), $(nproc) cores, test
build (\`server/tests/it/load.rs\`, requests through the real router in
process). Every person starts and stops timers, creates, edits and
deletes entries with tags, invoices billable time and reads lists and
reports, half through server functions and half through \`/api/v1\`; the
run passes only with zero 5xx answers and a database that holds exactly
the acknowledged writes. The latencies are those of an unoptimised build
sharing two cores with its own 64 clients: this run is about correctness
under contention; \`make bench\` measures speed.

$lines
<!-- soak:end -->"
python3 - "$section" <<'PY'
import re, sys
section = sys.argv[1]
text = open("BENCHMARKS.md").read()
if "<!-- soak:start -->" in text:
    text = re.sub(r"<!-- soak:start -->.*?<!-- soak:end -->", lambda _: section, text, flags=re.S)
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
open("BENCHMARKS.md", "w").write(text)
PY
echo "soak: figures written to BENCHMARKS.md"
