#!/usr/bin/env bash
# make bench-live (and the end of make bench): live updates with many open
# streams. Starts the release server on a new SQLite database, signs one
# person in BENCH_LIVE_SESSIONS times, opens BENCH_LIVE_STREAMS event
# streams (GET /events) spread over those sessions, then starts and stops a
# timer BENCH_LIVE_ROUNDS times and measures, per change, when each stream
# heard of it (bench/src/streams.rs). Also the server's memory per open
# stream (its RSS before and after opening them). The figures go into
# BENCHMARKS.md between the live markers.
set -euo pipefail
cd "$(dirname "$0")/.."
STREAMS="${BENCH_LIVE_STREAMS:-1000}"
SESSIONS="${BENCH_LIVE_SESSIONS:-50}"
ROUNDS="${BENCH_LIVE_ROUNDS:-40}"
PORT=3104
BIN="${TIMETHER_BIN:-./target/release/timether}"
[ -x "$BIN" ] || { echo "build first: make build-release" >&2; exit 1; }
cargo build --release -q -p timether-bench --bin timether-streams
STREAMS_BIN="$(dirname "$BIN")/timether-streams"
# Each stream is a connection at both ends.
ulimit -n "$(ulimit -Hn)"

work="$(mktemp -d)"
pid=""
cleanup() { [ -z "$pid" ] || kill "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

export TIMETHER_DATABASE_URL="sqlite://$work/live.db?mode=rwc"
export TIMETHER_DATA_DIR="$work/data"
export TIMETHER_PUBLIC_ORIGIN="http://127.0.0.1:$PORT"
export TIMETHER_AUTH_RATE_LIMIT_PER_MINUTE=100000
export LEPTOS_SITE_ADDR="127.0.0.1:$PORT"
export RUST_LOG=warn
EMAIL="live-bench@example.com"
PASSWORD="bench passphrase for timether"
echo "$PASSWORD" | "$BIN" user create --email "$EMAIL" --name "Live Bench" >/dev/null
"$BIN" serve >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  curl -sf -o /dev/null "http://127.0.0.1:$PORT/signin" && break
  sleep 0.1
done

out="$("$STREAMS_BIN" --addr "127.0.0.1:$PORT" --email "$EMAIL" --password "$PASSWORD" \
  --streams "$STREAMS" --sessions "$SESSIONS" --rounds "$ROUNDS" --pid "$pid")"
echo "$out"
val() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$out"; }

section="<!-- live:start -->
## Live updates (\`make bench-live\`, also run by \`make bench\`)

\`make bench-live\` (scripts/bench-live.sh) on $(date -u +%Y-%m-%d), $(nproc) cores, release build,
SQLite, the load generator (bench/src/streams.rs) on the same machine as the server.
$(val streams) event streams (\`GET /events\`) of one person, over $(val sessions) signed-in sessions; a timer
started and stopped $(val rounds) times through \`POST /rpc/start_timer\` and \`/rpc/stop_timer\`. Times run
from sending the request to a stream reading its \`changed\` event, and include the server's
100 ms gathering window (a burst of writes is sent as one event).

| What | Result | Goal |
| --- | --- | --- |
| Timer start or stop to the last of $(val streams) streams hearing of it, per change | p50 $(val last_p50_ms) ms, p99 $(val last_p99_ms) ms | ≤ 2 s |
| The same, every stream's time | p50 $(val each_p50_ms) ms, p99 $(val each_p99_ms) ms | |
| Server memory per open stream (RSS $(val rss_before_kb) kB before opening them, $(val rss_after_kb) kB after) | $(val per_stream_bytes) bytes | |

\`\`\`
$out
\`\`\`
<!-- live:end -->"
SECTION="$section" python3 - <<'PY'
import os, re
section = os.environ["SECTION"]
text = open("BENCHMARKS.md").read() if os.path.exists("BENCHMARKS.md") else "# Benchmarks\n"
if "<!-- live:start -->" in text:
    text = re.sub(r"<!-- live:start -->.*?<!-- live:end -->", lambda _: section, text, flags=re.S)
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
open("BENCHMARKS.md", "w").write(text)
PY
echo "live: figures written to BENCHMARKS.md"
